import { VoicesimError } from "../scenarios/index.ts";
import type { OpenAIFunctionTool } from "../tools/index.ts";
import type { AgentBackend, CallerBackend } from "./agent-types.ts";
import type { ModelClient } from "./model/model-client.ts";
import { createModelClient, type ModelClientOptions } from "./model/openai-model-client.ts";
import { createOpenAIAgent } from "./openai/openai-agent.ts";
import { createOpenAICaller } from "./openai/openai-caller.ts";

/** A backend chosen by an id string, promptfoo style: "scripted" or "openai:<model>". */
export type BackendSpec = { kind: "scripted"; id: "scripted" } | { kind: "openai"; id: string; model: string };

/**
 * Reads "scripted", "openai:<model>" (also promptfoo's "openai:chat:<model>"). Model names may
 * hold colons and slashes ("openai:llama3.1:8b", "openai:meta-llama/Llama-3.1-8B-Instruct").
 */
export function parseBackendSpec(spec: string): BackendSpec {
  const text = spec.trim();
  if (text === "scripted") return { kind: "scripted", id: "scripted" };
  const match = /^openai:(?:chat:)?(.+)$/.exec(text);
  const model = match?.[1]?.trim();
  if (model) return { kind: "openai", id: `openai:${model}`, model };
  throw new VoicesimError("bad_option", `unknown backend "${spec}"`, {
    hint: 'use "scripted" (offline) or "openai:<model>", e.g. openai:gpt-4o-mini, or openai:llama3.1 with --base-url for a local server',
  });
}

export interface ResolveBackendsOptions {
  /** Backend spec for the simulated caller. */
  caller: string;
  /** Backend spec for the candidate agent. */
  agent: string;
  /** The agent's tools as OpenAI functions (only the openai agent uses them). */
  tools: readonly OpenAIFunctionTool[];
  baseUrl?: string;
  apiKey?: string;
  cacheDir?: string;
  timeoutMs?: number;
  maxRetries?: number;
  callerTemperature?: number;
  agentTemperature?: number;
}

/** The scripted backends, passed in so this module does not decide how they are built. */
export interface ScriptedFactories {
  createScriptedCaller(): CallerBackend;
  createScriptedAgent(): AgentBackend;
  /** Defaults to createModelClient; tests and embedders may pass their own. */
  createModelClient?(options: ModelClientOptions): ModelClient;
}

export interface ResolvedBackends {
  caller: CallerBackend;
  agent: AgentBackend;
  /** One client per distinct model (caller and agent share it when they name the same one), for usage totals. */
  clients: ModelClient[];
}

/**
 * Builds the caller and agent named by their specs. Each distinct model gets one client, so the
 * caller and agent on one model share its cache, in-flight calls and usage count. Throws
 * VoicesimError for an unknown spec or a missing key, before any call is made.
 */
export function resolveBackends(options: ResolveBackendsOptions, factories: ScriptedFactories): ResolvedBackends {
  const callerSpec = parseBackendSpec(options.caller);
  const agentSpec = parseBackendSpec(options.agent);
  const makeClient = factories.createModelClient ?? createModelClient;
  const clients = new Map<string, ModelClient>();
  const clientFor = (model: string): ModelClient => {
    let client = clients.get(model);
    if (!client) {
      client = makeClient({
        model,
        ...(options.baseUrl !== undefined ? { baseUrl: options.baseUrl } : {}),
        ...(options.apiKey !== undefined ? { apiKey: options.apiKey } : {}),
        ...(options.cacheDir !== undefined ? { cacheDir: options.cacheDir } : {}),
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
        ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
      });
      clients.set(model, client);
    }
    return client;
  };
  const caller =
    callerSpec.kind === "scripted"
      ? factories.createScriptedCaller()
      : createOpenAICaller({ client: clientFor(callerSpec.model), ...(options.callerTemperature !== undefined ? { temperature: options.callerTemperature } : {}) });
  const agent =
    agentSpec.kind === "scripted"
      ? factories.createScriptedAgent()
      : createOpenAIAgent({ client: clientFor(agentSpec.model), tools: options.tools, ...(options.agentTemperature !== undefined ? { temperature: options.agentTemperature } : {}) });
  return { caller, agent, clients: [...clients.values()] };
}
