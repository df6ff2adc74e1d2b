import { AIMessage, type BaseMessage, HumanMessage, SystemMessage, ToolMessage } from "@langchain/core/messages";
import { ChatOpenAICompletions } from "@langchain/openai";
import { VoicesimError } from "../../scenarios/index.ts";
import type { ChatMessage, ChatRequest, ChatResponse, ModelClient } from "./model-client.ts";
import { ResponseCache } from "./response-cache.ts";

export interface ModelClientOptions {
  model: string;
  /** Any OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp); OpenAI's own when omitted. */
  baseUrl?: string;
  /** Defaults to OPENAI_API_KEY; local endpoints need none. */
  apiKey?: string;
  timeoutMs?: number;
  /** Retries after the first attempt, on 429, 5xx, timeouts and dropped connections. */
  maxRetries?: number;
  /** First backoff; doubles each retry (retry-after wins when the server sends one). */
  retryBaseMs?: number;
  cacheDir?: string;
}

export type ModelErrorKind = "rate_limited" | "server_error" | "timeout" | "connection" | "bad_request" | "auth" | "malformed_output";

/** A model call that failed for good (after retries); the call it belonged to is recorded as failed. */
export class ModelCallError extends Error {
  readonly kind: ModelErrorKind;
  readonly status: number | undefined;

  constructor(kind: ModelErrorKind, message: string, status?: number) {
    super(message);
    this.name = "ModelCallError";
    this.kind = kind;
    this.status = status;
  }
}

const LOOPBACK = /^https?:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?(\/|$)/;

/**
 * One configured OpenAI-compatible endpoint: retries with backoff in one place, a response
 * cache, usage from the response. Uses ChatOpenAICompletions, which always speaks
 * /v1/chat/completions (ChatOpenAI may route some models to /v1/responses, which vLLM, Ollama
 * and llama.cpp do not serve).
 */
export function createModelClient(options: ModelClientOptions): ModelClient {
  // An empty variable is no key at all (CI systems often set OPENAI_API_KEY="").
  const apiKey = options.apiKey || process.env.OPENAI_API_KEY || undefined;
  const isLocal = options.baseUrl !== undefined && LOOPBACK.test(options.baseUrl);
  if (!apiKey && !isLocal) {
    throw new VoicesimError("model_config", `no API key for model ${options.model}${options.baseUrl ? ` at ${options.baseUrl}` : ""}`, {
      hint: "set OPENAI_API_KEY, or point --base-url at a local server (Ollama, vLLM, llama.cpp) that needs none",
    });
  }
  const key = apiKey ?? "not-needed-for-local-servers";
  const maxRetries = options.maxRetries ?? 3;
  const retryBaseMs = options.retryBaseMs ?? 500;
  const cache = options.cacheDir ? new ResponseCache(options.cacheDir) : undefined;
  const inFlight = new Map<string, Promise<ChatResponse>>();
  const models = new Map<string, ChatOpenAICompletions>();
  const modelFor = (temperature: number | undefined, maxTokens: number | undefined) => {
    const id = `${temperature ?? "default"}|${maxTokens ?? "default"}`;
    let model = models.get(id);
    if (!model) {
      model = new ChatOpenAICompletions({
        model: options.model,
        apiKey: key,
        // Retries live here, in one place, so LangChain's and the SDK's are off.
        maxRetries: 0,
        timeout: options.timeoutMs ?? 60_000,
        ...(temperature !== undefined ? { temperature } : {}),
        ...(maxTokens !== undefined ? { maxTokens } : {}),
        configuration: { ...(options.baseUrl ? { baseURL: options.baseUrl } : {}), maxRetries: 0 },
      });
      models.set(id, model);
    }
    return model;
  };

  const callOnce = async (request: ChatRequest, signal: AbortSignal | undefined): Promise<ChatResponse> => {
    const model = modelFor(request.temperature, request.maxTokens);
    const callOptions: Record<string, unknown> = {};
    if (request.tools?.length) callOptions.tools = request.tools;
    if (request.jsonSchema) {
      callOptions.response_format = { type: "json_schema", json_schema: { name: request.jsonSchema.name, schema: request.jsonSchema.schema } };
    }
    if (signal) callOptions.signal = signal;
    const message = await model.invoke(toLangChain(request.messages), callOptions);
    const usage = (message as unknown as { usage_metadata?: { input_tokens?: number; output_tokens?: number } }).usage_metadata;
    const content = typeof message.content === "string" ? message.content : message.content.map((part) => ("text" in part ? String(part.text) : "")).join("");
    return {
      content,
      toolCalls: (message.tool_calls ?? []).map((call, i) => ({ id: call.id ?? `call_${i}`, name: call.name, arguments: JSON.stringify(call.args ?? {}) })),
      usage: { promptTokens: usage?.input_tokens ?? 0, completionTokens: usage?.output_tokens ?? 0 },
      cached: false,
    };
  };

  const callWithRetries = async (request: ChatRequest, signal: AbortSignal | undefined): Promise<ChatResponse> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await callOnce(request, signal);
      } catch (error) {
        if (signal?.aborted) throw error;
        const failure = classify(error, options.model, apiKey);
        const retryable = failure.kind === "rate_limited" || failure.kind === "server_error" || failure.kind === "timeout" || failure.kind === "connection";
        if (!retryable || attempt >= maxRetries) {
          throw new ModelCallError(failure.kind, `${failure.message}${retryable ? ` (gave up after ${attempt + 1} attempts)` : ""}`, failure.status);
        }
        // Exponential backoff with a deterministic spread; the server's retry-after wins.
        const backoff = failure.retryAfterMs ?? retryBaseMs * 2 ** attempt * (1 + ((attempt * 7919) % 10) / 40);
        await new Promise((done) => setTimeout(done, backoff));
      }
    }
  };

  const spent = { promptTokens: 0, completionTokens: 0, modelCalls: 0, cachedCalls: 0 };
  return {
    id: `openai:${options.model}`,
    usage: () => ({ ...spent }),
    async complete(request, signal) {
      const cacheKey = ResponseCache.keyOf(options.model, request);
      const hit = cache?.get(cacheKey);
      if (hit) {
        spent.cachedCalls++;
        return hit;
      }
      // Identical requests in flight at once (forks, resumed batches) share one call.
      const running = inFlight.get(cacheKey);
      if (running) return running;
      const promise = callWithRetries(request, signal).then((response) => {
        cache?.set(cacheKey, response);
        spent.promptTokens += response.usage.promptTokens;
        spent.completionTokens += response.usage.completionTokens;
        spent.modelCalls++;
        return response;
      });
      inFlight.set(cacheKey, promise);
      try {
        return await promise;
      } finally {
        inFlight.delete(cacheKey);
      }
    },
  };
}

