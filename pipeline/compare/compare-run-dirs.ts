import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_SLOW_TURN_MS } from "../report/agent-latency.ts";
import { type Comparison, compareRuns, hasRegression } from "./compare-runs.ts";
import { compareSummary, renderComparison } from "./render-compare.ts";
import { readRunOutcomes } from "./run-outcomes.ts";

export interface CompareRunDirsOptions {
  /** Where report.html and report.md go; nothing is written when omitted. */
  out?: string;
  seed?: number;
  /** First speech slower than this marks the turn (dead air the caller hears); default 2000 ms. */
  slowTurnMs?: number;
  /** The port the reports' call links point at (`voicesim view <run> --port <p>`); default 4173. */
  viewerPort?: number;
}

export interface CompareRunDirsResult {
  comparison: Comparison;
  summary: string;
  isRegression: boolean;
  files: string[];
}

/** Compares judged run directories (the first is the baseline) and writes the reports. */
export async function compareRunDirs(dirs: readonly string[], options: CompareRunDirsOptions = {}): Promise<CompareRunDirsResult> {
  const slowTurnMs = options.slowTurnMs ?? DEFAULT_SLOW_TURN_MS;
  const runs = await Promise.all(dirs.map((dir) => readRunOutcomes(dir, { slowTurnMs })));
  const comparison = compareRuns(runs, { seed: options.seed ?? runs[0]?.seed ?? 0, slowTurnMs });
  const files: string[] = [];
  if (options.out) {
    const { html, markdown } = renderComparison(comparison, options.viewerPort !== undefined ? { viewerPort: options.viewerPort } : {});
    mkdirSync(options.out, { recursive: true });
    writeFileSync(join(options.out, "report.html"), html);
    writeFileSync(join(options.out, "report.md"), markdown);
    files.push(join(options.out, "report.html"), join(options.out, "report.md"));
  }
  return { comparison, summary: compareSummary(comparison), isRegression: hasRegression(comparison), files };
}
