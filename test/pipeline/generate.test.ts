import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createScriptedAgent, createScriptedCaller } from "../../agents/index.ts";
import { createScriptedGenerator, runPipeline, scenarioSignature } from "../../pipeline/index.ts";
import { type LoadedPack, loadPack, Scenario, validateScenarioReferences } from "../../scenarios/index.ts";

let loaded: LoadedPack;
beforeAll(async () => {
  loaded = await loadPack("scenarios/packs/clinic-booking");
});

describe("the scripted generator", () => {
  it("proposes valid variants of the seeds: new callers, complications, faults and days, reproducibly by seed", async () => {
    const generator = createScriptedGenerator();
    const { scenarios } = await generator.generate({ pack: loaded.pack, round: 1, count: 30, seed: 5 });
    expect(scenarios).toHaveLength(30);
    for (const s of scenarios) {
      expect(() => Scenario.parse(s)).not.toThrow();
      expect(validateScenarioReferences(s, loaded.pack, { packToolNames: loaded.tools.map((t) => t.name) })).toEqual([]);
      expect(loaded.pack.scenarios.map((seed) => seed.id)).toContain(s.seedId);
    }
    expect(new Set(scenarios.map(scenarioSignature)).size).toBeGreaterThan(20);
    expect(scenarios.some((s) => s.persona !== loaded.pack.scenarios.find((seed) => seed.id === s.seedId)?.persona)).toBe(true);
    expect(scenarios.some((s) => s.title.includes(" on "))).toBe(true);
    const again = await generator.generate({ pack: loaded.pack, round: 1, count: 30, seed: 5 });
    expect(again.scenarios).toEqual(scenarios);
  });

  it("puts a trap only in the requests its rule names, and corrects whatever the pack calls its day or time slot", async () => {
    const vet = await loadPack("test/fixtures/packs/vet-clinic");
    const scenarios: Scenario[] = [];
    for (const seed of [1, 2, 3, 4, 5]) scenarios.push(...(await createScriptedGenerator().generate({ pack: vet.pack, round: 1, count: 40, seed })).scenarios);
    const withTrap = scenarios.filter((s) => s.complications.some((c) => c.kind === "refusal_trap" && c.trap === "early_controlled_refill"));
    expect(withTrap.length).toBeGreaterThan(0);
    expect(withTrap.every((s) => s.goal.intent === "refill")).toBe(true);
    // The vet pack's day and time slots are new_date/new_time and visit_date…: corrections name them.
    const identity = new Set(vet.pack.agent.verification.slots.map((slot) => slot.name));
    const corrected = scenarios.flatMap((s) => s.complications.flatMap((c) => (c.kind === "correction" && !identity.has(c.slot) ? [[c.slot, s.goal.slots]] as const : [])));
    expect(corrected.length).toBeGreaterThan(0);
    for (const [slot, goal] of corrected) expect(Object.keys(goal)).toContain(slot);
  });

  it("keeps the faults a seed planned, which its expectations were written for, and adds one only to fault-free seeds", async () => {
    const scenarios: Scenario[] = [];
    for (const seed of [1, 2, 3, 4, 5, 6]) scenarios.push(...(await createScriptedGenerator().generate({ pack: loaded.pack, round: 1, count: 40, seed })).scenarios);
    const faulted = scenarios.filter((s) => (loaded.pack.scenarios.find((seed) => seed.id === s.seedId)?.faultPlan.length ?? 0) > 0);
    expect(faulted.length).toBeGreaterThan(0);
    for (const s of faulted) {
      const seed = loaded.pack.scenarios.find((x) => x.id === s.seedId);
      expect(s.faultPlan, s.id).toEqual(seed?.faultPlan);
    }
    expect(scenarios.some((s) => s.faultPlan.length > (loaded.pack.scenarios.find((x) => x.id === s.seedId)?.faultPlan.length ?? 0))).toBe(true);
  });

  it("does not propose again what the critic rejected last round", async () => {
    const generator = createScriptedGenerator();
    const first = await generator.generate({ pack: loaded.pack, round: 2, count: 10, seed: 8 });
    const avoid = first.scenarios.slice(0, 5).map(scenarioSignature);
    const next = await generator.generate({ pack: loaded.pack, round: 2, count: 10, seed: 8, feedback: { summary: "", avoidSignatures: avoid, redundantShare: 0 } });
    for (const s of next.scenarios) expect(avoid).not.toContain(scenarioSignature(s));
  });
});

