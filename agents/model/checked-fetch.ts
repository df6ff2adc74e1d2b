import { z } from "zod";
import { canSend, type SentAnswer, send } from "./http-send.ts";

/**
 * What the server sent was not a usable chat completion, said in words a user can act on.
 * `incomplete` bodies (cut off mid-JSON) are transport faults worth another attempt; an
 * `unexpected` one (an HTML page, no choices) will not change by asking again.
 */
export class ResponseFault extends Error {
  readonly fault: "incomplete" | "unexpected";
  /** The status the server's own error body named, when a 200 carried one. */
  readonly status: number | undefined;

  constructor(fault: "incomplete" | "unexpected", message: string, status?: number) {
    super(message);
    this.name = "ResponseFault";
    this.fault = fault;
    this.status = status;
  }
}

/** Just enough of a chat completion to know the SDK can read it; the rest passes through. */
const ChatCompletionBody = z.looseObject({
  choices: z.array(z.looseObject({ message: z.looseObject({}) })).min(1),
});

/**
 * fetch for the OpenAI SDK, at the network boundary:
 * - credentials in the base URL (user:pass@) become a Basic Authorization header, as curl does
 *   (fetch refuses such URLs, and its error would print them);
 * - error bodies are put into OpenAI's shape, so the server's own words reach the user;
 * - a successful chat-completions body is read in full here, so the attempt's deadline covers
 *   it, and checked: a torn body, an HTML page or an answer without choices is a ResponseFault
 *   that says what arrived instead of the SDK's "could not reach the server".
 */
export async function checkedFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  // The SDK passes a URL string; a whole Request is sent as it is.
  const target = input instanceof Request ? undefined : targetOf(input.toString());
  const headers = target?.authorization ? withHeader(init?.headers, "authorization", target.authorization) : init?.headers instanceof Headers ? init.headers : new Headers(init?.headers);
  const answer = await sendOrFetch(target ?? (input as Request), init, headers);
  // The body is already decoded text: its length and encoding no longer describe it.
  const kept = answer.headers.filter(([name]) => name !== "content-length" && name !== "content-encoding");
  const isOk = answer.status >= 200 && answer.status < 300;
  if (!isOk) return new TextResponse(openAIErrorBody(answer.text), undefined, { status: answer.status, statusText: answer.statusText, headers: kept });
  let parsed: unknown;
  if (answer.isChatCompletions) parsed = checkChatCompletion(answer.text, kept.find(([name]) => name === "content-type")?.[1] ?? "");
  return new TextResponse(answer.text, parsed, { status: answer.status, statusText: answer.statusText, headers: kept });
}

/**
 * A Response over a body already read as text: `text()` and `json()` answer from the string
 * (or from the body checkChatCompletion already parsed) instead of a web stream over its bytes,
 * which cost more CPU than parsing them. `body` is a stream of the same text for readers that
 * want one.
 */
class TextResponse extends Response {
  readonly #text: string;
  #parsed: unknown;

  constructor(text: string, parsed: unknown, init: ResponseInit) {
    super(null, init);
    this.#text = text;
    this.#parsed = parsed;
  }

