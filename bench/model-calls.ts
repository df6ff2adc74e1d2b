// voicesim's own LLM agent and caller on the bench's pretend model: the model-bound run that
// bench/run.ts and bench/model-cpu.ts set beside the peers.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createModelClient, createOpenAIAgent, createOpenAICaller } from "../agents/index.ts";
import { type RunnablePack, simulate } from "../sim/index.ts";
import type { PeerRun } from "./peers.ts";

export async function voicesimModelCalls(loaded: RunnablePack, baseUrl: string, conversations: number, concurrency: number): Promise<PeerRun> {
  const out = mkdtempSync(join(tmpdir(), "voicesim-bench-"));
  // With the response cache, as `voicesim run` has it (every answer appended to the run's cache).
  const client = createModelClient({ model: "bench-model", baseUrl, timeoutMs: 30_000, cacheDir: join(out, "cache") });
  const result = await simulate(loaded, {
    out,
    scenarioIds: [loaded.pack.scenarios[0]?.id ?? ""],
    perScenario: conversations,
    concurrency,
    seed: 1,
    backends: { caller: createOpenAICaller({ client }), agent: createOpenAIAgent({ client, tools: loaded.tools.map((t) => t.openAISchema()) }) },
    flawRate: 0,
    resume: false,
  });
  const usage = result.batch.usage;
  return { conversations: result.batch.total, requests: usage.agent.modelCalls + usage.caller.modelCalls };
}
