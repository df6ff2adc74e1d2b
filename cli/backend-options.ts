import {
  createMcpToolBridge,
  createScriptedAgent,
  createScriptedCaller,
  type ModelClient,
  probeAgentEndpoint,
  redactUrl,
  resolveBackends,
} from "../agents/index.ts";
import type { ToolDefinition } from "../tools/index.ts";
import type { BackendRecipe, Backends } from "../sim/index.ts";
import type { ModelOptions } from "./model-options.ts";

/**
 * The backends the options name, through the one resolver (`resolveBackends`): scripted unless a
 * model or an agent is named. What goes in the manifest never holds a key or a header.
 */
export async function backendsFromOptions(
  options: ModelOptions,
  context: { cacheDir: string; tools: readonly ToolDefinition[]; signal?: AbortSignal },
): Promise<{ backends: Backends; recipe: BackendRecipe; config: Record<string, unknown>; client?: ModelClient }> {
  const callerModel = options.callerModel ?? options.model;
  const callerSpec = callerModel && callerModel !== "scripted" ? `openai:${callerModel}` : "scripted";
  const agentSpec = options.agent ?? (options.model ? `openai:${options.model}` : "scripted");
  const resolved = resolveBackends(
    {
      caller: callerSpec,
      agent: agentSpec,
      tools: context.tools.map((t) => t.openAISchema()),
      ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
      cacheDir: context.cacheDir,
      timeoutMs: options.timeout ?? 60_000,
      ...(options.agentTimeout !== undefined ? { agentTurnTimeoutMs: options.agentTimeout } : {}),
      // A WebSocket or HTTP agent gets each call's tools over MCP too; the bridge starts with the first call that uses it.
      mcp: createMcpToolBridge({ tools: context.tools.map((t) => t.openAISchema()), ...(options.mcpHost ? { listen: options.mcpHost } : {}) }),
      ...(context.signal ? { signal: context.signal } : {}),
    },
    { createScriptedAgent, createScriptedCaller },
  );
  const backends: Backends = { agent: resolved.agent, caller: resolved.caller };
  if (resolved.agent.endpoint) await probeAgentEndpoint(resolved.agent.endpoint);
  // The same backends as data, for workers in other threads or processes to build their own.
  const recipe: BackendRecipe = {
    agent: agentSpec,
    caller: callerSpec,
    ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
    cacheDir: context.cacheDir,
    timeoutMs: options.timeout ?? 60_000,
    ...(options.agentTimeout !== undefined ? { agentTurnTimeoutMs: options.agentTimeout } : {}),
  };
  return {
    backends,
    recipe,
    config: { agent: backends.agent.id, caller: backends.caller.id, ...(options.baseUrl ? { baseUrl: redactUrl(options.baseUrl) } : {}) },
    ...(options.model ? { client: resolved.clientFor(options.model) } : {}),
  };
}
