import { describe, expect, it } from "vitest";
import { describeDroppedSeed, droppedSeeds } from "../../pipeline/gate/dropped-seeds.ts";
import type { ScenarioRecord } from "../../scenarios/index.ts";
import { miniPack } from "../fixtures/mini-pack.ts";

const seed = miniPack.scenarios[0] as ScenarioRecord["scenario"];
const critiqueOk = { ok: true, flags: [], critic: "scripted" };
const record = (id: string, extra: Partial<ScenarioRecord>, seedId?: string): ScenarioRecord => ({
  scenario: { ...seed, id, ...(seedId ? { seedId } : {}) },
  round: 1,
  accepted: false,
  ...extra,
});

describe("dropped seeds", () => {
  const records = [
    record("a", { critique: critiqueOk, gate: { ok: false, reason: "constraints: goal.intent: unknown intent" } }),
    record("a.r1v1", { critique: critiqueOk, gate: { ok: false, reason: "constraints: goal.intent: unknown intent" } }, "a"),
    record("a.r1v2", { critique: { ok: false, flags: [{ kind: "vague", reason: "no goal" }], critic: "scripted" } }, "a"),
    record("a.r1v3", { critique: critiqueOk, gate: { ok: true }, accepted: true }, "a"),
    record("b", { critique: { ok: false, flags: [{ kind: "out_of_domain", reason: "about cars" }], critic: "scripted" } }),
    record("c", { critique: critiqueOk, gate: { ok: false, reason: "quota: round quota reached" } }),
    record("d", { critique: critiqueOk, gate: { ok: true }, accepted: true }),
    record("not-a-seed", { critique: critiqueOk, gate: { ok: false, reason: "duplicate: same test as d" } }),
  ];
  const drops = droppedSeeds(records, new Set(["a", "b", "c", "d"]));

  it("lists each dropped seed with the step that dropped it, its reason and its dropped variants", () => {
    expect(drops).toEqual([
      { seedId: "a", stage: "gate", reason: "constraints: goal.intent: unknown intent", droppedVariants: 2 },
      { seedId: "b", stage: "critique", reason: "out_of_domain: about cars", droppedVariants: 0 },
      { seedId: "c", stage: "quota", reason: "quota: round quota reached", droppedVariants: 0 },
    ]);
  });

  it("says it in one line", () => {
    expect(drops.map(describeDroppedSeed)).toEqual([
      "gate dropped seed a and its 2 variants: constraints: goal.intent: unknown intent",
      "the critic dropped seed b: out_of_domain: about cars",
      "gate dropped seed c: quota: round quota reached",
    ]);
  });
});
