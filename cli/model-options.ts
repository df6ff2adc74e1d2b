import type { Command } from "commander";
import { intOption } from "./options.ts";

/** Model options shared by `simulate` and `run`. */
export interface ModelOptions {
  model?: string;
  callerModel?: string;
  baseUrl?: string;
  timeout?: number;
}

export function modelOptionsHelp(command: Command): Command {
  return command
    .option("--model <name>", "OpenAI-compatible model for the agent and caller (default: scripted, offline)")
    .option("--caller-model <name>", "model for the simulated caller, or 'scripted' (default: --model)")
    .option("--base-url <url>", "OpenAI-compatible endpoint, e.g. http://localhost:11434/v1 (key from OPENAI_API_KEY)")
    .option("--timeout <ms>", "per model request attempt, headers and body, in milliseconds", intOption("--timeout", { min: 1 }), 60_000);
}
