import { describe, expect, it } from "vitest";
import { backoffDelayMs, retryAfterMs, sleep } from "../../agents/model/retry.ts";

describe("retry-after", () => {
  const now = () => Date.parse("2026-03-10T15:00:00Z");

  it("reads seconds, milliseconds and HTTP dates, and ignores what it cannot read", () => {
    expect(retryAfterMs(new Headers({ "retry-after": "2" }))).toBe(2000);
    expect(retryAfterMs(new Headers({ "retry-after": "0.5" }))).toBe(500);
    expect(retryAfterMs(new Headers({ "retry-after-ms": "250", "retry-after": "9" }))).toBe(250);
    expect(retryAfterMs({ "retry-after": "Tue, 10 Mar 2026 15:00:30 GMT" }, now)).toBe(30_000);
    expect(retryAfterMs({ "retry-after": "Tue, 10 Mar 2026 14:00:00 GMT" }, now)).toBe(0);
    expect(retryAfterMs(new Headers({ "retry-after": "soon" }))).toBeUndefined();
    expect(retryAfterMs(new Headers({ "retry-after": "-3" }))).toBeUndefined();
    expect(retryAfterMs(new Headers())).toBeUndefined();
    expect(retryAfterMs(undefined)).toBeUndefined();
  });
});

describe("backoff", () => {
  it("doubles each attempt within [half, all] of the ceiling, capped, and repeats for the same seed and label", () => {
    const options = { baseMs: 100, maxMs: 1000, seed: 3 };
    const delays = [0, 1, 2, 3, 4, 5].map((attempt) => backoffDelayMs(attempt, options, "req"));
    delays.forEach((ms, attempt) => {
      const ceiling = Math.min(1000, 100 * 2 ** attempt);
      expect(ms).toBeGreaterThanOrEqual(ceiling / 2);
      expect(ms).toBeLessThanOrEqual(ceiling);
    });
    expect([0, 1, 2, 3, 4, 5].map((attempt) => backoffDelayMs(attempt, options, "req"))).toEqual(delays);
    const others = [0, 1, 2, 3, 4, 5].map((attempt) => backoffDelayMs(attempt, options, "another request"));
    expect(others).not.toEqual(delays);
  });
});

describe("sleep", () => {
  it("rejects when aborted instead of waiting out the delay", async () => {
    const controller = new AbortController();
    const waiting = sleep(60_000, controller.signal);
    controller.abort(new Error("stop"));
    await expect(waiting).rejects.toThrow("stop");
    await expect(sleep(10, controller.signal)).rejects.toThrow("stop");
    await expect(sleep(1)).resolves.toBeUndefined();
  });
});
