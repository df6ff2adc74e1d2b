import { VoicesimError } from "../scenarios/index.ts";
import type { OpenAIFunctionTool } from "../tools/index.ts";
import type { AgentBackend, CallerBackend } from "./agent-types.ts";
import { loadAgentDefinition } from "./external/agent-file.ts";
import { createHttpAgent } from "./external/http-agent.ts";
import type { McpToolBridge } from "./external/mcp-bridge.ts";
import { shownUrl } from "./external/shown-url.ts";
import { createWebSocketAgent } from "./external/ws-agent.ts";
import type { ModelClient } from "./model/model-client.ts";
import { createModelClient, type ModelClientOptions } from "./model/openai-model-client.ts";
import { createOpenAIAgent } from "./openai/openai-agent.ts";
import { createOpenAICaller } from "./openai/openai-caller.ts";

/**
 * A backend chosen by an id string, promptfoo style: "scripted", "openai:<model>", an agent
 * behind "ws://…" or "http://…", or an agent definition file "agent.yaml[#name]".
 */
export type BackendSpec =
  | { kind: "scripted"; id: "scripted" }
  | { kind: "openai"; id: string; model: string }
  | { kind: "ws"; id: string; url: string }
  | { kind: "http"; id: string; url: string }
  | { kind: "file"; id: string; spec: string };

/**
 * Reads "scripted", "openai:<model>" (also promptfoo's "openai:chat:<model>"), "ws://…",
 * "wss://…", "http://…", "https://…" and "file.yaml#name". Model names may hold colons and
 * slashes ("openai:llama3.1:8b", "openai:meta-llama/Llama-3.1-8B-Instruct").
 */
