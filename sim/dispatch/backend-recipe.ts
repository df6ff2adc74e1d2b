import { z } from "zod";
import {
  createMcpToolBridge,
  createScriptedAgent,
  createScriptedCaller,
  type McpToolBridge,
  type ModelClient,
  type ModelClientOptions,
  resolveBackends,
} from "../../agents/index.ts";
import type { ToolDefinition } from "../../tools/index.ts";
import type { CallContext } from "./run-call.ts";

/**
 * How to build a run's caller and agent, as data: a worker in another thread, process or machine
 * builds the same backends from it. Never holds a key; each worker reads OPENAI_API_KEY itself.
 */
export const BackendRecipe = z.object({
  /** "scripted" or "openai:<model>". */
  caller: z.string(),
  agent: z.string(),
  baseUrl: z.string().optional(),
  /** Response cache folder; a worker on another machine uses the shared cache instead. */
  cacheDir: z.string().optional(),
  timeoutMs: z.number().int().positive().optional(),
  /** How long an external agent may take for one move (--agent-timeout). */
  agentTurnTimeoutMs: z.number().int().positive().optional(),
});
export type BackendRecipe = z.infer<typeof BackendRecipe>;

/** The scripted pair: the offline default. */
export const SCRIPTED_RECIPE: BackendRecipe = { caller: "scripted", agent: "scripted" };

/**
 * The caller and agent a recipe names, for a pack's tools; `createModelClient` may wrap the default
 * client (shared cache, limits). A WebSocket or HTTP agent gets each call's tools over MCP from the
 * process that runs the call, where its tool world lives: every worker thread or queue worker
 * serves its own calls (the server starts with the first call that opens a URL).
 */
export function backendsFromRecipe(
  recipe: BackendRecipe,
  tools: readonly ToolDefinition[],
  options: {
    createModelClient?: (options: ModelClientOptions) => ModelClient;
    /** Where this process serves MCP, an address of this machine the agent can reach; default 127.0.0.1. */
    mcpHost?: string;
    /** The bridge to serve MCP with, for a caller that stops it itself; default a new one that lives as long as the process (it never holds it open). */
    mcp?: McpToolBridge;
  } = {},
): Pick<CallContext, "caller" | "agent"> {
  const specs = tools.map((t) => t.openAISchema());
  const { caller, agent } = resolveBackends(
    {
      caller: recipe.caller,
      agent: recipe.agent,
      tools: specs,
      mcp: options.mcp ?? createMcpToolBridge({ tools: specs, ...(options.mcpHost !== undefined ? { listen: options.mcpHost } : {}) }),
      ...(recipe.baseUrl !== undefined ? { baseUrl: recipe.baseUrl } : {}),
      ...(recipe.cacheDir !== undefined ? { cacheDir: recipe.cacheDir } : {}),
      ...(recipe.timeoutMs !== undefined ? { timeoutMs: recipe.timeoutMs } : {}),
      ...(recipe.agentTurnTimeoutMs !== undefined ? { agentTurnTimeoutMs: recipe.agentTurnTimeoutMs } : {}),
    },
    { createScriptedAgent, createScriptedCaller, ...(options.createModelClient ? { createModelClient: options.createModelClient } : {}) },
  );
  return { caller, agent };
}
