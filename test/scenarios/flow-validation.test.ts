import { describe, expect, it } from "vitest";
import { loadPack, validatePackReferences } from "../../scenarios/index.ts";

describe("pack flows are cross-checked", () => {
  it("names steps that call tools the agent lacks, collect undeclared slots, refuse with unknown rules, or do two things", async () => {
    const loaded = await loadPack("test/fixtures/packs/pharmacy-refill");
    const pack = structuredClone(loaded.pack);
    const refill = pack.agent.intents.find((i) => i.id === "refill");
    if (!refill?.steps) throw new Error("the refill intent has steps");
    refill.steps.push({ call: "reqest_refill", args: {}, onError: {}, then: "continue" });
    refill.steps.push({ collect: ["colour"], args: {}, onError: {}, then: "continue" });
    refill.steps.push({ refuse: "free_pills", args: {}, onError: {}, then: "continue" });
    refill.steps.push({ confirm: "Sure?", call: "request_refill", args: {}, onError: {}, then: "continue" });
    const messages = validatePackReferences(pack, loaded.tools.map((t) => t.name)).map((i) => `${i.path}: ${i.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/steps\[3\]\.call: reqest_refill is not in agent.tools \(did you mean request_refill\?\)/),
        expect.stringMatching(/steps\[4\]\.collect: no slot colour/),
        expect.stringMatching(/steps\[5\]\.refuse: no refusal rule for trap free_pills/),
        expect.stringMatching(/steps\[6\]: a step does one thing; this one has confirm and call/),
      ]),
    );
  });

  it("rejects a scenario trap the pack declares no refusal rule for, and an intent with neither steps nor a built-in flow", async () => {
    const loaded = await loadPack("test/fixtures/packs/pharmacy-refill");
    const pack = structuredClone(loaded.pack);
    pack.scenarios[0]?.complications.push({ kind: "refusal_trap", trap: "dosing_advise" });
    const hours = pack.agent.intents.find((i) => i.id === "hours");
    if (hours) delete hours.steps;
    const messages = validatePackReferences(pack, loaded.tools.map((t) => t.name)).map((i) => `${i.path}: ${i.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/scenarios\[0\]\.complications\[0\]\.trap: no refusal rule for trap dosing_advise in agent.refusals \(did you mean dosing_advice\?\)/),
        expect.stringMatching(/agent.intents\[2\]\.steps: the intent has no steps/),
      ]),
    );
  });

  it("accepts the shipped and test packs as they are", async () => {
    for (const dir of ["test/fixtures/packs/pharmacy-refill", "scenarios/packs/internet-support", "scenarios/packs/restaurant-reservations"]) {
      const loaded = await loadPack(dir);
      expect(validatePackReferences(loaded.pack, loaded.tools.map((t) => t.name)), dir).toEqual([]);
    }
  });
});
