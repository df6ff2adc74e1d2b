import { Rng } from "../../tools/index.ts";
import { bootstrapMean, mean, passHatK, scenarioPassHatK } from "../judge/pass-hat-k.ts";
import { type Percentiles, percentiles, type SlowTurn } from "../report/agent-latency.ts";
import type { CallOutcome, RunOutcomes } from "./run-outcomes.ts";

/** pass^k of one agent over the scenarios both runs hold. */
export interface AgentSummary {
  agent: string;
  dir: string;
  /** pass^k for k = 1..K over the common scenarios, with the seeded bootstrap interval of the run alone. */
  passHatK: Array<{ k: number; value: number; low: number; high: number }>;
  calls: number;
  failedCalls: number;
  costUsd: number;
  tokens: number;
  firstSpeech: Percentiles | null;
  toolTime: Percentiles | null;
  slowTurns: SlowTurn[];
}

/** Candidate minus baseline for one k, with a paired bootstrap interval over the common scenarios. */
export interface PassHatKDiff {
  k: number;
  diff: number;
  low: number;
  high: number;
  scenarios: number;
  /** The whole interval lies below zero: a drop beyond the noise. */
  isRegression: boolean;
  isImprovement: boolean;
}

/** A check the candidate failed more often than the baseline in one scenario. */
export interface CheckRegression {
  check: string;
  baselineFailed: number;
  baselineCalls: number;
  candidateFailed: number;
  candidateCalls: number;
  /** The candidate's calls that failed it (open them in the viewer). */
  conversationIds: string[];
}

export interface ScenarioComparison {
  scenarioId: string;
  /** Per agent, in the order given: passes and tries. */
  results: Array<{ passed: number; total: number }>;
  /** Per candidate (agents after the first): checks that got worse against the baseline. */
  regressions: CheckRegression[][];
}

export interface Comparison {
  baseline: AgentSummary;
  candidates: AgentSummary[];
  /** Per candidate, pass^k differences against the baseline. */
  diffs: PassHatKDiff[][];
  scenarios: ScenarioComparison[];
  /** Scenarios held by only some of the runs (left out of every figure). */
  unmatched: string[];
  seed: number;
  slowTurnMs: number;
}

/**
 * Compares agents run on the same scenarios: the first is the baseline. pass^k per scenario is
 * τ-bench's C(c,k)/C(n,k); the interval on a difference resamples scenarios with replacement
 * (paired: one draw picks the same scenario for both agents), seeded, so the same runs give the
 * same report. A drop counts as a regression only when the whole 95% interval is below zero.
 */
export function compareRuns(runs: readonly RunOutcomes[], options: { seed: number; slowTurnMs: number }): Comparison {
  const [first, ...rest] = runs;
  if (!first || rest.length === 0) throw new Error("compareRuns needs at least two runs");
  const all = [...new Set(runs.flatMap((r) => [...r.scenarios.keys()]))].sort();
  const common = all.filter((id) => runs.every((r) => (r.scenarios.get(id)?.length ?? 0) > 0));
  const unmatched = all.filter((id) => !common.includes(id));
  const maxK = Math.min(...runs.map((r) => Math.min(...common.map((id) => r.scenarios.get(id)?.length ?? 0))));
  const ks = common.length === 0 ? [] : Array.from({ length: Math.max(0, maxK) }, (_, i) => i + 1);
  const counts = (run: RunOutcomes) => common.map((id) => tally(run.scenarios.get(id) ?? []));
  const summary = (run: RunOutcomes): AgentSummary => ({
    agent: run.agent,
    dir: run.dir,
    passHatK: ks.map((k) => {
      const p = passHatK(counts(run), k, options.seed);
      return { k, value: p.value, low: p.low, high: p.high };
    }),
    calls: run.calls,
    failedCalls: run.failedCalls,
    costUsd: run.costUsd,
    tokens: run.tokens,
    firstSpeech: percentiles(run.firstSpeechMs),
    toolTime: percentiles(run.toolMs),
    slowTurns: run.slowTurns,
  });
  const baseCounts = counts(first);
  const diffs = rest.map((run) => {
    const candCounts = counts(run);
    return ks.map((k) => pairedDiff(baseCounts, candCounts, k, options.seed));
  });
  const scenarios = common.map((scenarioId) => {
    const base = first.scenarios.get(scenarioId) ?? [];
    return {
      scenarioId,
      results: runs.map((r) => tally(r.scenarios.get(scenarioId) ?? [])),
      regressions: rest.map((r) => checkRegressions(base, r.scenarios.get(scenarioId) ?? [])),
    };
  });
  return { baseline: summary(first), candidates: rest.map(summary), diffs, scenarios, unmatched, seed: options.seed, slowTurnMs: options.slowTurnMs };
}

/** True when any candidate's pass^k dropped beyond its interval. */
export function hasRegression(comparison: Comparison): boolean {
  return comparison.diffs.some((perK) => perK.some((d) => d.isRegression));
}

function tally(calls: readonly CallOutcome[]): { passed: number; total: number } {
  return { passed: calls.filter((c) => c.passed).length, total: calls.length };
}

function pairedDiff(base: ReadonlyArray<{ passed: number; total: number }>, cand: ReadonlyArray<{ passed: number; total: number }>, k: number, seed: number): PassHatKDiff {
  // Paired: one draw picks the same scenario for both agents, so the interval is on the differences.
  const diffs = base.flatMap((c, i) => {
    const x = scenarioPassHatK(c, k);
    const y = scenarioPassHatK(cand[i] ?? { passed: 0, total: 0 }, k);
    return x !== undefined && y !== undefined ? [y - x] : [];
  });
  const { low, high } = bootstrapMean(diffs, Rng.derive(seed, "compare", k));
  return { k, diff: mean(diffs), low, high, scenarios: diffs.length, isRegression: diffs.length > 0 && high < 0, isImprovement: diffs.length > 0 && low > 0 };
}

function checkRegressions(base: readonly CallOutcome[], cand: readonly CallOutcome[]): CheckRegression[] {
  const failing = (calls: readonly CallOutcome[], check: string) => calls.filter((c) => c.failedChecks.includes(check));
  const checks = [...new Set(cand.flatMap((c) => c.failedChecks))].sort();
  return checks.flatMap((check) => {
    const before = failing(base, check).length / Math.max(1, base.length);
    const failed = failing(cand, check);
    if (failed.length / Math.max(1, cand.length) <= before) return [];
    return [{ check, baselineFailed: failing(base, check).length, baselineCalls: base.length, candidateFailed: failed.length, candidateCalls: cand.length, conversationIds: failed.map((c) => c.id) }];
  });
}
