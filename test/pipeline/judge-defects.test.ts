import { beforeAll, describe, expect, it } from "vitest";
import { DEFECT_CLASSES, type LabelledCall, scoreSuite, type SuiteResult } from "../../bench/judge-defects.ts";
import { labelledSuite } from "../../bench/judge.ts";

// The labelled defect suite on a small offline run of two packs written differently (a shipped
// one with built-in tools, a test pack of pack files only). `npm run bench:judge` runs it on every
// pack at full size; these are floors, so a check that stops catching its class fails here.
describe("the judge on labelled defects", () => {
  let result: SuiteResult;
  let copies: LabelledCall[];
  beforeAll(async () => {
    const small = { scenarios: 10, rounds: 1, candidates: 1 };
    const items = [...(await labelledSuite("scenarios/packs/collections", small)), ...(await labelledSuite("test/fixtures/packs/pharmacy-refill", small))];
    copies = items.map((i) => i.call);
    result = scoreSuite(items);
  }, 120_000);

  it("has copies of most defect classes and of clean calls and paraphrases", () => {
    expect(Object.keys(result.perClass).length).toBeGreaterThanOrEqual(12);
    expect(result.clean.total).toBeGreaterThan(10);
    expect(result.paraphrase.total).toBeGreaterThan(10);
    expect(copies.every((c) => c.label === "clean" || c.label === "paraphrase" || DEFECT_CLASSES.includes(c.label))).toBe(true);
  });

  it("rejects at least 95 % of every defect class", () => {
    for (const [name, entry] of Object.entries(result.perClass)) expect(entry.recall, `${name}: missed ${entry.misses.join(", ")}`).toBeGreaterThanOrEqual(0.95);
  });

  it("keeps precision at 95 % and false rejects at 2 % or less on clean calls and paraphrases", () => {
    expect(result.precision).toBeGreaterThanOrEqual(0.95);
    expect(result.clean.rate, result.clean.examples.join("\n")).toBeLessThanOrEqual(0.02);
    expect(result.paraphrase.rate, result.paraphrase.examples.join("\n")).toBeLessThanOrEqual(0.02);
  });
});
