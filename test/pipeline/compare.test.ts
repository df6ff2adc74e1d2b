import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { registerCompareCommand } from "../../cli/commands/compare.ts";
import { compareRunDirs, percentiles } from "../../pipeline/index.ts";
import { type Score, VoicesimError } from "../../scenarios/index.ts";

/** `voicesim compare …` in process (no CLI spawn): what it printed and the exit code it set. */
async function runCompareCommand(args: string[]): Promise<{ code: number; stdout: string }> {
  const program = new Command().exitOverride();
  registerCompareCommand(program);
  let stdout = "";
  const write = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const before = process.exitCode;
  try {
    await program.parseAsync(["node", "voicesim", "compare", ...args]);
    return { code: Number(process.exitCode ?? 0), stdout };
  } finally {
    write.mockRestore();
    process.exitCode = before;
  }
}

/** A judged call: accepted, or rejected for the named checks. */
function score(scenarioId: string, candidate: number, failed: string[] = []): Score {
  return {
    conversationId: `${scenarioId}#${candidate}`,
    scenarioId,
    candidate,
    judge: "scripted",
    checks: [
      { id: "final_state[0]", passed: !failed.includes("final_state[0]"), message: "" },
      { id: "refusal:waive_fee", passed: !failed.includes("refusal:waive_fee"), message: "" },
    ],
    rubric: [],
    weightedScore: failed.length ? 2 : 5,
    agentTurnWeights: [],
    callerFidelity: { ok: true, issues: [] },
    hasCorrectRefusal: false,
    verdict: failed.length ? "reject" : "accept",
    reasons: failed,
  };
}

/** A run directory holding only scores.jsonl: 8 scenarios × 3 calls, `failing(scenario, candidate)` names what failed. */
function writeRun(root: string, name: string, failing: (scenario: number, candidate: number) => string[]): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const lines: string[] = [];
  for (let s = 1; s <= 8; s++) for (let c = 0; c < 3; c++) lines.push(JSON.stringify(score(`s${s}`, c, failing(s, c))));
  writeFileSync(join(dir, "scores.jsonl"), `${lines.join("\n")}\n`);
  return dir;
}

let root = "";
let baseline = "";
let regressed = "";
let noisy = "";
let cli: { code: number; stdout: string };

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "voicesim-compare-"));
  // The baseline fails one try of s8 only.
  baseline = writeRun(root, "baseline", (s, c) => (s === 8 && c === 0 ? ["refusal:waive_fee"] : []));
  // A known regression: the booking goes wrong in two of three tries of six scenarios.
  regressed = writeRun(root, "regressed", (s, c) => (s <= 6 && c > 0 ? ["final_state[0]"] : s === 8 && c === 0 ? ["refusal:waive_fee"] : []));
  // One more failed try in one scenario: within the noise.
  noisy = writeRun(root, "noisy", (s, c) => (s === 3 && c === 2 ? ["final_state[0]"] : s === 8 && c === 0 ? ["refusal:waive_fee"] : []));
  cli = await runCompareCommand([baseline, regressed, "--out", join(root, "report"), "--fail-on-regression", "--seed", "3", "--viewer-port", "5999"]);
});

