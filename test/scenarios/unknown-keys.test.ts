import { describe, expect, it } from "vitest";
import { z } from "zod";
import { closestName } from "../../scenarios/did-you-mean.ts";
import { ScenarioPack } from "../../scenarios/index.ts";
import { findUnknownKeys } from "../../scenarios/unknown-keys.ts";
import { miniPackInput } from "../fixtures/mini-pack.ts";

describe("a near miss", () => {
  it("is found by case, then by a few letters, and not beyond", () => {
    expect(closestName("faultplan", ["faultPlan", "clock"])).toBe("faultPlan");
    expect(closestName("expectation", ["expectations", "complications"])).toBe("expectations");
    expect(closestName("persna", ["persona", "personas"])).toBe("persona");
    expect(closestName("colour", ["id", "name"])).toBeUndefined();
    // Short keys allow one letter.
    expect(closestName("ix", ["id"])).toBe("id");
    expect(closestName("xy", ["id"])).toBeUndefined();
  });
});

describe("unknown keys", () => {
  const scenario = miniPackInput.scenarios[0] as Record<string, unknown>;

  it("are found in a scenario of a pack, with the path of the object that holds them and a did-you-mean", () => {
    const input = { ...miniPackInput, scenarios: [{ ...scenario, faultplan: [], expectation: {} }] };
    expect(findUnknownKeys(ScenarioPack, input).map((u) => ({ path: u.path, message: u.message }))).toEqual([
      { path: ["scenarios", 0], message: 'unknown key "faultplan" — did you mean "faultPlan"?' },
      { path: ["scenarios", 0], message: 'unknown key "expectation" — did you mean "expectations"?' },
    ]);
  });

  it("are found inside union members by their discriminator, records, defaults and YAML tool specs", () => {
    const input = {
      ...miniPackInput,
      scenarios: [{ ...scenario, complications: [{ kind: "silence", atTurn: 1, second: 4 }] }],
      judge: { weights: { helpfulness: 1 }, acceptscore: 3 },
      tools: [{ name: "t", description: "d", args: { order: { type: "string", requird: false } }, behaviour: { kind: "lookup", collection: "orders", match: {} } }],
    };
    const found = findUnknownKeys(ScenarioPack, input).map((u) => `${u.path.join(".")}: ${u.key} -> ${u.suggestion ?? "-"}`);
    expect(found.sort()).toEqual(["judge: acceptscore -> acceptScore", "scenarios.0.complications.0: second -> seconds", "tools.0.args.order: requird -> required"]);
  });

  it("are allowed where the schema takes any key: records of a pack's own collection", () => {
    const input = { ...miniPackInput, fixtures: { ...miniPackInput.fixtures, orders: [{ id: "ORD-1", anything: 1, nested: { free: true } }] } };
    expect(findUnknownKeys(ScenarioPack, input)).toEqual([]);
  });

  it("name the keys there are when nothing is close, and spot text cut at a comma in a flow mapping", () => {
    const [far] = findUnknownKeys(z.object({ id: z.string(), tool: z.string() }), { id: "x", colour: 1 });
    expect(far?.message).toBe('unknown key "colour"; the keys here are id, tool');
    const [cut] = findUnknownKeys(z.object({ description: z.string() }), { description: "Search", "book or cancel": null });
    expect(cut?.message).toMatch(/with no value — a comma inside \{ \} may have cut the text before it; put that text in quotes/);
  });

  it("are none in the mini test pack", () => {
    expect(findUnknownKeys(ScenarioPack, miniPackInput)).toEqual([]);
  });
});
