export type ModelErrorKind =
  | "rate_limited"
  | "server_error"
  | "timeout"
  | "connection"
  | "incomplete_response"
  | "unexpected_response"
  | "bad_request"
  | "auth"
  | "malformed_output";

/** Kinds worth another attempt: the same request may well succeed a moment later. */
export const RETRYABLE_KINDS: ReadonlySet<ModelErrorKind> = new Set(["rate_limited", "server_error", "timeout", "connection", "incomplete_response"]);

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
  incomplete_response: "the server's answer was cut off (a torn or empty body); check the server, or a proxy in between",
  unexpected_response: "the server answered, but not with a chat completion; check --base-url and the server's logs",
  bad_request: "the server rejected the request; check --model and that the server supports tools / structured output",
  auth: "the server refused the key; check OPENAI_API_KEY",
  malformed_output: "the model's answer did not fit the expected shape; try a stronger model or a lower temperature",
};

