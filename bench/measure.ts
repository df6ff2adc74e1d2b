// What every benchmark here reports beside wall time: the process's CPU time (process.cpuUsage,
// every thread of it) and the machine's load, since on a shared machine wall time alone says little.
import { loadavg } from "node:os";

export interface Measured {
  wallS: number;
  cpuMs: number;
  /** One-minute load average when the measurement ended. */
  load: number;
}

export async function measure<T>(run: () => Promise<T>): Promise<{ value: T } & Measured> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const value = await run();
  const used = process.cpuUsage(cpu);
  return { value, wallS: (performance.now() - started) / 1000, cpuMs: (used.user + used.system) / 1000, load: loadavg()[0] ?? 0 };
}

export const fixed = (value: number, digits = 1) => Number(value.toFixed(digits));

/** The middle value (the lower middle of an even count): robust to one run disturbed by a neighbour. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
}
