export type ModelErrorKind = "rate_limited" | "server_error" | "timeout" | "connection" | "bad_request" | "auth" | "malformed_output";

/** Kinds worth another attempt: the same request may well succeed a moment later. */
export const RETRYABLE_KINDS: ReadonlySet<ModelErrorKind> = new Set(["rate_limited", "server_error", "timeout", "connection"]);

/**
 * A model call that failed for good (after retries). A conversation records it as its failure
 * reason and the batch goes on. The message never holds the API key.
 */
export class ModelCallError extends Error {
  readonly kind: ModelErrorKind;
  readonly status: number | undefined;
  /** Requests sent before giving up (0 when the call never reached the wire). */
  readonly attempts: number;

  constructor(kind: ModelErrorKind, message: string, status?: number, attempts = 0) {
    super(message);
    this.name = "ModelCallError";
    this.kind = kind;
    this.status = status;
    this.attempts = attempts;
  }
}

/** What to do next, per kind: the part of a message a user acts on. */
export const MODEL_ERROR_HINTS: Readonly<Record<ModelErrorKind, string>> = {
  rate_limited: "the server is rate limiting; lower --concurrency or raise the rate limit",
  server_error: "the server failed; try again later or check the server's logs",
  timeout: "the server did not answer in time; raise --timeout or use a faster model",
  connection: "could not reach the server; check --base-url and that the server is running",
  bad_request: "the server rejected the request; check --model and that the server supports tools / structured output",
  auth: "the server refused the key; check OPENAI_API_KEY",
  malformed_output: "the model's answer did not fit the expected shape; try a stronger model or a lower temperature",
};

/** Removes the key, and anything shaped like an OpenAI key (servers echo masked keys), from text. */
export function scrubSecrets(text: string, apiKey: string | undefined): string {
  const withoutKey = apiKey && apiKey.length >= 4 ? text.split(apiKey).join("[key]") : text;
  return withoutKey.replace(/\bsk-[A-Za-z0-9_*.-]{6,}/g, "[key]");
}
