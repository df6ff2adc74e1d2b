import { AIMessage, type BaseMessage, HumanMessage, SystemMessage, ToolMessage } from "@langchain/core/messages";
import type { ChatOpenAICompletions } from "@langchain/openai";
import { AsyncCaller } from "@langchain/core/utils/async_caller";
import { VoicesimError } from "../../scenarios/index.ts";
import { checkedFetch, ResponseFault } from "./checked-fetch.ts";
import { MODEL_ERROR_HINTS, ModelCallError, type ModelErrorKind, RETRYABLE_KINDS } from "./model-call-error.ts";
import type { ChatMessage, ChatRequest, ChatResponse, ModelClient, ModelToolCall } from "./model-client.ts";
import { ResponseCache } from "./response-cache.ts";
import { backoffDelayMs, retryAfterMs, sleep } from "./retry.ts";
import { redactUrl, secretScrubber, secretsInUrl } from "../../scenarios/index.ts";
import { countTokens } from "./tokens.ts";
import { isTracingRequested } from "./tracing.ts";

export { ModelCallError } from "./model-call-error.ts";
export type { ModelErrorKind } from "./model-call-error.ts";

export interface ModelClientOptions {
  model: string;
  /** Any OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp); OpenAI's own when omitted. */
  baseUrl?: string;
  /** Defaults to OPENAI_API_KEY; loopback endpoints need none. */
  apiKey?: string;
  /** Per attempt, the whole response (headers and body), default 60 s. */
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
  /** Extra request headers (a gateway's team token); never logged, cached or written to a manifest. */
  headers?: Record<string, string>;
  /** How to wait between attempts; tests pass one that records the delays instead of waiting. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /**
   * Runs an attempt's clock: resolves when `timeoutMs` is up, and is abandoned (its signal
   * aborts) when the attempt ends first. A real timer by default; tests end it on cue.
   */
  attemptTimer?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** The wall clock, for retry-after given as an HTTP date; Date.now by default. */
  now?: () => number;
  /**
   * Stops every request and retry wait of this client (a run's Ctrl-C), on top of the signal a
   * single call passes: stages that pass none (generate, critique, judge, rewrite) stop too.
   */
  signal?: AbortSignal;
}

// The OpenAI SDK and @langchain/openai take seconds to import; scripted runs never need them, so
// they load on the first model request, once per process.
let openAiModule: Promise<typeof import("@langchain/openai")> | undefined;
const loadOpenAi = () => (openAiModule ??= import("@langchain/openai"));

const LOOPBACK_HOST = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/i;

