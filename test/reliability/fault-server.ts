import type { ServerResponse } from "node:http";
import { type FakeAnswer, type FakeOpenAIServer, type FakeReply, type RecordedRequest, startFakeOpenAIServer } from "../helpers/fake-openai-server.ts";

/** One misbehaviour of an OpenAI-compatible server, as seen on real networks and gateways. */
export type Fault =
  /** Headers and the first bytes of a body, then nothing: the socket stays open. */
  | { kind: "stall" }
  /** A 200 whose JSON body is cut in half (properly framed: the HTTP message itself is complete). */
  | { kind: "truncated" }
  /** The connection dropped before any answer. */
  | { kind: "reset" }
  /** Headers and part of the body, then the socket destroyed. */
  | { kind: "reset_mid_body" }
  /** 429 with one form of retry-after. */
  | { kind: "rate_limited"; retryAfter: { seconds: number } | { ms: number } | { date: string } }
  /** An error status with OpenAI's error body; the message may quote what the client sent. */
  | { kind: "server_error"; status: number; message?: string }
  /** A 400 whose message repeats the request's path, query and Authorization header, as verbose gateways do. */
  | { kind: "echo_credentials" }
  /** A 200 with `choices: []`, and the gateway's top-level error when given. */
  | { kind: "empty_choices"; error?: { message: string; code?: number | string } }
  /** A proxy's or a web UI's HTML page instead of JSON. */
  | { kind: "html"; status: number; title: string }
  /** Echoes the bearer key back in the assistant's words, without its `sk-` prefix. */
  | { kind: "echo_key" }
  | ({ kind: "answer" } & FakeAnswer);

export interface FaultServer extends FakeOpenAIServer {
  /** Resolves when the next stalled body starts (headers sent, body held back). */
  nextStall(signal?: AbortSignal): Promise<void>;
  /** Stalled responses whose connection the client has since closed. */
  readonly abandonedStalls: number;
}

/** A chat completion body as OpenAI sends it. */
export function completionBody(content: string, index = 0): string {
  return JSON.stringify({
    id: `chatcmpl-fault-${index}`,
    object: "chat.completion",
    created: 1_773_000_000,
    model: "fake-model",
    choices: [{ index: 0, message: { role: "assistant", content, refusal: null }, logprobs: null, finish_reason: "stop" }],
    usage: { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25 },
  });
}

/**
 * An OpenAI-compatible server on loopback that answers each chat-completions request with the
 * next fault of a script (the last one repeats) or of a function of the request. Built on the
 * shared fake server, so normal answers look exactly as elsewhere in the tests.
 */
export async function startFaultServer(script: Fault[] | ((request: RecordedRequest, index: number) => Fault)): Promise<FaultServer> {
  const stallWaiters = new Set<() => void>();
  let abandonedStalls = 0;
  const pick = Array.isArray(script) ? (_request: RecordedRequest, index: number) => script[Math.min(index, script.length - 1)] ?? { kind: "answer" as const, content: "" } : script;
  const reply = (request: RecordedRequest, index: number): FakeReply => {
    const fault = pick(request, index);
    switch (fault.kind) {
      case "stall":
        return {
          respond: (res: ServerResponse) => {
            res.on("close", () => abandonedStalls++);
            res.writeHead(200, { "content-type": "application/json" });
            res.write(completionBody("never finished", index).slice(0, 40));
            for (const wake of [...stallWaiters]) wake();
          },
        };
      case "truncated": {
        const body = completionBody("cut off", index);
        return { raw: body.slice(0, Math.floor(body.length / 2)) };
      }
      case "reset":
        return { dropConnection: true };
      case "reset_mid_body":
        return {
          respond: (res: ServerResponse) => {
            const body = completionBody("torn", index);
            res.writeHead(200, { "content-type": "application/json", "content-length": String(body.length) });
            res.write(body.slice(0, 30), () => res.socket?.destroy());
          },
        };
      case "rate_limited": {
        const after = fault.retryAfter;
        if ("seconds" in after) return { status: 429, retryAfterSeconds: after.seconds };
        if ("ms" in after) return { status: 429, retryAfterMs: after.ms };
        return { status: 429, headers: { "retry-after": after.date } };
      }
      case "server_error":
        return { status: fault.status, message: fault.message ?? `upstream failure ${fault.status}` };
      case "echo_credentials":
        return { status: 400, message: `cannot route ${request.path} (authorization: ${String(request.headers.authorization ?? "none")})` };
      case "empty_choices":
        return { raw: JSON.stringify({ id: `chatcmpl-empty-${index}`, object: "chat.completion", choices: [], ...(fault.error ? { error: fault.error } : {}) }) };
      case "html":
        return { raw: `<!DOCTYPE html><html><head><title>${fault.title}</title></head><body><h1>${fault.title}</h1></body></html>`, status: fault.status, contentType: "text/html; charset=utf-8" };
      case "echo_key": {
        const bearer = /^Bearer (.+)$/.exec(String(request.headers.authorization ?? ""))?.[1] ?? "";
        return { content: `Your account key is ${bearer.replace(/^sk-/, "")}, and how can I help?` };
      }
      case "answer": {
        const { kind: _kind, ...answer } = fault;
        return answer;
      }
    }
  };
  const server = await startFakeOpenAIServer(reply);
  return {
    ...server,
    get abandonedStalls() {
      return abandonedStalls;
    },
    nextStall(signal) {
      return new Promise<void>((resolve, reject) => {
        const wake = () => {
          stallWaiters.delete(wake);
          resolve();
        };
        stallWaiters.add(wake);
        signal?.addEventListener("abort", () => {
          stallWaiters.delete(wake);
          reject(signal.reason);
        });
      });
    },
  };
}
