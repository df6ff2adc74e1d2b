import { AIMessage, type BaseMessage, HumanMessage, SystemMessage, ToolMessage } from "@langchain/core/messages";
import type { ChatOpenAICompletions } from "@langchain/openai";
import { VoicesimError } from "../../scenarios/index.ts";
import { MODEL_ERROR_HINTS, ModelCallError, type ModelErrorKind, RETRYABLE_KINDS, scrubSecrets } from "./model-call-error.ts";
import type { ChatMessage, ChatRequest, ChatResponse, ModelClient, ModelToolCall } from "./model-client.ts";
import { ResponseCache } from "./response-cache.ts";
import { backoffDelayMs, retryAfterMs, sleep } from "./retry.ts";
import { countTokens } from "./tokens.ts";

export { ModelCallError } from "./model-call-error.ts";
export type { ModelErrorKind } from "./model-call-error.ts";

export interface ModelClientOptions {
  model: string;
  /** Any OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp); OpenAI's own when omitted. */
  baseUrl?: string;
  /** Defaults to OPENAI_API_KEY; loopback endpoints need none. */
  apiKey?: string;
  /** Per request (each attempt), default 60 s. */
  timeoutMs?: number;
  /** Retries after the first attempt, on 429, 5xx, timeouts and dropped connections; default 3. */
  maxRetries?: number;
  /** First backoff, default 500 ms; doubles each retry (the server's retry-after wins). */
  retryBaseMs?: number;
  /** Longest single wait, retry-after included; default 30 s. */
  maxRetryDelayMs?: number;
  /** Seeds the backoff jitter; default 0. */
  jitterSeed?: number;
  /** Response cache folder; no cache when omitted. */
  cacheDir?: string;
  /** Used when a request sets none. */
  temperature?: number;
  /** How to wait between attempts; tests pass one that records the delays instead of waiting. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

// The OpenAI SDK and @langchain/openai take seconds to import; scripted runs never need them, so
// they load on the first model request, once per process.
let openAiModule: Promise<typeof import("@langchain/openai")> | undefined;
const loadOpenAi = () => (openAiModule ??= import("@langchain/openai"));

const LOOPBACK = /^https?:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?(\/|$)/i;

/** True for endpoints on this machine, which (Ollama, llama.cpp, vLLM) need no key. */
export function isLoopbackUrl(url: string): boolean {
  return LOOPBACK.test(url);
}

/**
 * One configured OpenAI-compatible endpoint: retries with backoff in one place, a response
 * cache, usage from the response. Uses ChatOpenAICompletions, which always speaks
 * /v1/chat/completions (ChatOpenAI may route some models to /v1/responses, which vLLM, Ollama
 * and llama.cpp do not serve).
 */
export function createModelClient(options: ModelClientOptions): ModelClient {
  // An empty variable is no key at all (CI systems often set OPENAI_API_KEY="").
  const apiKey = options.apiKey || process.env.OPENAI_API_KEY || undefined;
  const isLocal = options.baseUrl !== undefined && isLoopbackUrl(options.baseUrl);
  if (!apiKey && !isLocal) {
    throw new VoicesimError("model_config", `no API key for model ${options.model}${options.baseUrl ? ` at ${options.baseUrl}` : ""}`, {
      hint: "set OPENAI_API_KEY, or point --base-url at a local server (Ollama, vLLM, llama.cpp) that needs none",
    });
  }
  const key = apiKey ?? "not-needed-for-local-servers";
  const maxRetries = options.maxRetries ?? 3;
  const backoff = { baseMs: options.retryBaseMs ?? 500, maxMs: options.maxRetryDelayMs ?? 30_000, seed: options.jitterSeed ?? 0 };
  const wait = options.sleep ?? sleep;
  const cache = options.cacheDir ? ResponseCache.open(options.cacheDir) : undefined;
  const inFlight = new Map<string, Promise<ChatResponse>>();
  const models = new Map<string, ChatOpenAICompletions>();
  // Servers without json_schema support (older vLLM, llama.cpp) get json_object plus the schema
  // in the prompt, from the first refusal on, for the rest of this client's life.
  let structuredMode: "json_schema" | "json_object" = "json_schema";

  const modelFor = async (temperature: number | undefined, maxTokens: number | undefined) => {
    const id = `${temperature ?? "default"}|${maxTokens ?? "default"}`;
    let model = models.get(id);
    if (!model) {
      const { ChatOpenAICompletions } = await loadOpenAi();
      model = new ChatOpenAICompletions({
        model: options.model,
        apiKey: key,
        // Retries live here, in one place, so LangChain's and the SDK's are off.
        maxRetries: 0,
        timeout: options.timeoutMs ?? 60_000,
        ...(temperature !== undefined ? { temperature } : {}),
        ...(maxTokens !== undefined ? { maxTokens } : {}),
        configuration: { ...(options.baseUrl ? { baseURL: options.baseUrl } : {}), maxRetries: 0, fetch: fetchWithReadableErrors },
      });
      models.set(id, model);
    }
    return model;
  };

  const callOnce = async (request: ChatRequest, cacheKey: string, signal: AbortSignal | undefined): Promise<ChatResponse> => {
    const model = await modelFor(request.temperature, request.maxTokens);
    const callOptions: Record<string, unknown> = {};
    if (request.tools?.length) callOptions.tools = request.tools;
    let messages = request.messages;
    if (request.jsonSchema) {
      if (structuredMode === "json_schema") {
        callOptions.response_format = { type: "json_schema", json_schema: { name: request.jsonSchema.name, schema: request.jsonSchema.schema, ...(request.jsonSchema.strict !== undefined ? { strict: request.jsonSchema.strict } : {}) } };
      } else {
        callOptions.response_format = { type: "json_object" };
        messages = withSchemaInPrompt(messages, request.jsonSchema.schema);
      }
    }
    if (signal) callOptions.signal = signal;
    const message = await model.invoke(toLangChain(messages), callOptions);
    const content = typeof message.content === "string" ? message.content : message.content.map((part) => ("text" in part ? String(part.text) : "")).join("");
    if (request.jsonSchema && structuredMode === "json_object" && !isJson(content)) {
      throw Object.assign(new SyntaxError("the answer was not JSON"), { name: "SyntaxError" });
    }
    // Local servers sometimes omit ids; they must still be unique within the conversation.
    const idFor = (id: string | undefined, i: number) => id || `call_${cacheKey.slice(0, 12)}_${i}`;
    const toolCalls: ModelToolCall[] = [
      ...(message.tool_calls ?? []).map((call, i) => ({ id: idFor(call.id, i), name: call.name, arguments: JSON.stringify(call.args ?? {}) })),
      // Arguments that are not JSON still reach the tool, which answers invalid_arguments, as a real API would.
      ...(message.invalid_tool_calls ?? []).map((call, i) => ({ id: idFor(call.id, 100 + i), name: call.name ?? "", arguments: call.args ?? "" })),
    ];
    const reported = (message as unknown as { usage_metadata?: { input_tokens?: number; output_tokens?: number } }).usage_metadata;
    const usage = typeof reported?.input_tokens === "number" && typeof reported.output_tokens === "number" ? { input_tokens: reported.input_tokens, output_tokens: reported.output_tokens } : undefined;
    return {
      content,
      toolCalls,
      // A server that reports no usage (some local ones) is counted with the tokenizer instead.
      usage: usage
        ? { promptTokens: usage.input_tokens, completionTokens: usage.output_tokens }
        : { promptTokens: countTokens(messages.map((m) => m.content).join("\n")), completionTokens: countTokens(content + toolCalls.map((c) => c.arguments).join("")) },
      cached: false,
    };
  };

  const callWithRetries = async (request: ChatRequest, cacheKey: string, signal: AbortSignal | undefined): Promise<ChatResponse> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await callOnce(request, cacheKey, signal);
      } catch (error) {
        if (signal?.aborted) throw error;
        const failure = classify(error, apiKey);
        if (failure.kind === "bad_request" && request.jsonSchema && structuredMode === "json_schema" && /response_format|json_schema|structured|schema/i.test(failure.detail)) {
          structuredMode = "json_object";
          attempt--; // not a retry: the same attempt in a form this server accepts
          continue;
        }
        const isRetryable = RETRYABLE_KINDS.has(failure.kind);
        if (!isRetryable || attempt >= maxRetries) {
          const tries = isRetryable ? ` (gave up after ${attempt + 1} attempts)` : "";
          throw new ModelCallError(failure.kind, `${options.model}: ${MODEL_ERROR_HINTS[failure.kind]}${tries}: ${failure.detail}`, failure.status, attempt + 1);
        }
        const delay = Math.min(backoff.maxMs, failure.retryAfterMs ?? backoffDelayMs(attempt, backoff, cacheKey));
        await wait(delay, signal);
      }
    }
  };

  const spent = { promptTokens: 0, completionTokens: 0, modelCalls: 0, cachedCalls: 0 };
  return {
    id: `openai:${options.model}`,
    usage: () => ({ ...spent }),
    async complete(asked, signal) {
      const request = asked.temperature === undefined && options.temperature !== undefined ? { ...asked, temperature: options.temperature } : asked;
      const cacheKey = ResponseCache.keyOf(options.model, request);
      const hit = await cache?.get(cacheKey);
      if (hit) {
        spent.cachedCalls++;
        return hit;
      }
      // Identical requests in flight at once (forks, resumed batches) share one call; the ones
      // that joined count as cached, so tokens are not counted twice.
      const running = inFlight.get(cacheKey);
      if (running) {
        const shared = await running;
        spent.cachedCalls++;
        return { ...shared, cached: true };
      }
      const promise = callWithRetries(request, cacheKey, signal).then((response) => {
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
    if (m.role === "tool") return new ToolMessage({ content: m.content, tool_call_id: m.toolCallId ?? "" });
    return new AIMessage({
      content: m.content,
      tool_calls: (m.toolCalls ?? []).map((call) => ({ id: call.id, name: call.name, args: argsObject(call.arguments), type: "tool_call" as const })),
    });
  });
}

/**
 * fetch, with error bodies put into OpenAI's shape. The SDK reads only `{error: {message}}` and
 * reports anything else as "400 status code (no body)", but vLLM answers `{"object":"error",
 * "message": …}`, and some template errors come as `{"error": "Cannot put tools …"}`: the
 * server's own words are what tell a user what to fix.
 */
async function fetchWithReadableErrors(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const response = await fetch(input, init);
  if (response.ok) return response;
  const text = await response.text();
  const headers = new Headers(response.headers);
  headers.delete("content-length");
  headers.delete("content-encoding");
  return new Response(openAIErrorBody(text), { status: response.status, statusText: response.statusText, headers });
}

/** A server's error body as `{"error": {"message": …}}`; text that is not JSON is kept as it is. */
export function openAIErrorBody(text: string): string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return text;
  }
  if (!body || typeof body !== "object" || Array.isArray(body)) return text;
  const record = body as Record<string, unknown>;
  const error = record.error;
  if (error && typeof error === "object" && !Array.isArray(error) && typeof (error as Record<string, unknown>).message === "string") return text;
  const message = typeof error === "string" ? error : typeof record.message === "string" ? record.message : typeof record.detail === "string" ? record.detail : JSON.stringify(body);
  const extra = error && typeof error === "object" && !Array.isArray(error) ? (error as Record<string, unknown>) : {};
  return JSON.stringify({ error: { ...extra, message, ...(typeof record.type === "string" ? { type: record.type } : {}), ...(record.code !== undefined && typeof record.code !== "object" ? { code: record.code } : {}) } });
}

