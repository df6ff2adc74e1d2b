// Scale-out benchmark (`npm run bench:queue`): calls per second with worker threads and with
// BullMQ worker processes, against the scripted backends and the bench's pretend model (answers
// after 200 ms). Scripted one-process and two-thread runs are interleaved and their medians
// compared; machine load and this process's CPU (every thread of it) are printed beside every
// figure, since the machine may be shared. Results go to bench/queue-results.json;
// `-- --calls-only` measures the scripted calls alone (no whole run, no queue) and writes nothing.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createScriptedAgent, createScriptedCaller } from "../agents/index.ts";
import { createScriptedRewriter, runPipeline } from "../pipeline/index.ts";
import { loadPack } from "../scenarios/index.ts";
import { type BackendRecipe, type CallExecutor, cleanQueue, createQueueExecutor, createThreadExecutor, SCRIPTED_RECIPE, simulate } from "../sim/index.ts";
import { hasRedisServer, startRedis } from "../test/helpers/redis-server.ts";
import { startModelProcess } from "./fake-model.ts";
import { fixed, measure, median } from "./measure.ts";

interface Row {
  name: string;
  calls: number;
  seconds: number;
  perSecond: number;
  /** This process's CPU: the coordinator's, and with worker threads theirs too. */
  cpuSeconds: number;
  /** Queue rows: the worker processes' CPU (all their threads) and redis-server's, from /proc. */
  workersCpuSeconds?: number;
  redisCpuSeconds?: number;
  load1: number;
}

