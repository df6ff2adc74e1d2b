import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScriptedAgent, createScriptedCaller, type ModelClient } from "../../../agents/index.ts";
import { type LoadedPack, loadPack, VoicesimError } from "../../../scenarios/index.ts";
import {
  type BatchProgress,
  candidateItems,
  cleanQueue,
  connectRedis,
  createQueueExecutor,
  QUEUE_NAME,
  type QueueExecutor,
  queueStatus,
  RunStore,
  runBatch,
  SCRIPTED_RECIPE,
  type SimulateRunOptions,
  sharedModelClient,
  simulate,
  startQueueWorker,
} from "../../../sim/index.ts";
import { startWsPolicyAgent } from "../../helpers/policy-agents.ts";
import { hasRedisServer, startRedis, type TestRedis } from "../../helpers/redis-server.ts";

const PACK = "scenarios/packs/collections";
const tempDir = () => mkdtempSync(join(tmpdir(), "voicesim-queue-"));
const options = (out: string, extra: Partial<SimulateRunOptions> = {}): SimulateRunOptions => ({
  out,
  perScenario: 1,
  concurrency: 4,
  seed: 8,
  backends: { caller: createScriptedCaller(), agent: createScriptedAgent() },
  flawRate: 0.3,
  resume: false,
  ...extra,
});

/** A `voicesim worker` process; resolves once it is connected. */
function startWorkerProcess(url: string, name: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [resolve("bin/voicesim.mjs"), "worker", "--queue", url, "--concurrency", "2", "--lock-ms", "2000", "--name", name], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  return new Promise((done, fail) => {
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes("worker ready")) done(child);
    });
    child.once("exit", (code) => fail(new Error(`worker ${name} exited with ${code}: ${stderr}`)));
  });
}

const skip = !hasRedisServer();
if (skip) console.warn("queue tests skipped: no redis-server binary (Debian: apt-get install redis-server; .ci/run installs it)");