/** json_object mode has no schema field, so the schema goes into the (first) system message. */
function withSchemaInPrompt(messages: readonly ChatMessage[], schema: Record<string, unknown>): ChatMessage[] {
  const rule = `Answer with one JSON object, and nothing else, that fits this JSON Schema: ${JSON.stringify(schema)}`;
  const first = messages[0];
  // One system message, first: several chat templates (llama.cpp, Ollama) reject any other layout.
  if (first?.role === "system") return [{ ...first, content: `${first.content}\n\n${rule}` }, ...messages.slice(1)];
  return [{ role: "system", content: rule }, ...messages];
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function argsObject(text: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

interface Classified {
  kind: ModelErrorKind;
  /** What the library said, key scrubbed, shortened. */
  detail: string;
  status: number | undefined;
  retryAfterMs: number | undefined;
}

/** What went wrong, from the SDK's error (its status, headers and name), with any key scrubbed. */
function classify(error: unknown, apiKey: string | undefined): Classified {
  const e = (error ?? {}) as { status?: number; name?: string; message?: string; headers?: Headers | Record<string, string>; code?: string; cause?: { code?: string } };
  const status = typeof e.status === "number" ? e.status : undefined;
  const text = `${e.name ?? ""} ${e.code ?? ""} ${e.cause?.code ?? ""} ${e.message ?? ""}`;
  let kind: ModelErrorKind;
  // With json_schema the SDK parses the answer itself; a SyntaxError means the model wrote bad JSON.
  if (e.name === "SyntaxError" || /OutputParser/.test(e.name ?? "")) kind = "malformed_output";
  else if (status === 429) kind = "rate_limited";
  else if (status === 408) kind = "timeout";
  else if (status !== undefined && status >= 500) kind = "server_error";
  else if (status === 401 || status === 403) kind = "auth";
  else if (status !== undefined && status >= 400) kind = "bad_request";
  else if (/timeout|timed out|ETIMEDOUT/i.test(text)) kind = "timeout";
  else kind = "connection";
  const detail = scrubSecrets(`${e.name ?? "Error"}: ${e.message ?? String(error)}`, apiKey).slice(0, 300);
  return { kind, status, retryAfterMs: retryAfterMs(e.headers), detail };
}
