import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A request as the server received it (chat completions, or any other route it was sent). */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: {
    model: string;
    messages: Array<{ role: string; content: string | null; tool_calls?: Array<{ id: string; type: string; function: { name: string; arguments: string } }>; tool_call_id?: string; name?: string }>;
    tools?: Array<{ type: string; function: { name: string; parameters?: unknown; strict?: boolean } }>;
    response_format?: { type: string; json_schema?: { name: string; schema: unknown; strict?: boolean } };
    temperature?: number;
    stream?: boolean;
    [key: string]: unknown;
  };
}

/** A normal answer: assistant content and/or tool calls (arguments as an object, or a raw string sent as is). */
export interface FakeAnswer {
  content?: string;
  toolCalls?: Array<{ name: string; arguments: Record<string, unknown> | string; id?: string }>;
  /** Defaults to an estimate from the request size; `null` leaves usage out (as some local servers do). */
  usage?: { prompt: number; completion: number } | null;
  finishReason?: "stop" | "tool_calls" | "length" | "content_filter";
  delayMs?: number;
}

/** An error in OpenAI's body shape: `{ error: { message, type, param, code } }`. */
export interface FakeError {
  status: number;
  message?: string;
  type?: string;
  code?: string | null;
  param?: string | null;
  /** Sent as `retry-after` (seconds, may be fractional). */
  retryAfterSeconds?: number;
  /** Sent as `retry-after-ms`, as OpenAI does. */
  retryAfterMs?: number;
  /** Any other headers, e.g. `retry-after` as an HTTP date. */
  headers?: Record<string, string>;
  delayMs?: number;
}

/**
 * Protocol trouble: a raw body (e.g. torn JSON) with a status, a connection dropped without
 * answer, or `respond`, which writes the response itself (a stalled body, a reset mid-body).
 */
export type FakeTrouble =
  | { raw: string; status?: number; contentType?: string; headers?: Record<string, string>; delayMs?: number }
  | { dropConnection: true; delayMs?: number }
  | { respond: (res: ServerResponse) => void | Promise<void>; delayMs?: number };

/** What the fake answers one chat-completions request with. */
export type FakeReply = FakeAnswer | FakeError | FakeTrouble;

export type FakeHandler = (request: RecordedRequest, index: number) => FakeReply | Promise<FakeReply>;

export interface FakeOpenAIServer {
  /** e.g. http://127.0.0.1:41234/v1 */
  baseUrl: string;
  /** Chat-completions requests, in arrival order (what `index` counts). */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export interface FakeServerOptions {
  /** Listed by GET /v1/models. */
  models?: string[];
  /**
   * How long an idle kept-alive connection stays open (node's default is 5 s). The bench raises
   * it: on a loaded machine a client that reuses a socket just as the server closes it fails
   * with "other side closed", and peers run with retries off.
   */
  keepAliveTimeoutMs?: number;
}

/**
 * An OpenAI-compatible server on loopback for tests: answers POST /v1/chat/completions the way
 * OpenAI does (assistant content, tool_calls with JSON-string arguments, usage, error bodies with
 * retry-after, slow answers, dropped connections) and GET /v1/models, so the real client library
 * is exercised end to end without the internet. Give it a handler (it gets the parsed request,
 * so it can answer by content) or a list of replies (the last one repeats).
 */
export async function startFakeOpenAIServer(handler: FakeHandler | FakeReply[], options: FakeServerOptions = {}): Promise<FakeOpenAIServer> {
  const requests: RecordedRequest[] = [];
  const replyFor: FakeHandler = Array.isArray(handler) ? (_request, index) => handler[Math.min(index, handler.length - 1)] ?? { content: "" } : handler;
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = req.url ?? "/";
    // Routes match without the query (clients may send ?api-version=… and the like).
    const route = path.split("?")[0] ?? "/";
    if (req.method === "GET" && /\/v1\/models\/?$/.test(route)) {
      const ids = options.models ?? ["fake-model"];
      send(res, 200, { object: "list", data: ids.map((id) => ({ id, object: "model", created: 1_773_000_000, owned_by: "voicesim-tests" })) });
      return;
    }
    if (req.method !== "POST" || !/\/v1\/chat\/completions\/?$/.test(route)) {
      send(res, 404, errorBody(`Unknown request URL: ${req.method} ${path}`, "invalid_request_error", "unknown_url", null));
      return;
    }
    let body: RecordedRequest["body"];
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as RecordedRequest["body"];
    } catch {
      send(res, 400, errorBody("We could not parse the JSON body of your request.", "invalid_request_error", null, null));
      return;
    }
    const index = requests.length;
    requests.push({ method: req.method, path, headers: req.headers, body });
    if (body.stream) {
      send(res, 400, errorBody("The fake server does not stream; send stream: false.", "invalid_request_error", null, "stream"));
      return;
    }
    const reply = await replyFor(requests[index] as RecordedRequest, index);
    if (reply.delayMs) await new Promise((done) => setTimeout(done, reply.delayMs));
    if (res.destroyed) return;
    if ("dropConnection" in reply) {
      res.socket?.destroy();
      return;
    }
    if ("respond" in reply) {
      await reply.respond(res);
      return;
    }
    if ("raw" in reply) {
      res.writeHead(reply.status ?? 200, { "content-type": reply.contentType ?? "application/json", ...reply.headers });
      res.end(reply.raw);
      return;
    }
    if ("status" in reply) {
      const headers: Record<string, string> = { ...reply.headers };
      if (reply.retryAfterSeconds !== undefined) headers["retry-after"] = String(reply.retryAfterSeconds);
      if (reply.retryAfterMs !== undefined) headers["retry-after-ms"] = String(reply.retryAfterMs);
      const type = reply.type ?? (reply.status === 429 ? "rate_limit_error" : reply.status >= 500 ? "server_error" : reply.status === 401 ? "authentication_error" : "invalid_request_error");
      send(res, reply.status, errorBody(reply.message ?? `fake error ${reply.status}`, type, reply.code ?? null, reply.param ?? null), headers);
      return;
    }
    const toolCalls = (reply.toolCalls ?? []).map((call, i) => ({
      id: call.id ?? `call_fake_${index}_${i}`,
      type: "function",
      function: { name: call.name, arguments: typeof call.arguments === "string" ? call.arguments : JSON.stringify(call.arguments) },
    }));
    const usage = reply.usage === undefined ? { prompt: Math.round(50 + JSON.stringify(body.messages).length / 4), completion: 10 } : reply.usage;
    send(res, 200, {
      id: `chatcmpl-fake-${index}`,
      object: "chat.completion",
      created: 1_773_000_000,
      model: body.model,
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: reply.content ?? (toolCalls.length ? null : ""), refusal: null, ...(toolCalls.length ? { tool_calls: toolCalls } : {}) },
          logprobs: null,
          finish_reason: reply.finishReason ?? (toolCalls.length ? "tool_calls" : "stop"),
        },
      ],
      ...(usage ? { usage: { prompt_tokens: usage.prompt, completion_tokens: usage.completion, total_tokens: usage.prompt + usage.completion } } : {}),
    });
  });
  if (options.keepAliveTimeoutMs !== undefined) server.keepAliveTimeout = options.keepAliveTimeoutMs;
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

function errorBody(message: string, type: string, code: string | null, param: string | null) {
  return { error: { message, type, param, code } };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}