describe.skipIf(skip)("a run coordinated over BullMQ", () => {
  let redis: TestRedis;
  let loaded: LoadedPack;
  let reference: string;
  let queued: string;
  let executor: QueueExecutor;
  let stalledJobs = 0;
  let queuedOut = "";
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    loaded = await loadPack(PACK);
    // Both workers start (about a second each) while this process makes the one-process reference.
    const starting = Promise.all([startWorkerProcess(redis.url, "doomed"), startWorkerProcess(redis.url, "survivor")]);
    const one = tempDir();
    await simulate(loaded, options(one));
    reference = readFileSync(join(one, "conversations.jsonl"), "utf8");
    workers.push(...(await starting));
    const [doomed] = workers;

    const out = tempDir();
    queuedOut = out;
    executor = await createQueueExecutor({ url: redis.url, out, seed: 8, pack: { dir: loaded.dir, hash: loaded.hash }, backends: SCRIPTED_RECIPE, attempts: 2, retryDelayMs: 50 });
    const queue = new Queue(QUEUE_NAME, { connection: { host: "127.0.0.1", port: redis.port } });
    // kill -9 the first worker while it holds a call: its job stalls and the survivor takes it over.
    let finished = false;
    const killer = (async () => {
      while (!finished) {
        const active = await queue.getActive();
        if (active.some((job) => job.processedBy === "doomed")) {
          doomed?.kill("SIGKILL");
          return;
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await simulate(loaded, options(out, { executor })).finally(() => {
      finished = true;
    });
    await killer;
    queued = readFileSync(join(out, "conversations.jsonl"), "utf8");
    const completed = await queue.getCompleted();
    stalledJobs = completed.filter((job) => job.name === executor.runKey && job.stalledCounter > 0).length;
    await queue.close();
  }, 120_000);

  afterAll(async () => {
    await executor?.close();
    for (const worker of workers) worker.kill("SIGKILL");
    redis?.stop();
  });

  it("writes the same conversations, byte for byte, as one process, with a worker killed mid-call", () => {
    expect(stalledJobs).toBeGreaterThan(0);
    expect(queued.split("\n").filter(Boolean)).toHaveLength(loaded.pack.scenarios.length);
    expect(queued).toBe(reference);
  });

  it("puts a call that fails every attempt in the batch's lost list with its reason, and finishes the rest", async () => {
    const [first, second] = loaded.pack.scenarios;
    if (!first || !second) throw new Error("the pack needs two scenarios");
    const broken = { ...first, id: "broken-call", persona: "nobody-by-this-name" };
    const store = RunStore.open(tempDir());
    const progress: BatchProgress[] = [];
    try {
      const result = await runBatch(loaded, candidateItems([broken, second], 1), store, {
        seed: 8,
        concurrency: 2,
        caller: createScriptedCaller(),
        agent: createScriptedAgent(),
        flawRate: 0,
        executor,
        onProgress: (event) => progress.push(event),
      });
      expect(result.simulated).toBe(1);
      expect(result.lost).toEqual([{ id: "broken-call#0", reason: expect.stringMatching(/failed 2 times: .*nobody-by-this-name/) }]);
      // The lost call counts as done and failed, so a progress bar reaches its total.
      expect(progress.find((e) => e.type === "lost")).toMatchObject({ id: "broken-call#0", failed: 1 });
      expect(progress.at(-1)).toMatchObject({ type: "done", done: 2, total: 2, failed: 1 });
    } finally {
      store.close();
    }
  });

  it("collects calls already finished in Redis when a coordinator starts again, running none twice", async () => {
    const queue = new Queue(QUEUE_NAME, { connection: { host: "127.0.0.1", port: redis.port } });
    const finishedAt = async () =>
      new Map((await queue.getCompleted()).filter((job) => job.name === executor.runKey).map((job) => [job.id, job.finishedOn]));
    const before = await finishedAt();
    // A coordinator killed after its calls finished: the same run directory, pack and seed name the same jobs.
    const restarted = await createQueueExecutor({ url: redis.url, out: queuedOut, seed: 8, pack: { dir: loaded.dir, hash: loaded.hash }, backends: SCRIPTED_RECIPE });
    try {
      expect(restarted.runKey).toBe(executor.runKey);
      const again = tempDir();
      await simulate(loaded, options(again, { executor: restarted }));
      expect(readFileSync(join(again, "conversations.jsonl"), "utf8")).toBe(reference);
      expect(await finishedAt()).toEqual(before);
    } finally {
      await restarted.close();
      await queue.close();
    }
  });

  it("lists a run's jobs in queue status and removes them with queue clean", async () => {
    const before = await queueStatus(redis.url);
    const ours = before.runs.find((r) => r.run === executor.runKey);
    expect(ours?.counts.completed).toBeGreaterThanOrEqual(loaded.pack.scenarios.length);
    expect(before.workers).toBeGreaterThanOrEqual(1);
    const removed = await cleanQueue(redis.url, { run: executor.runKey });
    expect(removed).toBeGreaterThanOrEqual(ours?.counts.completed ?? 1);
    expect((await queueStatus(redis.url)).runs.find((r) => r.run === executor.runKey)).toBeUndefined();
  });

  it("refuses a job from another voicesim version, naming both versions", async () => {
    // Database 1: only the mismatched worker listens there.
    const url = `${redis.url}/1`;
    const worker = await startQueueWorker({ url, concurrency: 1, version: "9.9.9" });
    const coordinator = await createQueueExecutor({ url, out: tempDir(), seed: 8, pack: { dir: loaded.dir, hash: loaded.hash }, backends: SCRIPTED_RECIPE, version: "1.2.3" });
    try {
      const scenario = loaded.pack.scenarios[0];
      if (!scenario) throw new Error("the pack has no scenario");
      const request = { conversationId: `${scenario.id}#0`, scenario, candidate: 0, seed: 1, flaws: [], limits: { maxCallerTurns: 5, maxAgentStepsPerTurn: 4, maxSilenceMs: 1000 } };
      const error = await coordinator.run(request, {}).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(VoicesimError);
      expect((error as VoicesimError).message).toMatch(/voicesim 9\.9\.9.*voicesim 1\.2\.3/);
    } finally {
      await coordinator.close();
      await worker.close();
    }
  });

  it("gives an external agent a working MCP URL from the worker that runs its call, with --mcp-host's address", async () => {
    // Database 3: only this worker listens there; the agent's tool calls over MCP must land in the call's tool log.
    const url = `${redis.url}/3`;
    const agent = await startWsPolicyAgent("tools_over_mcp");
    const clinic = await loadPack("scenarios/packs/clinic-booking");
    const worker = await startQueueWorker({ url, concurrency: 1, mcpHost: "127.0.0.1" });
    const coordinator = await createQueueExecutor({
      url,
      out: tempDir(),
      seed: 8,
      pack: { dir: clinic.dir, hash: clinic.hash },
      backends: { caller: "scripted", agent: agent.url, agentTurnTimeoutMs: 10_000 },
    });
    try {
      const scenario = clinic.pack.scenarios.find((s) => s.faultPlan.length === 0)!;
      const request = { conversationId: `${scenario.id}#0`, scenario, candidate: 0, seed: 1, flaws: [], limits: { maxCallerTurns: 6, maxAgentStepsPerTurn: 4, maxSilenceMs: 1000 } };
      const outcome = await coordinator.run(request, {});
      expect(outcome.kind).toBe("done");
      const conversation = (outcome as Extract<typeof outcome, { kind: "done" }>).conversation;
      expect(conversation.status, conversation.error).toBe("completed");
      expect(agent.received.get(request.conversationId)![0]!.mcp).toEqual({ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/mcp\//) });
      expect(conversation.toolLog.map((r) => [r.tool, r.callId])).toEqual([["search_slots", "mcp-1"]]);
    } finally {
      await coordinator.close();
      await worker.close();
      await agent.close();
    }
  });

  it("shares model answers and one request window between workers through Redis", async () => {
    const connection = await connectRedis(`${redis.url}/2`);
    let served = 0;
    const inner: ModelClient = {
      id: "openai:shared-test",
      complete: async () => {
        served++;
        return { content: `answer ${served}`, toolCalls: [], usage: { promptTokens: 3, completionTokens: 2 }, cached: false };
      },
    };
    let clock = 10_000;
    const waits: number[] = [];
    const limits = { requestsPerWindow: 2, windowMs: 1000, now: () => clock, sleep: async (ms: number) => void (waits.push(ms), (clock += ms)) };
    // Two workers: two clients over the same Redis.
    const first = sharedModelClient(inner, connection, "http://127.0.0.1:1/v1", limits);
    const second = sharedModelClient(inner, connection, "http://127.0.0.1:1/v1", limits);
    try {
      const ask = (client: ModelClient, text: string) => client.complete({ messages: [{ role: "user", content: text }] });
      expect((await ask(first, "a")).cached).toBe(false);
      const again = await ask(second, "a");
      expect(again).toMatchObject({ content: "answer 1", cached: true });
      await ask(second, "b");
      expect(waits).toEqual([]);
      // The third request in the window waits for the next one, whichever worker sends it.
      await ask(first, "c");
      expect(served).toBe(3);
      expect(waits).toHaveLength(1);
      expect(clock).toBeGreaterThanOrEqual(11_000);
      // A token budget: each answer spends 5 tokens, so a 5-token window holds one request.
      const frugal = sharedModelClient(inner, connection, "http://127.0.0.1:2/v1", { ...limits, requestsPerWindow: 0, tokensPerWindow: 5 });
      waits.length = 0;
      await ask(frugal, "d");
      expect(waits).toEqual([]);
      await ask(frugal, "e");
      expect(waits).toHaveLength(1);
    } finally {
      connection.disconnect();
    }
  });

  it("fails fast on an unreachable Redis, naming the URL without its password", async () => {
    const started = performance.now();
    const error = await createQueueExecutor({
      url: "redis://user:hunter2@127.0.0.1:1/0",
      out: tempDir(),
      seed: 1,
      pack: { dir: loaded.dir, hash: loaded.hash },
      backends: SCRIPTED_RECIPE,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VoicesimError);
    expect((error as VoicesimError).message).toContain("redis://***:***@127.0.0.1:1/0");
    expect((error as VoicesimError).message).not.toContain("hunter2");
    expect(performance.now() - started).toBeLessThan(3000);
  });
});