export function parseBackendSpec(spec: string): BackendSpec {
  const text = spec.trim();
  if (text === "scripted") return { kind: "scripted", id: "scripted" };
  if (/^wss?:\/\/\S+$/i.test(text)) return { kind: "ws", id: `ws:${shownUrl(text)}`, url: text };
  if (/^https?:\/\/\S+$/i.test(text)) return { kind: "http", id: `http:${shownUrl(text)}`, url: text };
  if (/\.ya?ml(#[\w.-]+)?$/i.test(text)) return { kind: "file", id: `file:${text}`, spec: text };
  const match = /^openai:(?:chat:)?(.+)$/.exec(text);
  const model = match?.[1]?.trim();
  if (model) return { kind: "openai", id: `openai:${model}`, model };
  throw new VoicesimError("bad_option", `unknown backend "${spec}"`, {
    hint: 'use "scripted" (offline), "openai:<model>" (e.g. openai:gpt-4o-mini, or openai:llama3.1 with --base-url), an agent file "agent.yaml#name", or your agent at ws://… or http://…',
  });
}

export interface ResolveBackendsOptions {
  /** Backend spec for the simulated caller. */
  caller: string;
  /** Backend spec for the candidate agent. */
  agent: string;
  /** The agent's tools as OpenAI functions (the model and external agents get them). */
  tools: readonly OpenAIFunctionTool[];
  baseUrl?: string;
  apiKey?: string;
  cacheDir?: string;
  timeoutMs?: number;
  maxRetries?: number;
  callerTemperature?: number;
  agentTemperature?: number;
  /** How long an external agent may take for one move; default 15 s. */
  agentTurnTimeoutMs?: number;
  /** Serves each call's tools over MCP to a WebSocket or HTTP agent. */
  mcp?: McpToolBridge;
  /** Where ${NAME} in an agent file's headers is read from; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Stops every request and retry wait of the model clients (a run's Ctrl-C). */
  signal?: AbortSignal;
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
  /** The shared client of a model at the configured endpoint (made on first use), e.g. for the generator. */
  clientFor(model: string): ModelClient;
}

/**
 * Builds the caller and agent named by their specs. Each distinct model gets one client, so the
 * caller and agent on one model share its cache, in-flight calls and usage count. Throws
 * VoicesimError for an unknown spec, a bad agent file or a missing key, before any call is made.
 */
export function resolveBackends(options: ResolveBackendsOptions, factories: ScriptedFactories): ResolvedBackends {
  const callerSpec = parseBackendSpec(options.caller);
  const agentSpec = parseBackendSpec(options.agent);
  if (callerSpec.kind !== "scripted" && callerSpec.kind !== "openai") {
    throw new VoicesimError("bad_option", `the caller is "scripted" or "openai:<model>", not ${options.caller}`);
  }
  const makeClient = factories.createModelClient ?? createModelClient;
  const common = {
    ...(options.cacheDir !== undefined ? { cacheDir: options.cacheDir } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
    ...(options.signal !== undefined ? { signal: options.signal } : {}),
  };
  const clients = new Map<string, ModelClient>();
  const clientFor = (model: string): ModelClient => {
    let client = clients.get(model);
    if (!client) {
      client = makeClient({
        model,
        ...(options.baseUrl !== undefined ? { baseUrl: options.baseUrl } : {}),
        ...(options.apiKey !== undefined ? { apiKey: options.apiKey } : {}),
        ...common,
      });
      clients.set(model, client);
    }
    return client;
  };
  const extraClients: ModelClient[] = [];
  const toolsNamed = (names: readonly string[] | undefined, where: string): OpenAIFunctionTool[] => {
    if (!names) return [...options.tools];
    const known = new Map(options.tools.map((t) => [t.function.name, t]));
    const unknown = names.filter((n) => !known.has(n));
    if (unknown.length > 0) {
      throw new VoicesimError("bad_option", `${where}: tools: the pack has no tool ${unknown.join(", ")}`, { hint: `the pack's tools: ${[...known.keys()].sort().join(", ")}` });
    }
    return names.map((n) => known.get(n) as OpenAIFunctionTool);
  };
  const externalOptions = {
    tools: options.tools,
    ...(options.agentTurnTimeoutMs !== undefined ? { turnTimeoutMs: options.agentTurnTimeoutMs } : {}),
  };
  const endpointAgent = (url: string, extra: { tools?: OpenAIFunctionTool[]; headers?: Record<string, string>; turnTimeoutMs?: number } = {}): AgentBackend =>
    /^wss?:/i.test(url)
      ? createWebSocketAgent({ url, ...externalOptions, ...extra, ...(options.mcp ? { mcp: options.mcp } : {}) })
      : createHttpAgent({ url, ...externalOptions, ...extra, ...(options.mcp ? { mcp: options.mcp } : {}) });

  const fileAgent = (spec: string): AgentBackend => {
    const definition = loadAgentDefinition(spec, options.env);
    const agent = fileAgentOf(definition);
    return definition.tools ? withAllowedTools(agent, definition.tools) : agent;
  };
  const fileAgentOf = (definition: ReturnType<typeof loadAgentDefinition>): AgentBackend => {
    const where = `${definition.file}#${definition.name}`;
    const tools = toolsNamed(definition.tools, where);
    if (definition.kind === "endpoint") {
      return endpointAgent(definition.url, { tools, ...(definition.headers ? { headers: definition.headers } : {}), ...(definition.turnTimeoutMs ? { turnTimeoutMs: definition.turnTimeoutMs } : {}) });
    }
    const baseUrl = definition.baseUrl ?? options.baseUrl;
    const apiKey = definition.apiKey ?? options.apiKey;
    const client = makeClient({
      model: definition.model,
      ...(baseUrl !== undefined ? { baseUrl } : {}),
      ...(apiKey !== undefined ? { apiKey } : {}),
      ...(definition.headers ? { headers: definition.headers } : {}),
      ...common,
    });
    extraClients.push(client);
    return createOpenAIAgent({
      client,
      tools,
      id: `${where} (openai:${definition.model})`,
      ...(definition.temperature !== undefined ? { temperature: definition.temperature } : {}),
      ...(definition.systemPrompt !== undefined ? { systemPrompt: definition.systemPrompt } : {}),
    });
  };

  const caller =
    callerSpec.kind === "scripted"
      ? factories.createScriptedCaller()
      : createOpenAICaller({ client: clientFor(callerSpec.model), ...(options.callerTemperature !== undefined ? { temperature: options.callerTemperature } : {}) });
  let agent: AgentBackend;
  if (agentSpec.kind === "scripted") agent = factories.createScriptedAgent();
  else if (agentSpec.kind === "openai") {
    agent = createOpenAIAgent({ client: clientFor(agentSpec.model), tools: options.tools, ...(options.agentTemperature !== undefined ? { temperature: options.agentTemperature } : {}) });
  } else if (agentSpec.kind === "file") agent = fileAgent(agentSpec.spec);
  else agent = endpointAgent(agentSpec.url);
  return {
    caller,
    agent,
    get clients() {
      return [...clients.values(), ...extraClients];
    },
    clientFor,
  };
}

/** The agent as it was, except that only `names` run when it calls tools (the rest get unknown_tool). */
function withAllowedTools(agent: AgentBackend, names: readonly string[]): AgentBackend {
  return { ...agent, allowedTools: [...names] };
}
