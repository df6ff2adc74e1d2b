// What every benchmark here reports beside wall time: the process's CPU time (process.cpuUsage,
// every thread of it) and the machine's load, since on a shared machine wall time alone says little.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";

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

/** What a child process used: its peak resident set size (every thread of it) and CPU time. */
export interface ChildUsage {
  peakRssMb: number;
  cpuMs: number;
  wallS: number;
  /** One-minute load average when the child ended. */
  load: number;
}

/**
 * Runs `node <args>` in a child and returns its peak RSS as the child itself saw it
 * (process.resourceUsage().maxRSS, read at exit by bench/peak-rss-preload.mjs): the figure a
 * user's machine pays for a run, with nothing of the benchmark's own process in it.
 */
export async function childUsage(args: readonly string[], cwd: string): Promise<ChildUsage> {
  const dir = mkdtempSync(join(tmpdir(), "voicesim-rss-"));
  const file = join(dir, "usage.json");
  const started = performance.now();
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, ["--import", new URL("./peak-rss-preload.mjs", import.meta.url).href, ...args], {
        cwd,
        env: { ...process.env, VOICESIM_PEAK_RSS_FILE: file },
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => {
        stderr = (stderr + chunk.toString()).slice(-2000);
      });
      child.on("error", reject);
      child.on("close", (exit) => (exit === 0 ? resolve() : reject(new Error(`node ${args.join(" ")} exited with ${exit}: ${stderr}`))));
    });
    const usage = JSON.parse(readFileSync(file, "utf8")) as { peakRssMb: number; cpuMs: number };
    return { ...usage, wallS: (performance.now() - started) / 1000, load: loadavg()[0] ?? 0 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
