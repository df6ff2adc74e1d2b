import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type AgentBackend, createScriptedAgent, createScriptedCaller } from "../../agents/index.ts";
import { type RunPipelineOptions, type RunPipelineResult, runPipeline } from "../../pipeline/index.ts";
import { loadPack } from "../../scenarios/index.ts";
import { runFiles } from "./run-dir-crash.ts";

const runDir = () => join(mkdtempSync(join(tmpdir(), "voicesim-retry-")), "run");

/** The scripted agent behind a switch: while `down`, every request fails as a dead model server's would. */
function outageAgent(): { agent: AgentBackend; state: { down: boolean } } {
  const scripted = createScriptedAgent();
  const state = { down: true };
  return {
    state,
    agent: {
      id: scripted.id,
      async nextStep(view, rng) {
        if (state.down) {
          const error = new Error("connection refused (gave up after 3 attempts)");
          error.name = "ModelCallError";
          throw error;
        }
        return scripted.nextStep(view, rng);
      },
    },
  };
}

function options(out: string, agent: AgentBackend, extra: Partial<RunPipelineOptions> = {}): RunPipelineOptions {
  return { out, seed: 5, scenarios: 2, candidates: 1, forks: 2, rounds: 2, concurrency: 2, flawRate: 0.25, backends: { caller: createScriptedCaller(), agent }, resume: false, ...extra };
}

describe("a pipeline run through a model outage, resumed once the model is back", () => {
  let reference: Record<string, string>;
  let outage: RunPipelineResult;
  let resumed: RunPipelineResult;
  let files: Record<string, string>;

  beforeAll(async () => {
    const loaded = await loadPack("scenarios/packs/clinic-booking");
    const referenceOut = runDir();
    await runPipeline(loaded, options(referenceOut, createScriptedAgent()));
    reference = runFiles(referenceOut);
    const out = runDir();
    const { agent, state } = outageAgent();
    outage = await runPipeline(loaded, options(out, agent));
    state.down = false;
    resumed = await runPipeline(loaded, options(out, agent, { resume: true }));
    files = runFiles(out);
  });

  it("finishes the outage run with every call failed, and says so in its result", () => {
    expect(outage.calls.total).toBeGreaterThan(0);
    expect(outage.calls.failed).toBe(outage.calls.total);
    expect(outage.calls.firstFailure).toMatch(/connection refused/);
    expect(outage.sftRows).toBe(0);
  });

  it("retries every failed call on resume and ends byte-identical to a run that never saw the outage", () => {
    expect(resumed.calls).toEqual({ total: outage.calls.total, failed: 0 });
    expect(resumed.sftRows).toBeGreaterThan(0);
    expect(Object.keys(files)).toEqual(Object.keys(reference));
    for (const [file, text] of Object.entries(reference)) expect(files[file], file).toBe(text);
  });
});