/** True for endpoints on this machine, which (Ollama, llama.cpp, vLLM) need no key. */
export function isLoopbackUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    // The host as URL reads it: "http://localhost@evil.example" is not this machine.
    return /^https?:$/.test(parsed.protocol) && LOOPBACK_HOST.test(parsed.hostname);
  } catch {
    return false;
  }
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
  // Credentials in the URL (user:pass@, ?api_key=) count as a key, and as secrets to scrub.
  const urlSecrets = options.baseUrl ? secretsInUrl(options.baseUrl) : [];
  if (!apiKey && !isLocal && urlSecrets.length === 0) {
    throw new VoicesimError("model_config", `no API key for model ${options.model}${options.baseUrl ? ` at ${redactUrl(options.baseUrl)}` : ""}`, {
      hint: "set OPENAI_API_KEY, or point --base-url at a local server (Ollama, vLLM, llama.cpp) that needs none",
    });
  }
  const timeoutMs = options.timeoutMs ?? 60_000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new VoicesimError("bad_option", `the model timeout must be a positive number of milliseconds, not ${String(options.timeoutMs)}`, { hint: "e.g. --timeout 60000" });
  }
  const key = apiKey ?? "not-needed-for-local-servers";
  const scrub = secretScrubber([apiKey, ...urlSecrets]);
  const now = options.now ?? Date.now;
  const endpoint = options.baseUrl ? splitQuery(options.baseUrl) : {};
  const maxRetries = options.maxRetries ?? 3;
  const backoff = { baseMs: options.retryBaseMs ?? 500, maxMs: options.maxRetryDelayMs ?? 30_000, seed: options.jitterSeed ?? 0 };
  const wait = options.sleep ?? sleep;
  const cache = options.cacheDir ? ResponseCache.open(options.cacheDir) : undefined;
  const inFlight = new Map<string, Promise<ChatResponse>>();
  const clientStops: Stops = options.signal ? [options.signal] : [];
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
        // The SDK's own timer; the attempt's deadline (attemptWithDeadline) is what covers a stalled body.
        timeout: timeoutMs,
        ...(temperature !== undefined ? { temperature } : {}),
        ...(maxTokens !== undefined ? { maxTokens } : {}),
        configuration: { ...endpoint, ...(options.headers ? { defaultHeaders: options.headers } : {}), maxRetries: 0, fetch: checkedFetch },
      });
      // Retries are ours (callWithRetries), so LangChain's queue and retry wrapper around each
      // request would only cost CPU: the request runs as it is.
      model.caller = directCaller();
      models.set(id, model);
    }
    return model;
  };

  /**
   * One attempt under its own deadline: a server that sends headers and then stalls the body is
   * cut off after `timeoutMs` like one that never answers, and the caller's abort ends it at once.
   */
  const attemptWithDeadline = async (request: ChatRequest, cacheKey: string, stops: Stops): Promise<ChatResponse> => {
    const stopped = stoppedBy(stops);
    if (stopped) throw stopped.reason ?? new Error("aborted");
    const attempt = new AbortController();
    const onAbort = (event: Event) => attempt.abort((event.target as AbortSignal).reason);
    for (const stop of stops) stop.addEventListener("abort", onAbort, { once: true });
    let hasTimedOut = false;
    const timeOut = () => {
      hasTimedOut = true;
      attempt.abort(new AttemptTimeout(timeoutMs));
    };
    // A plain timer unless a test brings its own clock: a second AbortController and a promise
    // per attempt were a visible share of a request's CPU at a few hundred requests a second.
    const endClock = options.attemptTimer ? startTestClock(options.attemptTimer, timeoutMs, timeOut) : startTimer(timeoutMs, timeOut);
    try {
      return await callOnce(request, cacheKey, attempt.signal);
    } catch (error) {
      if (hasTimedOut && !stoppedBy(stops)) throw new AttemptTimeout(timeoutMs);
      throw error;
    } finally {
      endClock();
      for (const stop of stops) stop.removeEventListener("abort", onAbort);
    }
  };

  const callOnce = async (request: ChatRequest, cacheKey: string, signal: AbortSignal): Promise<ChatResponse> => {
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
    callOptions.signal = signal;
    const message = await generate(model, toLangChain(messages), callOptions);
    // A server that echoes the key (or a URL credential) must not get it into a transcript or the cache.
    const content = scrub(typeof message.content === "string" ? message.content : message.content.map((part) => ("text" in part ? String(part.text) : "")).join(""));
    if (request.jsonSchema && structuredMode === "json_object" && !isJson(content)) {
      throw Object.assign(new SyntaxError("the answer was not JSON"), { name: "SyntaxError" });
    }
    // Local servers sometimes omit ids; they must still be unique within the conversation.
    const idFor = (id: string | undefined, i: number) => id || `call_${cacheKey.slice(0, 12)}_${i}`;
    const toolCalls: ModelToolCall[] = [
      ...(message.tool_calls ?? []).map((call, i) => ({ id: idFor(call.id, i), name: scrub(call.name), arguments: scrub(JSON.stringify(call.args ?? {})) })),
      // Arguments that are not JSON still reach the tool, which answers invalid_arguments, as a real API would.
      ...(message.invalid_tool_calls ?? []).map((call, i) => ({ id: idFor(call.id, 100 + i), name: scrub(call.name ?? ""), arguments: scrub(call.args ?? "") })),
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

  const callWithRetries = async (request: ChatRequest, cacheKey: string, stops: Stops): Promise<ChatResponse> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await attemptWithDeadline(request, cacheKey, stops);
      } catch (error) {
        if (stoppedBy(stops)) throw error;
        const failure = classify(error, scrub, now);
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
        await wait(delay, stops.length > 1 ? AbortSignal.any([...stops]) : stops[0]);
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
        // A cache written before answers were scrubbed may still hold an echoed secret.
        return { ...hit, content: scrub(hit.content), toolCalls: hit.toolCalls.map((call) => ({ ...call, name: scrub(call.name), arguments: scrub(call.arguments) })) };
      }
      // Identical requests in flight at once (forks, resumed batches) share one call; the ones
      // that joined count as cached, so tokens are not counted twice.
      const running = inFlight.get(cacheKey);
      if (running) {
        const shared = await running;
        spent.cachedCalls++;
        return { ...shared, cached: true };
      }
      // Both signals are listened to as they are: AbortSignal.any per request was a composite
      // signal, tracked by weak references, for each of hundreds of requests a second.
      const stops = signal ? (options.signal ? [signal, options.signal] : [signal]) : clientStops;
      const promise = callWithRetries(request, cacheKey, stops).then((response) => {
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

const ATTEMPT_ENDED = "attempt ended";

/** What can stop a request: the call's signal and the client's (a run's Ctrl-C), when given. */
type Stops = readonly AbortSignal[];

function stoppedBy(stops: Stops): AbortSignal | undefined {
  for (const stop of stops) if (stop.aborted) return stop;
  return undefined;
}

/**
 * LangChain's AsyncCaller without its queue and retry loop: a promise queue, a p-retry wrapper and
 * a race per request, for retries that are off here (maxRetries 0) and concurrency that is not
 * limited. Errors reach callWithRetries as the SDK threw them.
 */
function directCaller(): AsyncCaller {
  const caller = new AsyncCaller({ maxRetries: 0 });
  caller.call = (callable, ...args) => callable(...args);
  caller.callWithOptions = (_options, callable, ...args) => callable(...args);
  return caller;
}

/** An attempt's deadline on a plain timer; the returned function ends it. */
function startTimer(ms: number, onTimeout: () => void): () => void {
  const timer = setTimeout(onTimeout, ms);
  return () => clearTimeout(timer);
}

/** An attempt's deadline on an injected clock (tests), abandoned through its signal. */
function startTestClock(attemptTimer: (ms: number, signal: AbortSignal) => Promise<void>, ms: number, onTimeout: () => void): () => void {
  const clock = new AbortController();
  attemptTimer(ms, clock.signal).then(
    () => {
      if (!clock.signal.aborted) onTimeout();
    },
    () => {},
  );
  // A plain reason: abort() without one builds a DOMException (a stack trace) per attempt.
  return () => clock.abort(ATTEMPT_ENDED);
}

// Read once, as LangSmith documents tracing variables as set before a process starts.
const isTracing = isTracingRequested();

/**
 * One completion through ChatOpenAICompletions. With tracing off and no callbacks of ours,
 * `invoke` spent most of its own time on things nobody reads here: a callback manager, run ids,
 * copies of the config, the tracing parameters. `_generate` (public in BaseChatModel's types) is
 * what `invoke` ends in for a non-streaming call with these options: the same message
 * conversion, request, SDK client and answer. With tracing requested the library's own path runs.
 */
async function generate(model: ChatOpenAICompletions, messages: BaseMessage[], callOptions: Record<string, unknown>): Promise<AIMessage> {
  if (isTracing) return (await model.invoke(messages, callOptions)) as AIMessage;
  const result = await model._generate(messages, { ...callOptions, promptIndex: 0 } as Parameters<ChatOpenAICompletions["_generate"]>[1]);
  const message = result.generations[0]?.message;
  if (!message) throw new ResponseFault("unexpected", "the server answered with no choices");
  return message as AIMessage;
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
 * The SDK appends the route to the base URL as a string, so a query (`?api_key=…`,
 * `?api-version=…`) would end up before it; it goes in `defaultQuery`, sent with every request.
 */
function splitQuery(baseUrl: string): { baseURL: string; defaultQuery?: Record<string, string> } {
  const at = baseUrl.indexOf("?");
  if (at < 0) return { baseURL: baseUrl };
  return { baseURL: baseUrl.slice(0, at), defaultQuery: Object.fromEntries(new URLSearchParams(baseUrl.slice(at + 1))) };
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

/** The attempt ran out of time (headers or body), as the caller's timeout defines it. */
class AttemptTimeout extends Error {
  constructor(ms: number) {
    super(`no complete answer within ${ms} ms`);
    this.name = "TimeoutError";
  }
}

/** The first ResponseFault in an error's chain of causes (the SDK wraps what fetch throws). */
function responseFaultIn(error: unknown): ResponseFault | undefined {
  for (let e: unknown = error, depth = 0; e && typeof e === "object" && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof ResponseFault) return e;
  }
  return undefined;
}

/** What went wrong, from the SDK's error (its status, headers and name), with secrets scrubbed. */
function classify(error: unknown, scrub: (text: string) => string, now: () => number): Classified {
  const fault = responseFaultIn(error);
  if (fault) {
    // A 200 that carried an upstream error with a status is that error; otherwise say what arrived.
    const kind: ModelErrorKind = fault.status !== undefined ? kindOfStatus(fault.status) : fault.fault === "incomplete" ? "incomplete_response" : "unexpected_response";
    return { kind, status: fault.status, retryAfterMs: undefined, detail: scrub(fault.message).slice(0, 300) };
  }
  const e = (error ?? {}) as { status?: number; name?: string; message?: string; headers?: Headers | Record<string, string>; code?: string; cause?: { code?: string } };
  const status = typeof e.status === "number" ? e.status : undefined;
  const text = `${e.name ?? ""} ${e.code ?? ""} ${e.cause?.code ?? ""} ${e.message ?? ""}`;
  let kind: ModelErrorKind;
  // With json_schema the SDK parses the answer itself; a SyntaxError means the model wrote bad JSON.
  if (e.name === "SyntaxError" || /OutputParser/.test(e.name ?? "")) kind = "malformed_output";
  else if (status !== undefined) kind = kindOfStatus(status);
  else if (/timeout|timed out|ETIMEDOUT/i.test(text)) kind = "timeout";
  else kind = "connection";
  const detail = scrub(`${e.name ?? "Error"}: ${e.message ?? String(error)}`).slice(0, 300);
  return { kind, status, retryAfterMs: retryAfterMs(e.headers, now), detail };
}

function kindOfStatus(status: number): ModelErrorKind {
  if (status === 429) return "rate_limited";
  if (status === 408) return "timeout";
  if (status >= 500) return "server_error";
  if (status === 401 || status === 403) return "auth";
  return "bad_request";
}
