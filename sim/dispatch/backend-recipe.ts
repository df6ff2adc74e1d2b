import { z } from "zod";
import { createScriptedAgent, createScriptedCaller, type ModelClient, type ModelClientOptions, resolveBackends } from "../../agents/index.ts";
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
});
export type BackendRecipe = z.infer<typeof BackendRecipe>;

/** The scripted pair: the offline default. */
export const SCRIPTED_RECIPE: BackendRecipe = { caller: "scripted", agent: "scripted" };

/** The caller and agent a recipe names, for a pack's tools; `createModelClient` may wrap the default client (shared cache, limits). */
export function backendsFromRecipe(
  recipe: BackendRecipe,
  tools: readonly ToolDefinition[],
  createModelClient?: (options: ModelClientOptions) => ModelClient,
): Pick<CallContext, "caller" | "agent"> {
  const { caller, agent } = resolveBackends(
    {
      caller: recipe.caller,
      agent: recipe.agent,
      tools: tools.map((t) => t.openAISchema()),
      ...(recipe.baseUrl !== undefined ? { baseUrl: recipe.baseUrl } : {}),
      ...(recipe.cacheDir !== undefined ? { cacheDir: recipe.cacheDir } : {}),
      ...(recipe.timeoutMs !== undefined ? { timeoutMs: recipe.timeoutMs } : {}),
    },
    { createScriptedAgent, createScriptedCaller, ...(createModelClient ? { createModelClient } : {}) },
  );
  return { caller, agent };
}