/** CPU seconds a process has used so far, every thread of it (Linux /proc; undefined elsewhere). */
function processCpuSeconds(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    // Fields after the command name: utime and stime are the 12th and 13th, in clock ticks (100 a second).
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

const cpuOf = (pids: readonly (number | undefined)[]): number | undefined => {
  const each = pids.map(processCpuSeconds);
  return each.every((v) => v !== undefined) ? each.reduce((a, b) => (a ?? 0) + (b ?? 0), 0) : undefined;
};

const ROUNDS = 3;
const callsOnly = process.argv.includes("--calls-only");
const rows: Row[] = [];
const summary: Record<string, number> = {};
const loaded = await loadPack("scenarios/packs/collections");
const scenarios = loaded.pack.scenarios.length;
const scripted = () => ({ caller: createScriptedCaller(), agent: createScriptedAgent() });
const tempDir = () => mkdtempSync(join(tmpdir(), "voicesim-bench-queue-"));
const threads = (workers: number) =>
  createThreadExecutor({ workers, concurrencyPerWorker: 4, setup: { packDir: loaded.dir, packHash: loaded.hash, backends: SCRIPTED_RECIPE } });

/** Other processes that do a measurement's work (queue workers, redis-server), whose CPU is reported beside this one's. */
interface Helpers {
  workers: readonly (number | undefined)[];
  redis: number | undefined;
}

async function timed(name: string, run: () => Promise<number>, helpers?: Helpers): Promise<Row> {
  const before = helpers && { workers: cpuOf(helpers.workers), redis: cpuOf([helpers.redis]) };
  const { value: calls, wallS, cpuMs, load } = await measure(run);
  const workersCpu = helpers && before?.workers !== undefined ? (cpuOf(helpers.workers) ?? Number.NaN) - before.workers : undefined;
  const redisCpu = helpers && before?.redis !== undefined ? (cpuOf([helpers.redis]) ?? Number.NaN) - before.redis : undefined;
  const row: Row = {
    name,
    calls,
    seconds: fixed(wallS, 2),
    perSecond: fixed(calls / wallS, 1),
    cpuSeconds: fixed(cpuMs / 1000, 2),
    ...(workersCpu !== undefined ? { workersCpuSeconds: fixed(workersCpu, 2) } : {}),
    ...(redisCpu !== undefined ? { redisCpuSeconds: fixed(redisCpu, 2) } : {}),
    load1: fixed(load, 2),
  };
  rows.push(row);
  const elsewhere = row.workersCpuSeconds !== undefined ? `, workers ${row.workersCpuSeconds}s, redis ${row.redisCpuSeconds}s` : "";
  console.log(`${name}: ${row.calls} calls in ${row.seconds}s = ${row.perSecond}/s (CPU ${row.cpuSeconds}s${elsewhere}, load ${row.load1} on ${availableParallelism()} cores)`);
  return row;
}

const simulated = (perScenario: number, executor: CallExecutor | undefined) => async () =>
  (
    await simulate(loaded, {
      out: tempDir(),
      perScenario,
      concurrency: 4,
      seed: 1,
      backends: scripted(),
      flawRate: 0.2,
      resume: false,
      ...(executor ? { executor } : {}),
    })
  ).batch.total;

/** `voicesim run` as the CLI runs it, scripted: generate to export, with its own executor (threads started within). */
const pipelined = (workers: number) => async () => {
  const executor = workers > 1 ? threads(workers) : undefined;
  try {
    const result = await runPipeline(loaded, {
      out: tempDir(),
      seed: 1,
      scenarios: 60,
      candidates: 4,
      forks: 2,
      rounds: 2,
      concurrency: 4,
      flawRate: 0.25,
      backends: scripted(),
      rewriter: createScriptedRewriter(),
      resume: false,
      ...(executor ? { executor } : {}),
    });
    return result.calls.total;
  } finally {
    await executor?.close();
  }
};

/** One process against two threads, interleaved round by round; the median of each and of the per-round ratios. */
async function interleaved(label: string, one: () => Promise<number>, two: () => Promise<number>): Promise<void> {
  const ones: Row[] = [];
  const twos: Row[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    ones.push(await timed(`${label}, one process (round ${round})`, one));
    twos.push(await timed(`${label}, 2 worker threads (round ${round})`, two));
  }
  const ratio = median(ones.map((row, i) => (twos[i]?.perSecond ?? 0) / row.perSecond));
  summary[`${label}: speed-up with 2 threads (median of ${ROUNDS} interleaved rounds)`] = fixed(ratio, 2);
  summary[`${label}: CPU with 2 threads / one process (median)`] = fixed(median(twos.map((r) => r.cpuSeconds)) / median(ones.map((r) => r.cpuSeconds)), 2);
  console.log(`${label}: 2 threads ${fixed(ratio, 2)}× one process (median of ${ROUNDS} interleaved rounds)`);
}

// 1. Scripted, CPU-bound: calls alone (threads started and warm first), then the whole pipeline.
const perScripted = Math.ceil(400 / scenarios);
await timed("scripted warm-up, one process", simulated(2, undefined));
const warmThreads = threads(2);
try {
  await timed("scripted warm-up, 2 worker threads", simulated(2, warmThreads));
  await interleaved("scripted calls", simulated(perScripted, undefined), simulated(perScripted, warmThreads));
} finally {
  await warmThreads.close();
}
if (!callsOnly) await interleaved("scripted run (--scenarios 60 --candidates 4)", pipelined(1), pipelined(2));

// 2. BullMQ worker processes: scripted, then the 200 ms model with 1, 2 and 4 workers.
if (callsOnly) {
  console.log(JSON.stringify(summary, null, 2));
} else if (!hasRedisServer()) {
  console.log("queue benchmarks skipped: no redis-server (apt-get install redis-server)");
} else {
  const redis = await startRedis();
  const model = await startModelProcess();
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
    const executor = await createQueueExecutor({ url: redis.url, out: tempDir(), seed: 1, pack: loaded, backends: recipe });
    try {
      return await timed(name, simulated(perScenario, executor), { workers: workers.map((child) => child.pid), redis: redis.pid });
    } finally {
      await executor.close();
    }
  };
  try {
    await startWorkers(2, 4);
    // As warm as the one process is by now (a full batch): a worker's first few hundred calls pay
    // for V8's warm-up, which would count against the queue otherwise.
    await queued("scripted warm-up, 2 queue workers", SCRIPTED_RECIPE, perScripted);
    // Against the one-process rounds above (not interleaved with them): calls per second, and
    // where the CPU of a call goes (one process: all of it; queued: coordinator, workers, Redis).
    const onQueue = await queued("scripted calls, 2 queue worker processes", SCRIPTED_RECIPE, perScripted);
    const ones = rows.filter((row) => row.name.startsWith("scripted calls, one process"));
    const perCallMs = (seconds: number | undefined, calls: number) => fixed(((seconds ?? Number.NaN) * 1000) / calls, 1);
    summary["scripted calls: speed-up with 2 queue worker processes (against the median one-process round)"] = fixed(onQueue.perSecond / median(ones.map((r) => r.perSecond)), 2);
    summary["scripted calls: CPU ms per call, one process (median)"] = perCallMs(median(ones.map((r) => r.cpuSeconds)), onQueue.calls);
    summary["scripted calls: CPU ms per call on the queue, coordinator"] = perCallMs(onQueue.cpuSeconds, onQueue.calls);
    summary["scripted calls: CPU ms per call on the queue, workers"] = perCallMs(onQueue.workersCpuSeconds, onQueue.calls);
    summary["scripted calls: CPU ms per call on the queue, redis-server"] = perCallMs(onQueue.redisCpuSeconds, onQueue.calls);
    stopWorkers();
    const recipe: BackendRecipe = { caller: "openai:bench-model", agent: "openai:bench-model", baseUrl: model.baseUrl, timeoutMs: 10_000 };
    for (const count of [1, 2, 4]) {
      await startWorkers(count, 16);
      await queued(`200 ms model, ${count} queue worker${count === 1 ? "" : "s"} × 16 calls at once`, recipe, Math.ceil((40 * count) / scenarios));
      stopWorkers();
    }
  } finally {
    stopWorkers();
    model.stop();
    redis.stop();
  }
}

if (!callsOnly) writeFileSync("bench/queue-results.json", `${JSON.stringify({ node: process.version, cores: availableParallelism(), date: new Date().toISOString(), summary, rows }, null, 2)}\n`);
