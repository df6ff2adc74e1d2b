import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createScriptedAgent, createScriptedCaller } from "../../agents/index.ts";
import { rejudgeRun, runPipeline } from "../../pipeline/index.ts";
import { type LoadedPack, loadPack, Score } from "../../scenarios/index.ts";

const lines = (file: string) =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as unknown);

describe("re-judging a run (voicesim judge)", () => {
  let out: string;
  let loaded: LoadedPack;
  let firstScores: string;
  beforeAll(async () => {
    loaded = await loadPack("scenarios/packs/collections");
    out = join(mkdtempSync(join(tmpdir(), "voicesim-rejudge-")), "run");
    await runPipeline(loaded, { out, seed: 3, scenarios: 8, candidates: 1, forks: 0, rounds: 1, concurrency: 2, flawRate: 0, backends: { caller: createScriptedCaller(), agent: createScriptedAgent() }, resume: false });
    firstScores = readFileSync(join(out, "scores.jsonl"), "utf8");
  }, 60_000);

  it("gives the same scores and dataset when nothing changed", async () => {
    const sft = readFileSync(join(out, "dataset/sft.jsonl"), "utf8");
    const result = await rejudgeRun(out, loaded);
    expect(result.changed).toBe(0);
    expect(readFileSync(join(out, "scores.jsonl"), "utf8")).toBe(firstScores);
    expect(readFileSync(join(out, "dataset/sft.jsonl"), "utf8")).toBe(sft);
  });

  it("applies a pack's changed expectations to the recorded calls and rewrites what depends on them", async () => {
    // Every seed now forbids the agent to say "thank you": every call it judged is rejected.
    const stricter: LoadedPack = {
      ...loaded,
      hash: `${loaded.hash}-stricter`,
      pack: { ...loaded.pack, scenarios: loaded.pack.scenarios.map((s) => ({ ...s, expectations: { ...s.expectations, forbiddenPhrases: [...s.expectations.forbiddenPhrases, "thank"] } })) },
    };
    const result = await rejudgeRun(out, stricter);
    const scores = lines(join(out, "scores.jsonl")).map((s) => Score.parse(s));
    const seeds = new Set(loaded.pack.scenarios.map((s) => s.id));
    const seedScores = scores.filter((s) => seeds.has(s.scenarioId));
    expect(seedScores.length).toBeGreaterThan(0);
    expect(seedScores.every((s) => s.verdict === "reject")).toBe(true);
    expect(result.changed).toBeGreaterThan(0);
    const rejects = lines(join(out, "rejects.jsonl")) as Array<{ id: string; stage: string }>;
    for (const s of seedScores) expect(rejects.some((r) => r.id === s.conversationId && r.stage === "judge")).toBe(true);
    expect(JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")).config.rejudgedAt).toBeTruthy();
  });

  it("says what to do when the directory holds no run", async () => {
    await expect(rejudgeRun(mkdtempSync(join(tmpdir(), "voicesim-empty-")), loaded)).rejects.toThrow(/no recorded calls/);
  });
});
