import { describe, expect, it } from "vitest";
import { type ReportData, renderReport } from "../../pipeline/index.ts";

const sample: ReportData = {
  title: "voicesim run <demo>",
  packId: "clinic-booking",
  seed: 7,
  createdAt: "2026-11-24T05:00:00.000Z",
  backends: { agent: "scripted", caller: "scripted", judge: "scripted", critic: "scripted" },
  funnel: [
    { stage: "proposed", count: 40 },
    { stage: "conversations", count: 30 },
    { stage: "sft rows", count: 18 },
  ],
  rounds: [
    { round: 1, proposed: 20, accepted: 12, conversations: 24, acceptedConversations: 10, feedback: "" },
    { round: 2, proposed: 20, accepted: 3, conversations: 6, acceptedConversations: 18, feedback: "too many easy booking variants" },
  ],
  rubric: [
    { dimension: "helpfulness", score: 5 },
    { dimension: "helpfulness", score: 2 },
    { dimension: "correctness", score: 4 },
  ],
  passHatK: [{ k: 1, value: 0.8, low: 0.7, high: 0.9, scenarios: 15 }],
  coverage: [
    { intent: "book", difficulty: "easy", faults: ["timeout"] },
    { intent: "cancel", difficulty: "hard", faults: [] },
  ],
  complications: [
    { label: "silence", planned: 4, happened: 4, inDataset: 3 },
    { label: "correction", planned: 5, happened: 2, inDataset: 1 },
  ],
  refusals: { expected: 4, correct: 2, accepted: 18 },
  fidelityFailures: [{ id: "call-9", issues: ["caller invented a date of birth"] }],
  tokens: { prompt: 1200, completion: 340, modelCalls: 12, cachedCalls: 3 },
  estimatedCostUsd: 0.0123,
  dataset: { sft: 18, preference: 5, piiReplacements: 44, rewrites: 2 },
  rejects: [{ kind: "conversation", id: "call-3", stage: "toxicity", reason: "agent turn 2: <script>alert(1)</script>" }],
  checkFailures: { verify_before_disclose: 3 },
};

describe("the run report", () => {
  const { html, markdown } = renderReport(sample);

  it("has every section in HTML and Markdown", () => {
    for (const heading of ["Funnel", "Yield per round", "Rubric", "pass^k", "Coverage", "Refusals and caller fidelity", "Tokens and cost", "Reject pile"]) {
      expect(html).toContain(heading);
    }
    for (const heading of ["## Funnel", "## Yield per round", "## Rubric", "## pass^k", "## Coverage", "## Tokens and cost", "## Reject pile"]) {
      expect(markdown).toContain(heading);
    }
    expect(html).toContain("0.700 – 0.900");
    expect(html).toContain("too many easy booking variants");
    expect(html).toContain("caller invented a date of birth");
    expect(html).toContain("$0.0123");
  });

  it("counts complications by the calls where they happened, and names those planned but not played", () => {
    expect(markdown).toContain("silence 4/4/3, correction 2/5/1");
    expect(html).toContain("of 5 planned · 1 in dataset");
    expect(html).toMatch(/Planned but not played in every call: <code>correction<\/code> 3 of 5\./);
    expect(html).not.toMatch(/<code>silence<\/code> \d+ of 4/);
  });

  it("is self-contained: charts inline, nothing fetched, reject text escaped", () => {
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).toContain("</html>");
    expect(html).toContain("<svg");
    expect(html).toContain("<style>");
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<(script|link|img|iframe)\b/i);
    expect(html).toContain("&lt;script&gt;");
    expect(html).toContain("voicesim run &lt;demo&gt;");
  });
});
