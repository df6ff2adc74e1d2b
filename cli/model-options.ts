import type { Command } from "commander";

/** Model options shared by `simulate` and `run`. */
export interface ModelOptions {
  model?: string;
  callerModel?: string;
  baseUrl?: string;
  /** Response cache folder; default <out>/cache. */
  cacheDir?: string;
  timeout?: number;
}

export function modelOptionsHelp(command: Command): Command {
  return command
    .option("--model <name>", "OpenAI-compatible model for the agent and caller (default: scripted, offline)")
    .option("--caller-model <name>", "model for the simulated caller, or 'scripted' (default: --model)")
    .option("--base-url <url>", "OpenAI-compatible endpoint, e.g. http://localhost:11434/v1 (key from OPENAI_API_KEY)")
    .option("--cache-dir <dir>", "model answer cache, shareable by runs: a new run reuses the answers (default <out>/cache)")
    .option("--timeout <ms>", "per model request", (v) => Number(v), 60_000);
}

/** Where model answers are cached: the shared folder asked for, else the run's own. */
export function cacheDirFor(options: { cacheDir?: string }, runDir: string): string {
  return options.cacheDir ?? `${runDir}/cache`;
}
