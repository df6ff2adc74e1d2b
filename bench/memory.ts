// Peak memory as a batch grows: `voicesim simulate` on the collections pack (19 seed scenarios) at
// N and 10×N scripted calls, each in a child process of its own, so the figure is what a user's
// run pays and nothing of this process. `npm run bench` includes it; `npm run bench:memory` runs it
// alone (`-- --quick` for 190 vs 1,900 calls instead of 1,007 vs 10,013).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { childUsage, fixed } from "./measure.ts";

const CHECKOUT = fileURLToPath(new URL("../", import.meta.url));

export interface MemoryFigure {
  calls: number;
  peakRssMb: number;
  cpuS: number;
  wallS: number;
  load: number;
}

/** Peak RSS of `voicesim simulate` (default threads, as a user runs it) at each calls-per-scenario count. */
export async function simulatePeakRss(perScenario: readonly number[]): Promise<MemoryFigure[]> {
  const figures: MemoryFigure[] = [];
  for (const per of perScenario) {
    const out = mkdtempSync(join(tmpdir(), "voicesim-bench-memory-"));
    try {
      const args = ["bin/voicesim.mjs", "simulate", "scenarios/packs/collections", "--per-scenario", String(per), "--seed", "7", "--out", join(out, "run")];
      const usage = await childUsage(args, CHECKOUT);
      figures.push({ calls: per * 19, peakRssMb: fixed(usage.peakRssMb, 0), cpuS: fixed(usage.cpuMs / 1000, 1), wallS: fixed(usage.wallS, 1), load: fixed(usage.load, 1) });
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }
  return figures;
}

/** The line a benchmark prints for the figures, with the ratio of the last to the first. */
export function describeMemory(figures: readonly MemoryFigure[]): string {
  const [first] = figures;
  const last = figures.at(-1);
  const each = figures.map((f) => `${f.calls} calls ${f.peakRssMb} MB (CPU ${f.cpuS} s, wall ${f.wallS} s, load ${f.load})`).join(", ");
  return `peak RSS, voicesim simulate collections: ${each}${first && last && last !== first ? `; ${last.calls} vs ${first.calls} calls = ${fixed(last.peakRssMb / first.peakRssMb, 2)}x (goal <= 1.3x)` : ""}`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const quick = process.argv.includes("--quick");
  console.log(describeMemory(await simulatePeakRss(quick ? [10, 100] : [53, 527])));
}
