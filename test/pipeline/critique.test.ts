import { describe, expect, it } from "vitest";
import { critiqueFeedback, critiqueScenario } from "../../pipeline/index.ts";
import type { Scenario } from "../../scenarios/index.ts";
import { scenario } from "../fixtures/judge-fixtures.ts";
import { miniPack } from "../fixtures/mini-pack.ts";

const variant = (id: string, overrides: Partial<Scenario>): Scenario => ({ ...scenario, id, ...overrides });
const kinds = (s: Scenario, existing: Scenario[] = [scenario]) => critiqueScenario(s, { pack: miniPack, existing }).flags.map((f) => f.kind);

describe("critiqueScenario", () => {
  it("passes the seed scenario against no existing ones", () => {
    expect(critiqueScenario(scenario, { pack: miniPack, existing: [] })).toMatchObject({ ok: true, flags: [] });
  });

  it("flags a duplicate of an existing scenario as redundant, naming the twin", () => {
    const verdict = critiqueScenario(variant("v-twin", {}), { pack: miniPack, existing: [scenario] });
    expect(verdict.ok).toBe(false);
    expect(verdict.flags.find((f) => f.kind === "redundant")?.reason).toContain(scenario.id);
  });

  it("flags an intent the pack does not handle as out of domain", () => {
    expect(kinds(variant("v-pizza", { goal: { intent: "order_pizza", slots: { size: "large" }, description: "Order a large pizza" } }))).toContain("out_of_domain");
  });

  it("flags a caller born after the call as unrealistic", () => {
    expect(kinds(variant("v-born", { hiddenFacts: { ...scenario.hiddenFacts, dob: "2999-01-01" } }), [])).toEqual(["unrealistic"]);
  });
});

describe("critiqueFeedback", () => {
  it("counts flags by kind with an example reason, most frequent first", () => {
    const text = critiqueFeedback([
      { ok: false, flags: [{ kind: "redundant", reason: "same as S1" }], critic: "scripted" },
      { ok: false, flags: [{ kind: "redundant", reason: "same as S2" }, { kind: "vague", reason: "no slots" }], critic: "scripted" },
      { ok: true, flags: [], critic: "scripted" },
    ]);
    expect(text).toBe("2 of 3 proposals flagged: 2 redundant (e.g. same as S1); 1 vague (e.g. no slots)");
  });

  it("says so when nothing was flagged", () => {
    expect(critiqueFeedback([{ ok: true, flags: [], critic: "scripted" }])).toBe("all 1 proposals passed the critic");
  });
});
