// Scale-out benchmark (`npm run bench:queue`): calls per second with worker threads and with
// BullMQ worker processes, against the scripted backends and a fake model server that answers
// after 200 ms. Machine load and this process's CPU are printed beside every figure (the machine
// may be shared). Results go to bench/queue-results.json.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createScriptedAgent, createScriptedCaller } from "../agents/index.ts";
import { loadPack } from "../scenarios/index.ts";
import { type BackendRecipe, type CallExecutor, cleanQueue, createQueueExecutor, createThreadExecutor, SCRIPTED_RECIPE, simulate } from "../sim/index.ts";
import { startFakeOpenAIServer } from "../test/helpers/fake-openai-server.ts";
import { hasRedisServer, startRedis } from "../test/helpers/redis-server.ts";

interface Row {
  name: string;
  calls: number;
  seconds: number;
  perSecond: number;
  coordinatorCpuSeconds: number;
  load1: number;
}

const rows: Row[] = [];
const loaded = await loadPack("scenarios/packs/collections");
const scenarios = loaded.pack.scenarios.length;
const scripted = { caller: createScriptedCaller(), agent: createScriptedAgent() };

async function timed(name: string, perScenario: number, concurrency: number, executor: CallExecutor | undefined): Promise<Row> {
  const load1 = Number(loadavg()[0]?.toFixed(2));
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await simulate(loaded, {
    out: mkdtempSync(join(tmpdir(), "voicesim-bench-queue-")),
    perScenario,
    concurrency,
    seed: 1,
    backends: scripted,
    flawRate: 0.2,
    resume: false,
    ...(executor ? { executor } : {}),
  });
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const row = {
    name,
    calls: result.batch.total,
    seconds: Number(seconds.toFixed(2)),
    perSecond: Number((result.batch.total / seconds).toFixed(1)),
    coordinatorCpuSeconds: Number(((used.user + used.system) / 1e6).toFixed(2)),
    load1,
  };
  rows.push(row);
  console.log(`${name}: ${row.calls} calls in ${row.seconds}s = ${row.perSecond}/s (coordinator CPU ${row.coordinatorCpuSeconds}s, load ${load1} on ${availableParallelism()} cores)`);
  return row;
}

// 1. Scripted, CPU-bound: one process against two worker threads (threads started and warm first).
const perScripted = Math.ceil(400 / scenarios);
await timed("scripted warm-up, one process", 2, 4, undefined);
const one = await timed("scripted, one process", perScripted, 4, undefined);
const threads = createThreadExecutor({ workers: 2, concurrencyPerWorker: 4, setup: { packDir: loaded.dir, packHash: loaded.hash, backends: SCRIPTED_RECIPE } });
try {
  await timed("scripted warm-up, 2 worker threads", 2, 4, threads);
  const two = await timed("scripted, 2 worker threads", perScripted, 4, threads);
  console.log(`scripted speed-up with 2 threads: ${(two.perSecond / one.perSecond).toFixed(2)}×`);
} finally {
  await threads.close();
}

// 2. BullMQ worker processes: scripted (2 vs one process) and the 200 ms model server (1, 2, 4).
if (!hasRedisServer()) {
  console.log("queue benchmarks skipped: no redis-server (apt-get install redis-server)");
} else {
  const redis = await startRedis();
  const server = await startFakeOpenAIServer((request) => {
    const body = request.body;
    if (body.response_format) {
      const turn = body.messages.filter((m) => m.role === "assistant").length;
      return { delayMs: 200, content: JSON.stringify({ utterance: turn < 3 ? "I'd like to check my balance, please." : "Thanks, bye.", hang_up: turn >= 3 }) };
    }
    return { delayMs: 200, content: "Thanks for calling. Could I have the phone number on your account?" };
  });
  const workers: ChildProcess[] = [];
  const startWorkers = async (count: number, concurrency: number) => {
    const started = Array.from({ length: count }, (_, index) => {
      const child = spawn(process.execPath, [resolve("bin/voicesim.mjs"), "worker", "--queue", redis.url, "--concurrency", String(concurrency), "--name", `bench-${index}`], {
        stdio: ["ignore", "ignore", "pipe"],
      });
      workers.push(child);
      return new Promise<void>((done, fail) => {
        let stderr = "";
        child.stderr?.on("data", (chunk: Buffer) => {
          stderr += chunk.toString();
          if (stderr.includes("worker ready")) done();
        });
        child.once("exit", (code) => fail(new Error(`worker exited with ${code}: ${stderr}`)));
      });
    });
    await Promise.all(started);
  };
  const stopWorkers = () => {
    for (const child of workers.splice(0)) child.kill("SIGKILL");
  };
  const queued = async (name: string, recipe: BackendRecipe, perScenario: number) => {
    // Every measurement starts from an empty queue and an empty shared cache.
    await cleanQueue(redis.url, { all: true });
    const executor = await createQueueExecutor({ url: redis.url, out: mkdtempSync(join(tmpdir(), "voicesim-bench-queue-")), seed: 1, pack: loaded, backends: recipe });
    try {
      return await timed(name, perScenario, 4, executor);
    } finally {
      await executor.close();
    }
  };
  try {
    await startWorkers(2, 4);
    await queued("scripted warm-up, 2 queue workers", SCRIPTED_RECIPE, 2);
    const two = await queued("scripted, 2 queue worker processes", SCRIPTED_RECIPE, perScripted);
    console.log(`scripted speed-up with 2 queue workers: ${(two.perSecond / one.perSecond).toFixed(2)}×`);
    stopWorkers();
    const model: BackendRecipe = { caller: "openai:bench-model", agent: "openai:bench-model", baseUrl: server.baseUrl, timeoutMs: 10_000 };
    for (const count of [1, 2, 4]) {
      await startWorkers(count, 16);
      await queued(`200 ms model, ${count} queue worker${count === 1 ? "" : "s"} × 16 calls at once`, model, Math.ceil((40 * count) / scenarios));
      stopWorkers();
    }
  } finally {
    stopWorkers();
    await server.close();
    redis.stop();
  }
}

writeFileSync("bench/queue-results.json", `${JSON.stringify({ node: process.version, cores: availableParallelism(), date: new Date().toISOString(), rows }, null, 2)}\n`);
