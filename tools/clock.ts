import { DateTime, Info, type Zone } from "luxon";

/**
 * Simulated time for one conversation: a fixed start ("now" of the scenario) in the scenario's
 * timezone, advanced only by speech, silence and tool latency. Nothing in a simulation reads the
 * machine's clock, so "next Tuesday" means the same thing on every run.
 */
export class SimClock {
  #millis: number;
  readonly timezone: string;

  constructor(nowIso: string, timezone: string) {
    this.#millis = startMillis(nowIso, timezone);
    this.timezone = timezone;
  }

  /** The current simulated instant in the clock's timezone. */
  now(): DateTime {
    return DateTime.fromMillis(this.#millis, { zone: this.timezone });
  }

  /** ISO string with offset, e.g. 2026-03-10T09:00:00.000-05:00. */
  nowIso(): string {
    return isoIn(this.#millis, this.timezone);
  }

  /** ISO time `elapsedMs` after this clock's now, without moving the clock. */
  isoAfter(elapsedMs: number): string {
    return isoIn(this.#millis + Math.max(0, elapsedMs), this.timezone);
  }

  nowMillis(): number {
    return this.#millis;
  }

  advance(ms: number): void {
    if (ms > 0) this.#millis += ms;
  }
}

// Every call of a scenario starts its clocks (the graph's, each tool world's) from the same text;
// luxon's zone-aware parse and format (Intl under the hood) were a few percent of a call's CPU.
const REMEMBERED = 10_000;
const starts = new Map<string, number>();

function startMillis(nowIso: string, timezone: string): number {
  const key = `${nowIso}|${timezone}`;
  const known = starts.get(key);
  if (known !== undefined) return known;
  const start = DateTime.fromISO(nowIso, { zone: timezone });
  if (!start.isValid) throw new Error(`SimClock: invalid time ${nowIso} in ${timezone}: ${start.invalidExplanation ?? ""}`);
  if (starts.size >= REMEMBERED) starts.clear();
  starts.set(key, start.toMillis());
  return start.toMillis();
}

const zones = new Map<string, Zone | null>();
/** Offsets (minutes) by zone and minute since the epoch: zones change offset on whole minutes. */
const offsets = new Map<string, number>();
const MIN_MS = Date.UTC(1970, 0, 1);
const MAX_MS = Date.UTC(9999, 11, 31);

/**
 * `millis` as luxon's `toISO()` writes it in `timezone` (2026-03-10T09:00:00.000-05:00), the
 * zone's offset looked up once per minute instead of at every step. Zones luxon does not treat
 * as IANA (UTC, fixed offsets, invalid names) and years outside 1970–9999 take luxon's own path.
 */
export function isoIn(millis: number, timezone: string): string {
  let zone = zones.get(timezone);
  if (zone === undefined) {
    const normalized = Info.normalizeZone(timezone);
    zone = normalized.type === "iana" && normalized.isValid ? normalized : null;
    zones.set(timezone, zone);
  }
  if (!zone || millis < MIN_MS || millis > MAX_MS) {
    const at = DateTime.fromMillis(millis, { zone: timezone });
    return at.toISO() ?? new Date(millis).toISOString();
  }
  const key = `${timezone}|${Math.floor(millis / 60_000)}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    offset = zone.offset(millis);
    if (offsets.size >= REMEMBERED) offsets.clear();
    offsets.set(key, offset);
  }
  const local = new Date(millis + offset * 60_000).toISOString().slice(0, -1);
  const sign = offset < 0 ? "-" : "+";
  const magnitude = Math.abs(offset);
  return `${local}${sign}${String(Math.floor(magnitude / 60)).padStart(2, "0")}:${String(magnitude % 60).padStart(2, "0")}`;
}
