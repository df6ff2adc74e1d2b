import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createScriptedAgent, createScriptedCaller } from "../../agents/index.ts";
import { type RunPipelineOptions, runPipeline, type StageEvent } from "../../pipeline/index.ts";
import { type LoadedPack, loadPack } from "../../scenarios/index.ts";
import { installKillSwitch, Killed, runFiles } from "./run-dir-crash.ts";

const runDir = () => join(mkdtempSync(join(tmpdir(), "voicesim-rundir-")), "run");

// Small enough to run several times in seconds; --accepted 6 takes four rounds, with forks and every export.
function options(out: string, extra: Partial<RunPipelineOptions> = {}): RunPipelineOptions {
  return {
    out,
    seed: 3,
    scenarios: 2,
    candidates: 1,
    forks: 2,
    rounds: 1,
    accepted: 6,
    concurrency: 2,
    flawRate: 0.25,
    backends: { caller: createScriptedCaller(), agent: createScriptedAgent() },
    resume: false,
    ...extra,
  };
}

// Where each process dies: at the nth write after a stage begins (a write is a JSONL line or a whole-file rewrite).
const KILLS = [
  { stage: "simulate r1", nth: 2 },
  { stage: "judge r2", nth: 1 },
  { stage: "simulate r3", nth: 1 },
  { stage: "filter", nth: 4 },
] as const;

describe("an --accepted run killed at four stages and resumed each time", () => {
  const killSwitch = installKillSwitch();
  let loaded: LoadedPack;
  let reference: { out: string; files: Record<string, string>; result: Awaited<ReturnType<typeof runPipeline>>; stages: string[] };
  let resumed: { out: string; files: Record<string, string>; result: Awaited<ReturnType<typeof runPipeline>>; killedAt: string[]; warnings: string[] };

  beforeAll(async () => {
    loaded = await loadPack("scenarios/packs/clinic-booking");
    const out = runDir();
    const stages: string[] = [];
    const result = await runPipeline(loaded, { ...options(out), onStage: (e) => e.type === "start" && stages.push(e.stage) });
    reference = { out, files: runFiles(out), result, stages };

    const chain = runDir();
    const killedAt: string[] = [];
    const warnings: string[] = [];
    for (const [i, kill] of KILLS.entries()) {
      const controller = new AbortController();
      const onStage = (event: StageEvent) => {
        if (event.stage === "warning" && event.type === "done") warnings.push(event.summary);
        if (event.stage === kill.stage && event.type === "start") {
          killSwitch.killAt(kill.nth, () => {
            killedAt.push(kill.stage);
            controller.abort(); // the calls still in flight of a dead process write nothing
          });
        }
      };
      await expect(runPipeline(loaded, { ...options(chain, { resume: i > 0 }), signal: controller.signal, onStage })).rejects.toThrow(Killed);
      // kill -9 leaves the lock behind; in process the store released it, so put back a dead owner's.
      writeFileSync(join(chain, ".lock"), JSON.stringify({ pid: 999_999_999, machine: hostname(), startedAt: "2026-01-01T00:00:00.000Z" }));
    }
    const result2 = await runPipeline(loaded, { ...options(chain, { resume: true }), onStage: (e) => e.stage === "warning" && e.type === "done" && warnings.push(e.summary) });
    resumed = { out: chain, files: runFiles(chain), result: result2, killedAt, warnings };
  });

  it("ends with every file byte-identical to the uninterrupted run's (clocks aside)", () => {
    // The kills cut where intended: four rounds, each process dying at its stage.
    expect(reference.stages.filter((s) => s.startsWith("simulate r")).length).toBe(4);
    expect(resumed.killedAt).toEqual(KILLS.map((k) => k.stage));
    expect(Object.keys(resumed.files)).toEqual(Object.keys(reference.files));
    for (const [file, text] of Object.entries(reference.files)) expect(resumed.files[file], file).toBe(text);
  });

  it("loses and duplicates nothing: the same calls, scores and accepted count, each once", () => {
    const ids = (dir: string, file: string, key: string) =>
      readFileSync(join(dir, file), "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => (JSON.parse(line) as Record<string, string>)[key]);
    for (const [file, key] of [["conversations.jsonl", "id"], ["scores.jsonl", "conversationId"]] as const) {
      const got = ids(resumed.out, file, key);
      expect(new Set(got).size, file).toBe(got.length);
      expect([...got].sort(), file).toEqual([...ids(reference.out, file, key)].sort());
    }
    expect(resumed.result.acceptedConversations).toBe(reference.result.acceptedConversations);
    expect(resumed.result.manifest.tokens).toEqual(reference.result.manifest.tokens);
    expect(resumed.result.manifest.finished).toBe(true);
  });

  it("takes over the lock a dead process left, says so, and leaves no lock or temporary file", () => {
    expect(resumed.warnings.filter((w) => /took over the lock .* from process 999999999/.test(w))).toHaveLength(KILLS.length);
    expect(existsSync(join(resumed.out, ".lock"))).toBe(false);
    const leftovers = [...readdirSync(resumed.out), ...readdirSync(join(resumed.out, "dataset"))].filter((f) => f.includes(".tmp-"));
    expect(leftovers).toEqual([]);
  });
});
