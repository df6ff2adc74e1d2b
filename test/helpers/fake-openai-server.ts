import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A chat-completions request as the server received it. */
export interface RecordedRequest {
  path: string;
  headers: IncomingMessage["headers"];
  body: {
    model: string;
    messages: Array<{ role: string; content: string | null; tool_calls?: unknown[]; tool_call_id?: string }>;
    tools?: Array<{ type: string; function: { name: string } }>;
    response_format?: { type: string; json_schema?: { name: string; schema: unknown } };
    temperature?: number;
    [key: string]: unknown;
  };
}

/** What the fake answers one request with. */
export type FakeReply =
  | { content?: string; toolCalls?: Array<{ name: string; arguments: Record<string, unknown> | string; id?: string }>; usage?: { prompt: number; completion: number }; delayMs?: number }
  | { status: 429 | 500 | 503 | 400 | 401; message?: string; retryAfterSeconds?: number; delayMs?: number };

export type FakeHandler = (request: RecordedRequest, index: number) => FakeReply;

export interface FakeOpenAIServer {
  /** e.g. http://127.0.0.1:41234/v1 */
  baseUrl: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/**
 * An OpenAI-compatible server on loopback for tests: answers POST /v1/chat/completions the way
 * OpenAI does (assistant content, tool_calls with JSON-string arguments, usage, error bodies with
 * retry-after), so the real client library is exercised end to end without the internet.
 */
export async function startFakeOpenAIServer(handler: FakeHandler | FakeReply[]): Promise<FakeOpenAIServer> {
  const requests: RecordedRequest[] = [];
  const replyFor: FakeHandler = Array.isArray(handler) ? (_request, index) => handler[Math.min(index, handler.length - 1)] ?? { content: "" } : handler;
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method === "GET" && req.url?.endsWith("/models")) {
      send(res, 200, { object: "list", data: [{ id: "fake-model", object: "model", owned_by: "voicesim-tests" }] });
      return;
    }
    if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) {
      send(res, 404, { error: { message: `no route ${req.method} ${req.url}`, type: "invalid_request_error" } });
      return;
    }
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as RecordedRequest["body"];
    const request: RecordedRequest = { path: req.url, headers: req.headers, body };
    const index = requests.length;
    requests.push(request);
    const reply = replyFor(request, index);
    if (reply.delayMs) await new Promise((done) => setTimeout(done, reply.delayMs));
    if (res.destroyed) return;
    if ("status" in reply) {
      const headers: Record<string, string> = reply.retryAfterSeconds !== undefined ? { "retry-after": String(reply.retryAfterSeconds) } : {};
      send(res, reply.status, { error: { message: reply.message ?? `fake error ${reply.status}`, type: reply.status === 429 ? "rate_limit_error" : "server_error", code: null } }, headers);
      return;
    }
    const toolCalls = (reply.toolCalls ?? []).map((call, i) => ({
      id: call.id ?? `call_fake_${index}_${i}`,
      type: "function",
      function: { name: call.name, arguments: typeof call.arguments === "string" ? call.arguments : JSON.stringify(call.arguments) },
    }));
    const usage = reply.usage ?? { prompt: 50 + JSON.stringify(body.messages).length / 4, completion: 10 };
    send(res, 200, {
      id: `chatcmpl-fake-${index}`,
      object: "chat.completion",
      created: 1_773_000_000,
      model: body.model,
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: reply.content ?? (toolCalls.length ? null : ""), ...(toolCalls.length ? { tool_calls: toolCalls } : {}) },
          finish_reason: toolCalls.length ? "tool_calls" : "stop",
        },
      ],
      usage: { prompt_tokens: Math.round(usage.prompt), completion_tokens: usage.completion, total_tokens: Math.round(usage.prompt) + usage.completion },
    });
  });
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

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}