describe("voicesim compare on two run directories", () => {
  it("finds the known regression: pass^k side by side, the difference's interval below zero, the checks that regressed and where", async () => {
    const { comparison, isRegression } = await compareRunDirs([baseline, regressed], { seed: 3 });
    expect(isRegression).toBe(true);
    expect(comparison.baseline.passHatK.map((p) => p.k)).toEqual([1, 2, 3]);
    expect(comparison.baseline.passHatK[0]?.value).toBeCloseTo(23 / 24, 6);
    expect(comparison.candidates[0]?.passHatK[0]?.value).toBeCloseTo(11 / 24, 6);
    const diff1 = comparison.diffs[0]?.[0];
    expect(diff1?.diff).toBeCloseTo(-0.5, 6);
    expect(diff1?.high).toBeLessThan(0);
    expect(diff1?.low).toBeLessThanOrEqual(diff1?.diff ?? 0);
    const s1 = comparison.scenarios.find((s) => s.scenarioId === "s1");
    expect(s1?.results).toEqual([
      { passed: 3, total: 3 },
      { passed: 1, total: 3 },
    ]);
    expect(s1?.regressions[0]).toEqual([{ check: "final_state[0]", baselineFailed: 0, baselineCalls: 3, candidateFailed: 2, candidateCalls: 3, conversationIds: ["s1#1", "s1#2"] }]);
    // A check that failed as often as before is not a regression.
    expect(comparison.scenarios.find((s) => s.scenarioId === "s8")?.regressions[0]).toEqual([]);
  });

  it("does not call a drop within its interval a regression, and the same seed gives the same interval", async () => {
    const first = await compareRunDirs([baseline, noisy], { seed: 3 });
    const again = await compareRunDirs([baseline, noisy], { seed: 3 });
    expect(first.comparison.diffs[0]?.[0]?.diff).toBeLessThan(0);
    expect(first.isRegression).toBe(false);
    expect(again.comparison.diffs).toEqual(first.comparison.diffs);
    expect(first.comparison.scenarios.find((s) => s.scenarioId === "s3")?.regressions[0]?.[0]?.conversationIds).toEqual(["s3#2"]);
  });

  it("exits 1 under --fail-on-regression, prints a CI summary and writes HTML and Markdown reports linking the calls", () => {
    expect(cli.code).toBe(1);
    expect(cli.stdout).toMatch(/pass\^1 0\.958 -> 0\.458 {2}diff −0\.500 {2}95% CI \[−\S+, −\S+\] {2}REGRESSION/);
    expect(cli.stdout).toMatch(/s1: final_state\[0\] failed 0\/3 -> 2\/3 \(s1#1, s1#2\)/);
    const markdown = readFileSync(join(root, "report", "report.md"), "utf8");
    expect(markdown).toMatch(/\| s1 \| 3\/3 \| 1\/3 \| final_state\[0\] 0\/3 → 2\/3 \(s1#1, s1#2\) \|/);
    const html = readFileSync(join(root, "report", "report.html"), "utf8");
    expect(html).toContain('href="http://127.0.0.1:5999/#call=s1%231"');
    expect(html).not.toContain("4173");
    // The report names the command that serves each run's links, on the port they point at.
    expect(markdown).toContain(`\`voicesim view ${regressed} --port 5999\``);
    expect(markdown).toContain(`\`voicesim view ${baseline} --port 5999\``);
    expect(cli.stdout).toContain("voicesim view <run> --port 5999");
  });

  it("points call links at the viewer's default port 4173 when no port is given", async () => {
    const out = join(root, "report-default");
    await compareRunDirs([baseline, regressed], { seed: 3, out });
    const html = readFileSync(join(out, "report.html"), "utf8");
    expect(html).toContain('href="http://127.0.0.1:4173/#call=s1%231"');
    expect(html).toContain(`<code>voicesim view ${regressed} --port 4173</code>`);
  });

  it("refuses a directory with no judged calls, saying what to run", async () => {
    const error = await compareRunDirs([baseline, root]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VoicesimError);
    expect((error as VoicesimError).message).toMatch(/holds no judged calls \(no scores\.jsonl\)/);
    expect((error as VoicesimError).hint).toMatch(/voicesim judge/);
  });

  it("parses --timeout and --mcp-host as run does, before any agent is built", async () => {
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      await expect(runCompareCommand(["pack", "--agent", "scripted", "--agent", "scripted", "--timeout", "1.5"])).rejects.toThrow(/--timeout takes a whole number/);
      await expect(runCompareCommand(["pack", "--agent", "scripted", "--agent", "scripted", "--mcp-host", "0.0.0.0"])).rejects.toThrow(/--mcp-host takes one address/);
    } finally {
      stderr.mockRestore();
    }
  });

  it("reports latency percentiles by nearest rank", () => {
    expect(percentiles([])).toBeNull();
    expect(percentiles([400, 100, 300, 200, 5000])).toEqual({ p50: 300, p95: 5000, n: 5 });
  });
});
