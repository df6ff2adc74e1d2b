import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Conversation, Manifest, OpenAIPreferenceRow, OpenAISftRow, Reject, Score, ScenarioRecord, TrlPreferenceRow, TrlSftRow } from "../../scenarios/index.ts";
import { runCli } from "../helpers/run-cli.ts";

const lines = <T>(file: string, parse: (v: unknown) => T): T[] =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => parse(JSON.parse(l)));

describe.each(["clinic-booking", "collections"])("voicesim run on %s, offline", (pack) => {
  const out = join(mkdtempSync(join(tmpdir(), "voicesim-e2e-")), "run");
  const result = runCli(["run", `scenarios/packs/${pack}`, "--out", out, "--scenarios", "12", "--candidates", "2", "--forks", "2", "--rounds", "2", "--seed", "4"]);

  it("exits 0 and writes every file of a run directory", () => {
    expect(result.code, result.stderr).toBe(0);
    for (const file of ["manifest.json", "scenarios.jsonl", "conversations.jsonl", "scores.jsonl", "forks.jsonl", "rejects.jsonl", "report.html", "report.md", "dataset/sft.jsonl", "dataset/dpo.jsonl", "dataset/trl/sft.jsonl", "dataset/trl/preference.jsonl", "dataset/rewrites.jsonl", "dataset/pairs.jsonl"]) {
      expect(() => readFileSync(join(out, file)), file).not.toThrow();
    }
    expect(Manifest.parse(JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"))).finished).toBe(true);
  });

  it("accounts for every scenario and conversation: each one is either kept or in the reject pile", () => {
    const records = lines(join(out, "scenarios.jsonl"), (v) => ScenarioRecord.parse(v));
    const conversations = lines(join(out, "conversations.jsonl"), (v) => Conversation.parse(v));
    const scores = lines(join(out, "scores.jsonl"), (v) => Score.parse(v));
    const rejects = lines(join(out, "rejects.jsonl"), (v) => Reject.parse(v));
    const sft = lines(join(out, "dataset/sft.jsonl"), (v) => OpenAISftRow.parse(v));
    const scenarioRejects = rejects.filter((r) => r.kind === "scenario");
    // The pack's own seeds are valid; a gate that calls them broken is the bug (as it once was for TS tools).
    expect(scenarioRejects.filter((r) => r.stage === "gate" && /constraints/.test(r.reason))).toEqual([]);
    expect(records.filter((r) => r.accepted).length + scenarioRejects.length).toBe(records.length);
    expect(new Set(scores.map((s) => s.conversationId))).toEqual(new Set(conversations.map((c) => c.id)));
    const conversationRejects = rejects.filter((r) => r.kind === "conversation");
    expect(sft.length + conversationRejects.length).toBe(conversations.length);
    expect(new Set(conversationRejects.map((r) => r.id)).size).toBe(conversationRejects.length);
    expect(sft.length).toBeGreaterThan(conversations.length / 3);
    const acceptedScenarios = records.filter((r) => r.accepted).length;
    expect(conversations.length).toBe(acceptedScenarios * 2);
  });

  it("writes preference pairs and TRL rows that parse, and the dataset holds correct refusals", () => {
    const dpo = lines(join(out, "dataset/dpo.jsonl"), (v) => OpenAIPreferenceRow.parse(v));
    lines(join(out, "dataset/trl/preference.jsonl"), (v) => TrlPreferenceRow.parse(v));
    lines(join(out, "dataset/trl/sft.jsonl"), (v) => TrlSftRow.parse(v));
    expect(dpo.length).toBeGreaterThan(0);
    for (const row of dpo) expect(JSON.stringify(row.preferred_output)).not.toBe(JSON.stringify(row.non_preferred_output));
    // Every pair from a fork names the fork and which reply won, for reviewers.
    const forkIds = new Set(lines(join(out, "forks.jsonl"), (v) => (v as { id: string }).id));
    const pairs = lines(join(out, "dataset/pairs.jsonl"), (v) => v as { forkId: string; preferred: number; rejected: number });
    expect(pairs.length).toBeGreaterThan(0);
    for (const pair of pairs) {
      expect(forkIds.has(pair.forkId)).toBe(true);
      expect(pair.preferred).not.toBe(pair.rejected);
    }
    const report = readFileSync(join(out, "report.md"), "utf8");
    const refusals = Number(/\*\*(\d+)\*\* kept calls with a correct refusal/.exec(report)?.[1] ?? "0");
    expect(refusals).toBeGreaterThan(0);
  });

  it("leaves no fixture name, phone or date of birth in the dataset", () => {
    const text = readFileSync(join(out, "dataset/sft.jsonl"), "utf8");
    for (const real of pack === "clinic-booking" ? ["Maria Lopez", "555-0147", "March third, nineteen eighty-two", "1982-03-03", "three one two, five five five, oh one four seven"] : ["Denise Carter", "555-0131", "1979-05-14", "CUS-2001"]) {
      expect(text).not.toContain(real);
    }
  });

  it("renders a self-contained report with charts and every section", () => {
    const html = readFileSync(join(out, "report.html"), "utf8");
    for (const section of ["Funnel", "Yield per round", "Rubric scores", "pass^k", "Coverage", "Tool faults", "Refusals and caller fidelity", "Tokens and cost", "Reject pile"]) expect(html).toContain(section);
    expect(html).toContain("<svg");
    expect(html).not.toMatch(/(src|href)="https?:/);
  });
});
