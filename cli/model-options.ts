import { type Command, InvalidArgumentError } from "commander";
import { intOption } from "./options.ts";

/** Model and agent options shared by `simulate`, `run` and `compare`. */
export interface ModelOptions {
  model?: string;
  callerModel?: string;
  baseUrl?: string;
  /** Response cache folder; default <out>/cache. */
  cacheDir?: string;
  timeout?: number;
  /** The agent under test: scripted, openai:<model>, agent.yaml[#name], ws://…, http://… */
  agent?: string;
  /** Per move of an external agent (ms). */
  agentTimeout?: number;
  /** The address MCP is served on for an external agent (default 127.0.0.1). */
  mcpHost?: string;
}

/**
 * One declaration per option (flags, help, parser, default) for every command that takes it, so
 * `compare` cannot drift from `run`. Spread into `.option(...)`.
 */
export const OPTIONS = {
  callerModel: ["--caller-model <name>", "model for the simulated caller, or 'scripted' (default: --model)"],
  baseUrl: ["--base-url <url>", "OpenAI-compatible endpoint, e.g. http://localhost:11434/v1 (key from OPENAI_API_KEY)"],
  timeout: ["--timeout <ms>", "per model request attempt, headers and body, in milliseconds", intOption("--timeout", { min: 1 }), 60_000],
  agentTimeout: ["--agent-timeout <ms>", "how long an external agent may take for one move", intOption("--agent-timeout", { min: 1 }), 15_000],
  mcpHost: [
    "--mcp-host <address>",
    "the address of this machine that each call's MCP tool server listens on and names in its URL (default 127.0.0.1: an agent on this machine)",
    mcpHostOption,
  ],
} as const;

export function modelOptionsHelp(command: Command): Command {
  return command
    .option("--model <name>", "OpenAI-compatible model for the agent and caller (default: scripted, offline)")
    .option(...OPTIONS.callerModel)
    .option(...OPTIONS.baseUrl)
    .option("--cache-dir <dir>", "model answer cache, shareable by runs: a new run reuses the answers (default <out>/cache)")
    .option(...OPTIONS.timeout);
}

/** `--agent` for commands that run one agent under test. */
export function agentOptionHelp(command: Command): Command {
  return command
    .option("--agent <spec>", "the agent under test: agent.yaml[#name], ws://host/path, http://host/path, openai:<model> or scripted (default: --model, else scripted)")
    .option(...OPTIONS.agentTimeout)
    .option(...OPTIONS.mcpHost);
}

/** Where model answers are cached: the shared folder asked for, else the run's own. */
export function cacheDirFor(options: { cacheDir?: string }, runDir: string): string {
  return options.cacheDir ?? `${runDir}/cache`;
}

/** An address to listen on that an agent can also dial: a wildcard would put 0.0.0.0 in the URL. */
function mcpHostOption(value: string): string {
  const host = value.trim().replace(/^\[(.*)\]$/, "$1");
  if (host === "" || host === "0.0.0.0" || host === "::") {
    throw new InvalidArgumentError("--mcp-host takes one address of this machine that the agent can reach (e.g. 10.0.0.5), not a wildcard: it goes into the MCP URL the agent dials");
  }
  return host;
}
