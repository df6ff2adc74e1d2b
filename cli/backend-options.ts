import {
  createModelClient,
  createOpenAIAgent,
  createOpenAICaller,
  createScriptedAgent,
  createScriptedCaller,
  type ModelClient,
} from "../agents/index.ts";
import type { ToolDefinition } from "../tools/index.ts";
import type { BackendRecipe, Backends } from "../sim/index.ts";
import type { ModelOptions } from "./model-options.ts";

/** Scripted backends unless a model is named. What goes in the manifest never holds a key. */
export async function backendsFromOptions(
  options: ModelOptions,
  context: { cacheDir: string; tools: readonly ToolDefinition[] },
): Promise<{ backends: Backends; recipe: BackendRecipe; config: Record<string, unknown>; client?: ModelClient }> {
  const clientFor = (model: string) =>
    createModelClient({ model, ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}), cacheDir: context.cacheDir, timeoutMs: options.timeout ?? 60_000 });
  const agentClient = options.model ? clientFor(options.model) : undefined;
  const callerModel = options.callerModel ?? options.model;
  const callerClient = callerModel && callerModel !== "scripted" ? (callerModel === options.model ? agentClient : clientFor(callerModel)) : undefined;
  const backends: Backends = {
    agent: agentClient ? createOpenAIAgent({ client: agentClient, tools: context.tools.map((t) => t.openAISchema()) }) : createScriptedAgent(),
    caller: callerClient ? createOpenAICaller({ client: callerClient }) : createScriptedCaller(),
  };
  // The same backends as data, for workers in other threads or processes to build their own.
  const recipe: BackendRecipe = {
    agent: backends.agent.id,
    caller: backends.caller.id,
    ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
    cacheDir: context.cacheDir,
    timeoutMs: options.timeout ?? 60_000,
  };
  return {
    backends,
    recipe,
    config: { agent: backends.agent.id, caller: backends.caller.id, ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}) },
    ...(agentClient ? { client: agentClient } : {}),
  };
}