function toLangChain(messages: readonly ChatMessage[]): BaseMessage[] {
  return messages.map((m) => {
    if (m.role === "system") return new SystemMessage(m.content);
    if (m.role === "user") return new HumanMessage(m.content);
    if (m.role === "tool") return new ToolMessage({ content: m.content, tool_call_id: m.toolCallId ?? "", ...(m.name ? { name: m.name } : {}) });
    return new AIMessage({
      content: m.content,
      tool_calls: (m.toolCalls ?? []).map((call) => ({ id: call.id, name: call.name, args: safeArgs(call.arguments), type: "tool_call" as const })),
    });
  });
}

function safeArgs(text: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === "object" ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

interface Classified {
  kind: ModelErrorKind;
  message: string;
  status: number | undefined;
  retryAfterMs: number | undefined;
}

/** What went wrong, from the SDK's error (its status, headers and name), with any key scrubbed. */
function classify(error: unknown, model: string, apiKey: string | undefined): Classified {
  const e = error as { status?: number; name?: string; message?: string; headers?: Headers | Record<string, string>; cause?: unknown; code?: string };
  const status = typeof e.status === "number" ? e.status : undefined;
  const header = e.headers instanceof Headers ? e.headers.get("retry-after") : (e.headers as Record<string, string> | undefined)?.["retry-after"];
  const retryAfterMs = header !== undefined && header !== null && Number.isFinite(Number(header)) ? Number(header) * 1000 : undefined;
  const raw = `${e.name ?? "Error"}: ${e.message ?? String(error)}`;
  const message = apiKey ? raw.split(apiKey).join("[key]") : raw;
  const name = `${e.name ?? ""} ${e.code ?? ""} ${e.message ?? ""}`;
  let kind: ModelErrorKind;
  // LangChain parses json_schema answers itself; a SyntaxError means the model wrote bad JSON.
  if (e.name === "SyntaxError" || /OutputParser/.test(e.name ?? "")) kind = "malformed_output";
  else if (status === 429) kind = "rate_limited";
  else if (status !== undefined && status >= 500) kind = "server_error";
  else if (status === 401 || status === 403) kind = "auth";
  else if (status !== undefined && status >= 400) kind = "bad_request";
  else if (/timeout|timed out|aborted/i.test(name)) kind = "timeout";
  else kind = "connection";
  const hint: Record<ModelErrorKind, string> = {
    rate_limited: "the server is rate limiting; lower --concurrency",
    server_error: "the server failed",
    timeout: "the server did not answer in time",
    connection: "could not reach the server; check --base-url",
    bad_request: "the server rejected the request; check --model",
    auth: "the server refused the key; check OPENAI_API_KEY",
    malformed_output: "the model's answer did not fit the expected shape",
  };
  return { kind, status, retryAfterMs, message: `${model}: ${hint[kind]} (${message.slice(0, 300)})` };
}