  override get body(): Response["body"] {
    return new Response(this.#text).body;
  }

  override text(): Promise<string> {
    return Promise.resolve(this.#text);
  }

  override json(): Promise<unknown> {
    const parsed = this.#parsed;
    if (parsed !== undefined) {
      // Handed out once: a second reader gets its own copy, as from any Response.
      this.#parsed = undefined;
      return Promise.resolve(parsed);
    }
    try {
      return Promise.resolve(JSON.parse(this.#text));
    } catch (error) {
      return Promise.reject(error);
    }
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Where a request goes, worked out once per URL the SDK sends to (it is the same URL call after call). */
interface Target {
  /** The URL without credentials, as sent. */
  url: string;
  parsed: URL;
  /** Basic credentials from the URL's user:pass@, as curl sends them. */
  authorization: string | undefined;
  isChatCompletions: boolean;
}

const targets = new Map<string, Target>();

function targetOf(url: string): Target {
  let target = targets.get(url);
  if (!target) {
    const parsed = new URL(url);
    let authorization: string | undefined;
    if (parsed.username || parsed.password) {
      authorization = `Basic ${Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString("base64")}`;
      parsed.username = "";
      parsed.password = "";
    }
    target = { url: parsed.toString(), parsed, authorization, isChatCompletions: isChatCompletionsPath(parsed.pathname) };
    // A handful of endpoints per process; a bound keeps a program that builds URLs from growing this.
    if (targets.size >= 64) targets.clear();
    targets.set(url, target);
  }
  return target;
}

function isChatCompletionsPath(pathname: string): boolean {
  return /\/chat\/completions\/?$/.test(pathname);
}

function withHeader(init: HeadersInit | undefined, name: string, value: string): Headers {
  const headers = new Headers(init);
  headers.set(name, value);
  return headers;
}

/** node:http for the SDK's JSON requests (see http-send.ts); fetch for anything else and to follow a redirect. */
async function sendOrFetch(target: Target | Request, init: RequestInit | undefined, headers: Headers): Promise<SentAnswer & { isChatCompletions: boolean }> {
  if (!(target instanceof Request) && canSend(target.parsed, init?.body)) {
    const answer = await send(target.parsed, { method: init?.method ?? "GET", headers, body: init?.body ?? undefined, signal: init?.signal });
    if (!REDIRECTS.has(answer.status) || !answer.headers.some(([name]) => name === "location")) return { ...answer, isChatCompletions: target.isChatCompletions };
  }
  const response = await fetch(target instanceof Request ? target : target.url, { ...init, headers });
  const text = await response.text();
  const url = response.url || (target instanceof Request ? target.url : target.url);
  return { status: response.status, statusText: response.statusText, headers: [...response.headers], text, isChatCompletions: isChatCompletionsPath(new URL(url).pathname) };
}

/** The parsed chat completion; throws a ResponseFault unless the text is one the SDK can read. */
export function checkChatCompletion(text: string, contentType: string): unknown {
  if (isHtml(text, contentType)) throw new ResponseFault("unexpected", `the server answered with an HTML page${htmlTitle(text)}, not a chat completion; check --base-url (OpenAI-compatible servers usually end in /v1)`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    if (text.trim() === "") throw new ResponseFault("incomplete", "the server answered with an empty body");
    throw new ResponseFault("incomplete", `the response body was cut off: ${text.length} characters of JSON that never closed`);
  }
  const topError = serverError(body);
  if (topError) throw new ResponseFault("unexpected", `the server answered with an error instead of a completion: ${topError.message}`, topError.status);
  if (!ChatCompletionBody.safeParse(body).success) {
    const choices = body && typeof body === "object" ? (body as { choices?: unknown }).choices : undefined;
    const what = Array.isArray(choices) && choices.length === 0 ? "no choices (an empty list)" : "no choices with a message";
    throw new ResponseFault("unexpected", `the server answered with ${what}: ${text.slice(0, 200)}`);
  }
  return body;
}

/** A server's error body as `{"error": {"message": …}}`; text that is not JSON is kept as it is (an HTML page is named by its title). */
export function openAIErrorBody(text: string): string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return isHtml(text, "") ? JSON.stringify({ error: { message: `an HTML page${htmlTitle(text)} instead of a JSON error` } }) : text;
  }
  if (!body || typeof body !== "object" || Array.isArray(body)) return text;
  const record = body as Record<string, unknown>;
  const error = record.error;
  if (error && typeof error === "object" && !Array.isArray(error) && typeof (error as Record<string, unknown>).message === "string") return text;
  const message = typeof error === "string" ? error : typeof record.message === "string" ? record.message : typeof record.detail === "string" ? record.detail : JSON.stringify(body);
  const extra = error && typeof error === "object" && !Array.isArray(error) ? (error as Record<string, unknown>) : {};
  return JSON.stringify({ error: { ...extra, message, ...(typeof record.type === "string" ? { type: record.type } : {}), ...(record.code !== undefined && typeof record.code !== "object" ? { code: record.code } : {}) } });
}

/** A top-level `error` in a 200 body (gateways relay upstream failures that way), with the status it names, if any. */
function serverError(body: unknown): { message: string; status: number | undefined } | undefined {
  if (!body || typeof body !== "object" || Array.isArray(body)) return undefined;
  const error = (body as Record<string, unknown>).error;
  if (typeof error === "string" && error) return { message: error, status: undefined };
  if (!error || typeof error !== "object" || Array.isArray(error)) return undefined;
  const record = error as Record<string, unknown>;
  const message = typeof record.message === "string" ? record.message : JSON.stringify(error);
  const code = typeof record.code === "number" ? record.code : typeof record.status === "number" ? record.status : Number.NaN;
  return { message, status: Number.isInteger(code) && code >= 400 && code < 600 ? code : undefined };
}

function isHtml(text: string, contentType: string): boolean {
  return /text\/html/i.test(contentType) || /^\s*<(!doctype|html|head|body)\b/i.test(text);
}

function htmlTitle(text: string): string {
  const title = /<title[^>]*>([^<]{1,120})<\/title>/i.exec(text)?.[1]?.trim();
  return title ? ` ("${title}")` : "";
}
