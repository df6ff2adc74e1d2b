// voicesim's own LLM agent and caller on the bench's pretend model: the model-bound run that
// bench/run.ts and bench/model-cpu.ts set beside the peers, in one process (as `voicesim run` runs
// model-bound calls by default) and over worker threads (`--workers 2`).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createModelClient, createOpenAIAgent, createOpenAICaller } from "../agents/index.ts";
import { type Backends, type CallExecutor, createThreadExecutor, type RunnablePack, simulate } from "../sim/index.ts";
import type { PeerRun } from "./peers.ts";

const MODEL = "bench-model";

function backendsFor(loaded: RunnablePack, baseUrl: string, cacheDir: string): Backends {
  // With the response cache, as `voicesim run` has it (every answer appended to the run's cache).
  const client = createModelClient({ model: MODEL, baseUrl, timeoutMs: 30_000, cacheDir });
  return { caller: createOpenAICaller({ client }), agent: createOpenAIAgent({ client, tools: loaded.tools.map((t) => t.openAISchema()) }) };
}

async function simulated(loaded: RunnablePack, backends: Backends, options: { out: string; conversations: number; concurrency: number; seed: number; executor?: CallExecutor }): Promise<PeerRun> {
  const result = await simulate(loaded, {
    out: options.out,
    scenarioIds: [loaded.pack.scenarios[0]?.id ?? ""],
    perScenario: options.conversations,
    concurrency: options.concurrency,
    seed: options.seed,
    backends,
    ...(options.executor ? { executor: options.executor } : {}),
    flawRate: 0,
    resume: false,
  });
  const usage = result.batch.usage;
  return { conversations: result.batch.total, requests: usage.agent.modelCalls + usage.caller.modelCalls };
}

/** Every call in this process, `concurrency` at a time. */
export async function voicesimModelCalls(loaded: RunnablePack, baseUrl: string, conversations: number, concurrency: number): Promise<PeerRun> {
  const out = mkdtempSync(join(tmpdir(), "voicesim-bench-"));
  return simulated(loaded, backendsFor(loaded, baseUrl, join(out, "cache")), { out, conversations, concurrency, seed: 1 });
}

/**
 * Calls spread over worker threads, `concurrency` in flight in all (each thread its share), the
 * threads started once and kept warm across runs, as in a long `voicesim run --workers N`. Each run has a seed
 * of its own, so no run answers from an earlier one's cache. Close it when done.
 */
export function voicesimThreadedModelCalls(loaded: RunnablePack, baseUrl: string, concurrency: number, workers: number): { run(conversations: number): Promise<PeerRun>; close(): Promise<void> } {
  const cacheDir = join(mkdtempSync(join(tmpdir(), "voicesim-bench-")), "cache");
  const executor = createThreadExecutor({
    workers,
    concurrencyPerWorker: Math.ceil(concurrency / workers),
    setup: { packDir: loaded.dir, packHash: loaded.hash, backends: { caller: `openai:${MODEL}`, agent: `openai:${MODEL}`, baseUrl, cacheDir, timeoutMs: 30_000 } },
    minBatch: 0,
  });
  // The threads build their own backends from the recipe; these only name the run's backends.
  const named = backendsFor(loaded, baseUrl, cacheDir);
  let seed = 0;
  return {
    run: (conversations) => simulated(loaded, named, { out: mkdtempSync(join(tmpdir(), "voicesim-bench-")), conversations, concurrency, seed: ++seed, executor }),
    close: () => executor.close(),
  };
}