describe("a target yield", () => {
  it("keeps running rounds until the dataset holds the accepted calls asked for", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "voicesim-yield-")), "run");
    const result = await runPipeline(loaded, {
      out,
      seed: 3,
      scenarios: 6,
      candidates: 1,
      forks: 0,
      rounds: 1,
      accepted: 20,
      concurrency: 2,
      flawRate: 0.3,
      backends: { caller: createScriptedCaller(), agent: createScriptedAgent() },
      resume: false,
    });
    expect(result.acceptedConversations).toBeGreaterThanOrEqual(20);
    const report = readFileSync(join(out, "report.md"), "utf8");
    const rounds = report.split("## Yield per round")[1]?.split("##")[0] ?? "";
    expect(rounds.match(/^\| \d+ \|/gm)?.length ?? 0).toBeGreaterThan(1);
  });

  it("stops at a scenario budget even when the target is not reached", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "voicesim-yield-")), "run");
    const result = await runPipeline(loaded, {
      out,
      seed: 3,
      scenarios: 6,
      candidates: 1,
      forks: 0,
      rounds: 1,
      accepted: 10_000,
      budget: { scenarios: 40 },
      concurrency: 2,
      flawRate: 0,
      backends: { caller: createScriptedCaller(), agent: createScriptedAgent() },
      resume: false,
    });
    expect(result.acceptedConversations).toBeLessThan(10_000);
    const tried = readFileSync(join(out, "scenarios.jsonl"), "utf8").trim().split("\n").length;
    expect(tried).toBeGreaterThanOrEqual(40);
    expect(tried).toBeLessThan(120);
  });
});

describe("a resumed run", () => {
  it("ends with the same dataset as an uninterrupted one", async () => {
    const base = {
      seed: 9,
      scenarios: 8,
      candidates: 1,
      forks: 2,
      rounds: 2,
      concurrency: 2,
      flawRate: 0.3,
      backends: { caller: createScriptedCaller(), agent: createScriptedAgent() },
    };
    const straight = join(mkdtempSync(join(tmpdir(), "voicesim-resume-")), "run");
    await runPipeline(loaded, { ...base, out: straight, resume: false });
    const broken = join(mkdtempSync(join(tmpdir(), "voicesim-resume-")), "run");
    const controller = new AbortController();
    const first = await runPipeline(loaded, {
      ...base,
      out: broken,
      resume: false,
      signal: controller.signal,
      onStage: (event) => {
        if (event.type === "progress" && event.stage.startsWith("simulate r2") && event.done >= 3) controller.abort();
      },
    });
    expect(first.aborted).toBe(true);
    const second = await runPipeline(loaded, { ...base, out: broken, resume: true });
    expect(second.aborted).toBe(false);
    for (const file of ["dataset/sft.jsonl", "dataset/dpo.jsonl", "conversations.jsonl"]) {
      expect(readFileSync(join(broken, file), "utf8"), file).toBe(readFileSync(join(straight, file), "utf8"));
    }
  });
});

describe("seeds the gate drops", () => {
  it("are each named with the reason and the count of their dropped variants, in a warning and in rejects.jsonl", async () => {
    // No share for hard scenarios: every hard seed fails the difficulty mix.
    const noHard = { ...loaded, pack: { ...loaded.pack, generation: { ...loaded.pack.generation, difficultyShares: { easy: 0.5, medium: 0.5, hard: 0 } } } };
    const hardSeeds = loaded.pack.scenarios.filter((s) => s.difficulty === "hard").map((s) => s.id);
    expect(hardSeeds.length).toBeGreaterThan(0);
    const out = join(mkdtempSync(join(tmpdir(), "voicesim-gate-")), "run");
    const warnings: string[] = [];
    await runPipeline(noHard, {
      out,
      seed: 4,
      scenarios: 12,
      candidates: 1,
      forks: 0,
      rounds: 1,
      concurrency: 2,
      flawRate: 0,
      backends: { caller: createScriptedCaller(), agent: createScriptedAgent() },
      resume: false,
      onStage: (event) => {
        if (event.type === "done" && event.stage === "warning") warnings.push(event.summary);
      },
    });
    const rejects = readFileSync(join(out, "rejects.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line) as { id: string; stage: string; reason: string });
    for (const id of hardSeeds) {
      const line = warnings.find((w) => w.startsWith(`gate dropped seed ${id}:`) || w.startsWith(`gate dropped seed ${id} and its `));
      expect(line, id).toMatch(/difficulty_mix: hard already has its share/);
      expect(rejects.find((r) => r.id === id)).toMatchObject({ stage: "gate", reason: expect.stringContaining("difficulty_mix") });
    }
    // Seeds the gate kept are not named.
    const kept = loaded.pack.scenarios.filter((s) => s.difficulty !== "hard").map((s) => s.id);
    for (const id of kept) expect(warnings.some((w) => w.includes(`seed ${id} `) || w.includes(`seed ${id}:`))).toBe(false);
  });
});
