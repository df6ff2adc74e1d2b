import { Agent as HttpAgent, type IncomingHttpHeaders, type IncomingMessage, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";

/** A whole HTTP answer: what checkedFetch needs to check it and hand the SDK a Response. */
export interface SentAnswer {
  status: number;
  statusText: string;
  /** Lower-case names as pairs, which a Response takes as they are (no Headers object in between). */
  headers: Array<[string, string]>;
  text: string;
}

/** What a model request is: a method, headers and (for chat completions) a JSON text body. */
export interface Outgoing {
  method: string;
  headers: Headers;
  body: string | undefined;
  signal: AbortSignal | null | undefined;
}

// Kept-alive sockets per process, freed after 4 s idle (undici's default, below the 5 s most
// servers keep an idle connection): a model request reuses a warm connection.
const agents = {
  "http:": new HttpAgent({ keepAlive: true, timeout: 4_000 }),
  "https:": new HttpsAgent({ keepAlive: true, timeout: 4_000 }),
};

/**
 * True when `send` can carry this request: http(s) and a text body or none. The OpenAI SDK
 * sends every chat completion that way; anything else (a stream, a form) goes through fetch.
 */
export function canSend(url: URL, body: unknown): body is string | undefined {
  return (url.protocol === "http:" || url.protocol === "https:") && (body === undefined || body === null || typeof body === "string");
}

/**
 * One request over node:http with a kept-alive socket, the whole body read. fetch (undici) spent
 * more CPU than the rest of a model request together: web streams for a body of a few kB, a
 * request clone, per-chunk promises. Errors are fetch's: an abort rejects with the signal's
 * reason, a network failure with TypeError("fetch failed") whose cause is the socket's error.
 */
export function send(url: URL, outgoing: Outgoing): Promise<SentAnswer> {
  const { signal } = outgoing;
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  return new Promise<SentAnswer>((resolve, reject) => {
    const headers: Record<string, string> = {};
    outgoing.headers.forEach((value, name) => {
      headers[name] = value;
    });
    if (outgoing.body !== undefined) headers["content-length"] = String(Buffer.byteLength(outgoing.body));
    headers["accept-encoding"] ??= "gzip, deflate, br";
    const isHttps = url.protocol === "https:";
    const request = (isHttps ? httpsRequest : httpRequest)(url, { method: outgoing.method, headers, agent: isHttps ? agents["https:"] : agents["http:"] });
    let isSettled = false;
    const fail = (error: unknown) => {
      if (isSettled) return;
      isSettled = true;
      signal?.removeEventListener("abort", onAbort);
      reject(error);
    };
    const onAbort = () => {
      request.destroy();
      fail(abortReason(signal));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    request.on("error", (error) => fail(signal?.aborted ? abortReason(signal) : new TypeError("fetch failed", { cause: error })));
    request.on("response", (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("error", (error) => fail(signal?.aborted ? abortReason(signal) : new TypeError("terminated", { cause: error })));
      response.on("end", () => {
        if (isSettled) return;
        let text: string;
        try {
          text = decoded(Buffer.concat(chunks), response.headers["content-encoding"]).toString("utf8");
        } catch (error) {
          fail(new TypeError("terminated", { cause: error }));
          return;
        }
        isSettled = true;
        signal?.removeEventListener("abort", onAbort);
        resolve({ status: response.statusCode ?? 0, statusText: response.statusMessage ?? "", headers: headerPairs(response.headers), text });
      });
    });
    request.end(outgoing.body);
  });
}

function abortReason(signal: AbortSignal | null | undefined): unknown {
  return signal?.reason ?? new DOMException("This operation was aborted", "AbortError");
}

function decoded(body: Buffer, encoding: string | undefined): Buffer {
  if (!encoding || body.length === 0) return body;
  const name = encoding.trim().toLowerCase();
  if (name === "gzip" || name === "x-gzip") return gunzipSync(body);
  if (name === "deflate") return inflateSync(body);
  if (name === "br") return brotliDecompressSync(body);
  return body;
}

function headerPairs(incoming: IncomingHttpHeaders): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const name in incoming) {
    const value = incoming[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const one of value) pairs.push([name, one]);
    else pairs.push([name, value]);
  }
  return pairs;
}
