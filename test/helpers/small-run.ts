import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createScriptedAgent, createScriptedCaller } from "../../agents/index.ts";
import { type RunPipelineOptions, runPipeline } from "../../pipeline/index.ts";
import { loadPack } from "../../scenarios/index.ts";

/** A small real run of the clinic pack (offline, a couple of seconds) for viewer and export tests; `overrides` change its options. */
export async function makeSmallRun(overrides: Partial<RunPipelineOptions> = {}): Promise<string> {
  const out = join(mkdtempSync(join(tmpdir(), "voicesim-viewer-")), "run");
  const loaded = await loadPack("scenarios/packs/clinic-booking");
  await runPipeline(loaded, {
    out,
    seed: 2,
    scenarios: 10,
    candidates: 1,
    forks: 2,
    rounds: 1,
    concurrency: 2,
    flawRate: 0.3,
    backends: { caller: createScriptedCaller(), agent: createScriptedAgent() },
    resume: false,
    ...overrides,
  });
  return out;
}
