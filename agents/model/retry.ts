import { Rng } from "../../tools/index.ts";

export interface BackoffOptions {
  /** First delay; doubles each attempt. */
  baseMs: number;
  /** No single wait is longer than this, retry-after included. */
  maxMs: number;
  /** Seeds the jitter, so a rerun waits the same and tests need no real randomness. */
  seed: number;
}

/**
 * Exponential backoff with "equal jitter" (half fixed, half random): clients that failed together
 * do not all come back at the same instant, and the wait never drops near zero.
 */
export function backoffDelayMs(attempt: number, options: BackoffOptions, label: string): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** attempt);
  const jitter = Rng.derive(options.seed, "model-retry", label, attempt).next();
  return Math.round(ceiling / 2 + (ceiling / 2) * jitter);
}

/**
 * The server's own wait, from `retry-after-ms` (OpenAI sends it), `retry-after` in seconds, or
 * `retry-after` as an HTTP date. Undefined when absent or unreadable.
 */
export function retryAfterMs(headers: Headers | Record<string, string | undefined> | undefined, nowMs: () => number = Date.now): number | undefined {
  if (!headers) return undefined;
  const get = (name: string) => (headers instanceof Headers ? (headers.get(name) ?? undefined) : headers[name]);
  const ms = Number(get("retry-after-ms"));
  if (get("retry-after-ms") !== undefined && Number.isFinite(ms) && ms >= 0) return ms;
  const value = get("retry-after");
  if (value === undefined || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - nowMs()) : undefined;
}

/** Waits, but gives up at once when the caller aborts (Ctrl-C must not sit out a backoff). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason ?? new Error("aborted"));
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason ?? new Error("aborted"));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
