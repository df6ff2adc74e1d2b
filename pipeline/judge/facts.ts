import { DateTime } from "luxon";
import { dropNegated, normaliseSpokenNumbers, parseClockTime, parseDateRequest } from "../../agents/index.ts";

/**
 * Facts a phone call can state — amounts, clock times, calendar days, weekdays, counts and names —
 * read the same way from speech ("six hundred and forty bucks", "ten thirty a m", "the twenty
 * third") and from tool data (`balance_cents: 64000`, `"2026-03-18T10:30:00-05:00"`), so a claim
 * in the agent's words can be traced to what a tool returned or the caller said.
 */
export interface Mentions {
  /** Amounts in cents. */
  money: number[];
  /** Clock times as "HH:MM" (24h). */
  times: string[];
  /** Calendar days as "MM-DD", with the year when one was said. */
  days: Array<{ monthDay: string; year?: number }>;
  /** Days of the month said without a month ("the twenty third"). */
  daysOfMonth: number[];
  /** Weekday numbers, Monday = 1. */
  weekdays: number[];
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
const MONTH_WORD = "(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)";

/** Text with spoken numbers as digits and a.m./p.m. in one form, ready for the patterns below. */
function normalised(text: string): string {
  const lower = text
    .toLowerCase()
    .replace(/\b([ap])\.? ?m\b\.?/g, "$1m")
    .replace(/(\d),(\d{3})/g, "$1$2")
    .replace(/(\d):(\d{2})/g, "$1 $2")
    // "a m" after a spoken hour can glue to the number; keep the words apart.
    .replace(/-/g, " ");
  return normaliseSpokenNumbers(lower);
}

const MONEY_FIELD = /(amount|price|fee|total|cost|payment|charge|due|owed|owing|refund|credit|dollars|usd|eur|gbp|paid|sum|payoff)/i;

const pad = (n: number) => String(n).padStart(2, "0");

function clock(hour: number, minute: number, meridiem: string): string | undefined {
  let h = hour;
  if (h > 23 || minute > 59) return undefined;
  if (meridiem === "pm" && h < 12) h += 12;
  if (meridiem === "am" && h === 12) h = 0;
  return `${pad(h)}:${pad(minute)}`;
}

/** Every amount, time, day and weekday a text states. */
export function mentionsIn(text: string): Mentions {
  const n = normalised(text);
  const raw = text.toLowerCase().replace(/(\d),(\d{3})/g, "$1$2");
  const money = new Set<number>();
  for (const m of raw.matchAll(/\$\s?(\d+(?:\.\d{1,2})?)/g)) money.add(Math.round(Number(m[1]) * 100));
  for (const m of n.matchAll(/\$\s?(\d+)(?: (\d{2})\b)?/g)) money.add(Number(m[1]) * 100 + (m[2] ? Number(m[2]) : 0));
  for (const m of n.matchAll(/\b(\d+(?:\.\d{1,2})?) (?:dollars?|bucks|usd)\b(?:,? ?(?:and )?(\d{1,2}) cents?\b)?/g)) {
    money.add(Math.round(Number(m[1]) * 100) + (m[2] ? Number(m[2]) : 0));
  }
  for (const m of n.matchAll(/\b(\d{1,2}) cents?\b/g)) if (!/dollar/.test(n)) money.add(Number(m[1]));

  const times = new Set<string>();
  if (/\b(noon|midday)\b/.test(n)) times.add("12:00");
  for (const m of n.matchAll(/\b(\d{1,4})(?: (\d{2}))?\s*(am|pm|o ?clock|o'clock)\b/g)) {
    const first = m[1] ?? "";
    const meridiem = (m[3] ?? "").startsWith("o") ? "" : (m[3] ?? "");
    const time = first.length >= 3 ? clock(Number(first.slice(0, -2)), Number(first.slice(-2)), meridiem) : clock(Number(first), Number(m[2] ?? 0), meridiem);
    if (time) times.add(time);
  }
  for (const m of n.matchAll(/\b(half|quarter) past (\d{1,2})\b(?: (am|pm))?/g)) {
    const time = clock(Number(m[2]), m[1] === "half" ? 30 : 15, m[3] ?? "");
    if (time) times.add(time);
  }

  const days: Mentions["days"] = [];
  const dayKeys = new Set<string>();
  const claimedDayPositions = new Set<number>();
  const addDay = (month: string, day: number, year: number | undefined, at: number) => {
    const monthIndex = MONTHS.indexOf(month.slice(0, 3)) + 1;
    if (monthIndex < 1 || day < 1 || day > 31) return;
    const monthDay = `${pad(monthIndex)}-${pad(day)}`;
    claimedDayPositions.add(at);
    const key = `${monthDay}|${year ?? ""}`;
    if (dayKeys.has(key)) return;
    dayKeys.add(key);
    days.push(year === undefined ? { monthDay } : { monthDay, year });
  };
  for (const m of n.matchAll(new RegExp(`\\b${MONTH_WORD} (?:the )?(\\d{1,2})(?:st|nd|rd|th)?\\b(?:,? (1[89]\\d\\d|20\\d\\d)\\b)?`, "g"))) {
    addDay(m[1] ?? "", Number(m[2]), m[3] ? Number(m[3]) : undefined, (m.index ?? 0) + (m[0].indexOf(m[2] ?? "") ?? 0));
  }
  for (const m of n.matchAll(new RegExp(`\\b(?:the )?(\\d{1,2})(?:st|nd|rd|th)? of ${MONTH_WORD}\\b`, "g"))) addDay(m[2] ?? "", Number(m[1]), undefined, m.index ?? 0);
  const daysOfMonth = new Set<number>();
  // "the first openings" is an order, "the first" or "the first of" a day.
  for (const m of n.matchAll(/\bthe (\d{1,2})(st|nd|rd|th)\b(?=\s*$|\s*[,.?!;]|\s+(of|or|and|at|in|for|works?|would|is|then|please|instead|not|if|that|this|next)\b)/g)) {
    const at = (m.index ?? 0) + 4;
    if ([...claimedDayPositions].some((p) => Math.abs(p - at) < 3)) continue;
    const day = Number(m[1]);
    if (day >= 1 && day <= 31) daysOfMonth.add(day);
  }
  const weekdays = new Set<number>();
  WEEKDAYS.forEach((name, i) => {
    if (new RegExp(`\\b${name}s?\\b`).test(n)) weekdays.add(i + 1);
  });
  return { money: [...money], times: [...times], days, daysOfMonth: [...daysOfMonth], weekdays: [...weekdays] };
}

/** Everything a claim may be traced to: tool data, the caller's words, the pack, the clock. */
export class KnownFacts {
  readonly money = new Set<number>();
  readonly counts = new Set<number>();
  readonly times = new Set<string>();
  /** "MM-DD" and "YYYY-MM-DD". */
  readonly days = new Set<string>();
  readonly daysOfMonth = new Set<number>();
  readonly weekdays = new Set<number>();
  /** Field names the pack keeps money in (the stems of its `*_cents` fields, e.g. a balance). */
  readonly moneyKeys = new Set<string>();
  /** Raw string values of tool data (ids, codes) as given. */
  readonly values = new Set<string>();
  /** Days of the month said without a month, by the caller or the pack. */
  readonly spokenDaysOfMonth = new Set<number>();
  private readonly words = new Set<string>();

  constructor(readonly timezone: string) {}

  /** A copy to extend without changing this one. */
  clone(): KnownFacts {
    const copy = new KnownFacts(this.timezone);
    for (const key of ["money", "counts", "times", "days", "daysOfMonth", "weekdays", "spokenDaysOfMonth", "words", "values", "moneyKeys"] as const) {
      const target = copy[key as "money"] as Set<unknown>;
      for (const value of this[key as "money"] as Set<unknown>) target.add(value);
    }
    return copy;
  }

  addText(text: string): void {
    // Dates written into a message ("next refill 2026-03-20") count as that day.
    for (const m of text.matchAll(/\b(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2}|Z)?)?/g)) {
      const when = m[2] ? DateTime.fromISO(m[0], { setZone: true }).setZone(this.timezone) : DateTime.fromISO(m[1] ?? "", { zone: this.timezone });
      if (!when.isValid) continue;
      this.addDay(when);
      if (m[2]) this.times.add(when.toFormat("HH:mm"));
    }
    const found = mentionsIn(text);
    for (const cents of found.money) this.money.add(cents);
    for (const time of found.times) this.times.add(time);
    for (const day of found.days) {
      this.days.add(day.monthDay);
      this.daysOfMonth.add(Number(day.monthDay.slice(3)));
      if (day.year !== undefined) this.days.add(`${day.year}-${day.monthDay}`);
    }
    for (const day of found.daysOfMonth) {
      this.daysOfMonth.add(day);
      this.spokenDaysOfMonth.add(day);
    }
    for (const weekday of found.weekdays) this.weekdays.add(weekday);
    for (const m of normalised(text).matchAll(/\b(\d{1,3})\b/g)) this.counts.add(Number(m[1]));
    for (const word of text.toLowerCase().match(/[a-z][a-z'’-]+/g) ?? []) this.words.add(word.replace(/['’]s$/, ""));
  }

  /** Days a caller's date words resolve to on the scenario clock ("next Wednesday" → that day). */
  addDateRequest(text: string, nowIso: string): void {
    // "This Friday, not Thursday" grounds Friday: the day ruled out is read on its own as well.
    const affirmed = dropNegated(text);
    if (affirmed !== text.trim() && affirmed) this.addDateRequest(affirmed, nowIso);
    // "It's this Saturday, nat this Thursday" (the "not" misheard): each clause names its own day,
    // as the agent reads a correction clause by clause.
    const clauses = text.split(/[,.;!?]+/).map((clause) => clause.trim()).filter(Boolean);
    if (clauses.length > 1) for (const clause of clauses) this.addDateRequest(clause, nowIso);
    const request = parseDateRequest(text, nowIso, this.timezone);
    if (!request) return;
    let day = DateTime.fromISO(request.from, { zone: this.timezone });
    const last = DateTime.fromISO(request.to, { zone: this.timezone });
    for (let i = 0; i < 62 && day <= last; i++, day = day.plus({ days: 1 })) this.addDay(day);
    if (request.time) this.times.add(request.time);
  }

  /** A clock time said without a day ("at three" on a business line is three in the afternoon). */
  addClockTime(text: string): void {
    const time = parseClockTime(text);
    if (time) this.times.add(time);
  }

  addDay(day: DateTime): void {
    if (!day.isValid) return;
    this.days.add(day.toFormat("MM-dd"));
    this.days.add(day.toFormat("yyyy-MM-dd"));
    this.daysOfMonth.add(day.day);
    this.weekdays.add(day.weekday);
  }

  /** Tool arguments or results: every field, nested, by what its key and shape say it is. */
  addValue(value: unknown, key = ""): void {
    if (value === null || value === undefined) return;
    if (Array.isArray(value)) {
      this.counts.add(value.length);
      for (const item of value) this.addValue(item, key);
      return;
    }
    if (typeof value === "object") {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        for (const word of splitKey(k)) this.words.add(word);
        this.addValue(v, k);
      }
      return;
    }
    if (typeof value === "number") {
      if (/cents?$/i.test(key)) this.money.add(value);
      else {
        // Only a field named for money is an amount: a duration or a count said as dollars is invented.
        if (MONEY_FIELD.test(key) || this.moneyKeys.has(key.toLowerCase()) || !Number.isInteger(value)) this.money.add(Math.round(value * 100));
        this.counts.add(value);
      }
      return;
    }
    if (typeof value === "string") {
      this.values.add(value);
      const iso = DateTime.fromISO(value, { zone: this.timezone, setZone: false });
      if (/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2})?/.test(value) && iso.isValid) {
        const local = /T/.test(value) ? iso.setZone(this.timezone) : DateTime.fromISO(value.slice(0, 10), { zone: this.timezone });
        this.addDay(local);
        if (/T\d{2}:\d{2}/.test(value)) this.times.add(local.toFormat("HH:mm"));
        return;
      }
      if (/^\d+(\.\d+)?$/.test(value)) {
        this.addValue(Number(value), key);
        this.words.add(value);
        return;
      }
      this.addText(value.replace(/_/g, " "));
    }
  }

  hasWord(word: string): boolean {
    return this.words.has(word.toLowerCase().replace(/['’]s$/, ""));
  }

  /**
   * Amounts the agent may state without a tool having said them: what a plan works out to
   * (a balance over a number of payments) and what is left after a payment.
   */
  withDerivedMoney(): Set<number> {
    const out = new Set(this.money);
    const amounts = [...this.money].filter((c) => c >= 100);
    const counts = [...this.counts].filter((c) => Number.isInteger(c) && c >= 2 && c <= 72);
    for (const amount of amounts) {
      for (const count of counts) {
        out.add(Math.floor(amount / count));
        out.add(Math.ceil(amount / count));
        out.add(Math.round(amount / count / 100) * 100);
      }
      for (const other of amounts) if (other < amount) out.add(amount - other);
    }
    return out;
  }
}

/** "balance_cents" → balance, cents; "inNetwork" → in, network. */
export function splitKey(key: string): string[] {
  return key
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

export function speakableTime(time: string): string {
  const [h, m] = time.split(":").map(Number) as [number, number];
  const hour = h % 12 === 0 ? 12 : h % 12;
  return `${hour}${m ? `:${pad(m)}` : ""} ${h < 12 ? "am" : "pm"}`;
}
