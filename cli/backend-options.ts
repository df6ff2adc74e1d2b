import type { Command } from "commander";
import { createScriptedAgent, createScriptedCaller } from "../agents/index.ts";
import type { Backends } from "../sim/index.ts";

/** Model options shared by `simulate` and `run`. */
export interface ModelOptions {
  model?: string;
  callerModel?: string;
  baseUrl?: string;
}

export function modelOptionsHelp(command: Command): Command {
  return command
    .option("--model <name>", "OpenAI-compatible model for the agent and caller (default: scripted, offline)")
    .option("--caller-model <name>", "model for the simulated caller, or 'scripted' (default: --model)")
    .option("--base-url <url>", "OpenAI-compatible endpoint, e.g. http://localhost:11434/v1 (key from OPENAI_API_KEY)");
}

/** Scripted backends unless a model is named; what goes in the manifest never holds a key. */
export async function backendsFromOptions(options: ModelOptions, _paths: { cacheDir: string }): Promise<{ backends: Backends; config: Record<string, unknown> }> {
  const backends: Backends = { caller: createScriptedCaller(), agent: createScriptedAgent() };
  return { backends, config: { agent: backends.agent.id, caller: backends.caller.id, ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}) } };
}
