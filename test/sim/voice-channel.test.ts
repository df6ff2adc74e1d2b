import { describe, expect, it } from "vitest";
import { addDisfluencies, bargeIn, dtmf, recognise, speechDurationMs } from "../../sim/index.ts";
import { Rng } from "../../tools/index.ts";

const sentence = "I would like to book a cleaning for fifteen minutes past two on Thursday with Maria Lopez";

describe("the voice channel", () => {
  it("leaves speech untouched at a word error rate of zero", () => {
    expect(recognise(sentence, { wer: 0, names: [], rng: Rng.derive(1) })).toEqual({ heard: sentence, edits: [] });
  });

  it("mishears words at about the configured rate", () => {
    let words = 0;
    let edits = 0;
    for (let i = 0; i < 800; i++) {
      words += sentence.split(" ").length;
      edits += recognise(sentence, { wer: 0.1, names: ["Maria Lopez"], rng: Rng.derive(2, i) }).edits.length;
    }
    expect(edits / words).toBeGreaterThan(0.07);
    expect(edits / words).toBeLessThan(0.12);
  });

  it("makes the errors real recognisers make: teen/ty numbers, homophones, names, drops and insertions", () => {
    const kinds = new Set<string>();
    for (let i = 0; i < 400; i++) for (const edit of recognise(sentence, { wer: 0.3, names: ["Maria Lopez"], rng: Rng.derive(3, i) }).edits) kinds.add(edit.kind);
    expect([...kinds]).toEqual(expect.arrayContaining(["number_confusion", "homophone", "name", "deletion", "insertion"]));
    const fifteen = recognise("fifteen", { wer: 1, names: [], rng: Rng.derive(4) });
    expect(fifteen.heard).toBe("fifty");
  });

  it("is deterministic by seed", () => {
    const a = recognise(sentence, { wer: 0.2, names: [], rng: Rng.derive(9, "x") });
    const b = recognise(sentence, { wer: 0.2, names: [], rng: Rng.derive(9, "x") });
    expect(a).toEqual(b);
    expect(addDisfluencies(sentence, 0.5, Rng.derive(9))).toBe(addDisfluencies(sentence, 0.5, Rng.derive(9)));
  });

  it("cuts the agent off mid-sentence on a barge-in, never in the first words", () => {
    const said = "On Thursday, March twelfth, I have nine a m or two p m with Dr. Chen. Which works best?";
    let interrupted = 0;
    for (let i = 0; i < 300; i++) {
      const cut = bargeIn(said, { rate: 0.3, rng: Rng.derive(5, i) });
      if (!cut.interrupted) {
        expect(cut.callerHeard).toBe(said);
        continue;
      }
      interrupted++;
      expect(said.startsWith(cut.callerHeard)).toBe(true);
      expect(cut.callerHeard.split(" ").length).toBeGreaterThanOrEqual(3);
      expect(cut.callerHeard.length).toBeLessThan(said.length);
    }
    expect(interrupted / 300).toBeGreaterThan(0.2);
    expect(interrupted / 300).toBeLessThan(0.4);
  });

  it("times speech by words and speaking rate, and passes keypad digits exactly", () => {
    expect(speechDurationMs("one two three four five six seven eight nine ten", 150)).toBe(4000 + 250);
    expect(speechDurationMs("", 150)).toBe(0);
    expect(dtmf("312-555 0147")).toEqual({ heard: "3125550147", said: "[keypad 3 1 2 5 5 5 0 1 4 7]" });
    expect(addDisfluencies(sentence, 0, Rng.derive(1))).toBe(sentence);
  });
});
