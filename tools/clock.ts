import { DateTime } from "luxon";

/**
 * Simulated time for one conversation: a fixed start ("now" of the scenario) in the scenario's
 * timezone, advanced only by speech, silence and tool latency. Nothing in a simulation reads the
 * machine's clock, so "next Tuesday" means the same thing on every run.
 */
export class SimClock {
  #millis: number;
  readonly timezone: string;

  constructor(nowIso: string, timezone: string) {
    const start = DateTime.fromISO(nowIso, { zone: timezone });
    if (!start.isValid) throw new Error(`SimClock: invalid time ${nowIso} in ${timezone}: ${start.invalidExplanation ?? ""}`);
    this.#millis = start.toMillis();
    this.timezone = timezone;
  }

  /** The current simulated instant in the clock's timezone. */
  now(): DateTime {
    return DateTime.fromMillis(this.#millis, { zone: this.timezone });
  }

  /** ISO string with offset, e.g. 2026-03-10T09:00:00.000-05:00. */
  nowIso(): string {
    return this.now().toISO() ?? new Date(this.#millis).toISOString();
  }

  /** ISO time `elapsedMs` after this clock's now, without moving the clock. */
  isoAfter(elapsedMs: number): string {
    const at = DateTime.fromMillis(this.#millis + Math.max(0, elapsedMs), { zone: this.timezone });
    return at.toISO() ?? new Date(at.toMillis()).toISOString();
  }

  nowMillis(): number {
    return this.#millis;
  }

  advance(ms: number): void {
    if (ms > 0) this.#millis += ms;
  }
}
