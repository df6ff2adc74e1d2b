import { Rng } from "../../tools/index.ts";

/** Binomial coefficient C(n, k). */
export function choose(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let result = 1;
  for (let i = 1; i <= k; i++) result = (result * (n - k + i)) / i;
  return result;
}

export interface PassHatK {
  k: number;
  value: number;
  /** 95% interval by bootstrap over scenarios (2,000 resamples, seeded). */
  low: number;
  high: number;
  scenarios: number;
}

/**
 * pass^k as τ-bench defines it (Yao et al. 2024, "τ-bench"): the chance that k independent tries
 * of a scenario all pass, estimated per scenario from n tries with c passes as C(c,k)/C(n,k) and
 * averaged over scenarios. It falls with k when an agent is unreliable; pass@k rises instead.
 */
export function passHatK(results: ReadonlyArray<{ passed: number; total: number }>, k: number, seed = 0): PassHatK {
  const per = results.flatMap((r) => scenarioPassHatK(r, k) ?? []);
  return { k, value: mean(per), ...bootstrapMean(per, Rng.derive(seed, "pass^k", k)), scenarios: per.length };
}

/** One scenario's pass^k, C(c,k)/C(n,k); undefined when it has fewer than k tries. */
export function scenarioPassHatK(result: { passed: number; total: number }, k: number): number | undefined {
  return result.total >= k ? choose(result.passed, k) / choose(result.total, k) : undefined;
}

export const mean = (xs: readonly number[]): number => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

/** A 95% interval on the mean of `values`, from 2,000 resamples with replacement drawn from `rng`. */
export function bootstrapMean(values: readonly number[], rng: Rng): { low: number; high: number } {
  const samples: number[] = [];
  for (let b = 0; b < 2000 && values.length > 0; b++) samples.push(mean(Array.from({ length: values.length }, () => values[rng.int(0, values.length - 1)] as number)));
  samples.sort((a, b) => a - b);
  return { low: samples[Math.floor(samples.length * 0.025)] ?? 0, high: samples[Math.min(samples.length - 1, Math.floor(samples.length * 0.975))] ?? 0 };
}

/** pass^k for k = 1..n (n = the most candidates any scenario has), each with its seeded interval. */
export function passHatKTable(results: ReadonlyArray<{ passed: number; total: number }>, seed = 0): PassHatK[] {
  const n = Math.max(0, ...results.map((r) => r.total));
  return Array.from({ length: n }, (_, i) => passHatK(results, i + 1, seed));
}
