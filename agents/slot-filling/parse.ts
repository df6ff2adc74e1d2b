import * as chrono from "chrono-node";
import { DateTime } from "luxon";
import { normaliseSpokenNumbers, parseDigitString } from "./spoken-numbers.ts";

/** A day or span of days the caller means, and the part of day or clock time if they said one. */
export interface DateRequest {
  from: string;
  to: string;
  partOfDay?: "morning" | "afternoon" | "evening";
  /** 24h "HH:MM" when the caller named a time ("at three" → 15:00 during clinic hours). */
  time?: string;
}

const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

/**
 * Dates as callers say them, against the scenario clock: "tomorrow", "next Tuesday afternoon",
 * "this Friday", "next week", "two weeks out", "the 25th", "March 18 at 3". Relative spans are
 * handled here (chrono reads "next week" as one instant); chrono-node reads the rest.
 */
export function parseDateRequest(text: string, nowIso: string, timezone: string): DateRequest | undefined {
  const now = DateTime.fromISO(nowIso, { zone: timezone });
  const heard = normaliseSpokenNumbers(stripFillers(text));
  const partOfDay = parsePartOfDay(heard);
  const time = parseClockTime(heard);
  const withTime = (from: DateTime, to: DateTime = from): DateRequest => ({
    from: from.toISODate() ?? "",
    to: to.toISODate() ?? "",
    ...(partOfDay ? { partOfDay } : {}),
    ...(time ? { time } : {}),
  });

  // "today" loses to a named day: "I'm all over the place today, can I come Thursday?"
  if (/\btoday\b/.test(heard) && !WEEKDAYS.some((d) => heard.includes(d)) && !/\btomorrow\b/.test(heard)) return withTime(now);
  if (/\b(day after tomorrow)\b/.test(heard)) return withTime(now.plus({ days: 2 }));
  if (/\btomorrow\b/.test(heard)) return withTime(now.plus({ days: 1 }));
  const weeksOut = /\b(?:in |about )?(2|two|3|three|a couple of|couple of|couple) weeks?\b/.exec(heard);
  if (weeksOut && !/\bnext week\b/.test(heard)) {
    const n = /3|three/.test(weeksOut[1] ?? "") ? 3 : 2;
    const monday = now.startOf("week").plus({ weeks: n });
    return withTime(monday, monday.plus({ days: 4 }));
  }
  const weekday = WEEKDAYS.findIndex((d) => new RegExp(`\\b${d}\\b`).test(heard));
  if (weekday >= 0) {
    // "next Tuesday" said on a Tuesday is a week out; plain "Thursday" is the coming one.
    const target = weekday + 1;
    let day = now.set({ weekday: target as 1 }).startOf("day");
    if (day <= now.startOf("day")) day = day.plus({ weeks: 1 });
    if (/\bnext\b/.test(heard) && day.diff(now.startOf("day"), "days").days < 7 && day.weekNumber === now.weekNumber) {
      day = day.plus({ weeks: 1 });
    }
    return withTime(day);
  }
  if (/\bnext week\b/.test(heard)) {
    const monday = now.startOf("week").plus({ weeks: 1 });
    return withTime(monday, monday.plus({ days: 4 }));
  }
  if (/\b(this week|later this week|rest of the week)\b/.test(heard)) return withTime(now, now.endOf("week").minus({ days: 2 }));
  if (/\b(asap|as soon as possible|earliest|soonest|first available)\b/.test(heard)) return withTime(now, now.plus({ days: 7 }));

  const ordinalDay = /\bthe (\d{1,2})(?:st|nd|rd|th)\b(?! (one|1|option|time|choice|of)\b)/.exec(heard);
  if (ordinalDay && !/\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)/.test(heard)) {
    let date = now.set({ day: Number(ordinalDay[1]) }).startOf("day");
    if (date < now.startOf("day")) date = date.plus({ months: 1 });
    if (date.isValid) return withTime(date);
  }
  // "the first one" or "nine a m" name no day: only read what names one.
  if (!mentionsDay(text) && !/\b\d{1,2}\/\d{1,2}\b/.test(heard)) return undefined;
  const parsed = chrono.parse(heard, { instant: now.toJSDate(), timezone: now.offset }, { forwardDate: true })[0];
  // A bare time ("nine a m") is not a day: chrono would fill in today.
  if (!parsed || !(parsed.start.isCertain("day") || parsed.start.isCertain("weekday"))) return undefined;
  const start = parsed.start;
  // "the 25th": chrono needs a month; take this month or the next one whose 25th is ahead.
  const year = start.get("year") ?? now.year;
  const month = start.get("month") ?? now.month;
  const day = start.get("day");
  if (!day) return undefined;
  let date = DateTime.fromObject({ year, month, day }, { zone: timezone });
  if (!start.isCertain("month") && date < now.startOf("day")) date = date.plus({ months: 1 });
  if (!date.isValid) return undefined;
  return withTime(date);
}

/** Whether the words name a day at all (so "nine a m" or "the first one" are not a new date). */
export function mentionsDay(text: string): boolean {
  const t = normaliseSpokenNumbers(text.toLowerCase());
  return (
    /\b(today|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday|week|weeks|month|january|february|march|april|may|june|july|august|september|october|november|december)\b/.test(t) ||
    /\bthe \d{1,2}(st|nd|rd|th)\b(?! (one|1|option|time|choice|of)\b)/.test(t)
  );
}

export function parsePartOfDay(text: string): DateRequest["partOfDay"] {
  if (/\bmorning|\bam\b|a\.m\./.test(text)) return "morning";
  if (/\bafternoon|after lunch|\bpm\b|p\.m\./.test(text)) return "afternoon";
  if (/\bevening|after work|tonight\b/.test(text)) return "evening";
  return undefined;
}

/**
 * A clock time: "3 pm", "at three", "9:30", "nine thirty in the morning". Bare hours are read
 * as business hours (1–6 → afternoon), as a receptionist would.
 */
export function parseClockTime(text: string): string | undefined {
  const normalised = normaliseSpokenNumbers(text).replace(/(\d+) (\d{2})\b(?=\s*(am|pm|a\.m|p\.m|in the|o'?clock|$))/g, "$1:$2");
  const match =
    /\b(?:at|around|about|by)\s+(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.|o'?clock)?(?!\s*(?:weeks?|days?|months?|\d))/.exec(normalised) ??
    /\b(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.|o'?clock)\b/.exec(normalised) ??
    /\b(\d{1,2}):(\d{2})\b()/.exec(normalised);
  if (!match) return undefined;
  let hour = Number(match[1]);
  const minute = Number(match[2] ?? 0);
  const meridiem = match[3] ?? "";
  if (hour > 23 || minute > 59) return undefined;
  if (/p/.test(meridiem) && hour < 12) hour += 12;
  else if (!/a/.test(meridiem) && hour >= 1 && hour <= 6) hour += 12;
  if (/in the (afternoon|evening)/.test(normalised) && hour < 12) hour += 12;
  return `${String(hour).padStart(2, "0")}:${String(minute).padStart(2, "0")}`;
}

/** Fillers and hedges that ASR keeps and parsers trip on ("June fifteenth, hm, nineteen forty-four"). */
export function stripFillers(text: string): string {
  return text
    .replace(/\b(um+|uh+|er+|hm+|hmm+|ah+|like|you know|i mean|let me see|let me think)\b[,.]?/gi, " ")
    .replace(/\s+([,.])/g, "$1")
    .replace(/\s+/g, " ")
    .trim();
}

/** yes, no, or undefined when the answer is neither (a question, a change of mind...). */
export function parseYesNo(text: string): "yes" | "no" | undefined {
  const t = text.toLowerCase();
  if (/\b(no|nope|nah|not really|not yet|not now|not right now|maybe later|don't|do not|never mind|actually,? no|wait)\b/.test(t) && !/\bno problem\b/.test(t)) return "no";
  if (/\b(yes|yeah|yep|yup|sure|correct|right|that works|sounds good|perfect|okay|ok|please do|go ahead|do it|great|fine|absolutely|mm-?hm|uh-huh)\b/.test(t)) return "yes";
  return undefined;
}

/** A date of birth as said or keyed: "March third nineteen eighty two", "3/3/82", "03 03 1982". */
export function parseDob(text: string): string | undefined {
  const keyed = /^\s*(\d{2})(\d{2})(\d{4})\s*$/.exec(text);
  if (keyed) {
    const date = DateTime.fromObject({ year: Number(keyed[3]), month: Number(keyed[1]), day: Number(keyed[2]) });
    return date.isValid ? (date.toISODate() ?? undefined) : undefined;
  }
  const heard = normaliseSpokenNumbers(stripFillers(text));
  const numeric = /\b(\d{1,2})[/. -](\d{1,2})[/. -](\d{2}|\d{4})\b/.exec(heard);
  if (numeric) {
    const year = numeric[3]?.length === 2 ? Number(numeric[3]) + (Number(numeric[3]) > 30 ? 1900 : 2000) : Number(numeric[3]);
    const date = DateTime.fromObject({ year, month: Number(numeric[1]), day: Number(numeric[2]) });
    return date.isValid ? (date.toISODate() ?? undefined) : undefined;
  }
  // Month name, day and four-digit year in order, whatever ASR put between them ("November 21st a 1975").
  const loose = /\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)?\b.*?\b(1[89]\d{2}|20[0-2]\d)\b/.exec(heard);
  if (loose) {
    const month = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"].indexOf(loose[1] ?? "") + 1;
    const date = DateTime.fromObject({ year: Number(loose[3]), month, day: Number(loose[2]) });
    if (date.isValid) return date.toISODate() ?? undefined;
  }
  const parsed = chrono.parse(heard, new Date(Date.UTC(2026, 0, 1)))[0];
  if (!parsed || !parsed.start.isCertain("day") || !parsed.start.isCertain("month")) return undefined;
  const year = parsed.start.get("year");
  if (!year || !parsed.start.isCertain("year") || year > 2026) return undefined;
  const date = DateTime.fromObject({ year, month: parsed.start.get("month") ?? 1, day: parsed.start.get("day") ?? 1 });
  return date.isValid ? (date.toISODate() ?? undefined) : undefined;
}

/** A phone number: ten digits (or seven) from digits and digit words. */
export function parsePhone(text: string): string | undefined {
  const digits = parseDigitString(text);
  if (digits.length >= 10) return digits.slice(-10);
  return digits.length === 7 ? digits : undefined;
}

/** Money in cents, or "all" for the full balance: "$150", "a hundred and fifty dollars", "the whole thing". */
export function parseMoney(text: string): number | "all" | undefined {
  const t = text.toLowerCase();
  if (/\b(all of it|the (whole|full|entire) (thing|balance|amount)|in full|everything|pay it off|full balance)\b/.test(t)) return "all";
  const normalised = normaliseSpokenNumbers(t).replace(/,/g, "");
  const match = /\$\s?(\d+(?:\.\d{1,2})?)|\b(\d+(?:\.\d{1,2})?)\s*(dollars|bucks|usd)\b(?:\s*(?:and\s*)?(\d{1,2})\s*cents)?/.exec(normalised);
  if (match) {
    const dollars = Number(match[1] ?? match[2]);
    const cents = match[4] ? Number(match[4]) : 0;
    return Math.round(dollars * 100) + cents;
  }
  const bare = /\b(\d{2,5})\b/.exec(normalised);
  return bare ? Number(bare[1]) * 100 : undefined;
}

/** A whole number of things: "six months", "6", "in three payments". */
export function parseCount(text: string): number | undefined {
  const match = /\b(\d{1,3})\b/.exec(normaliseSpokenNumbers(text));
  return match ? Number(match[1]) : undefined;
}

const STOP = new Set(["the", "a", "an", "my", "for", "of", "with", "dr", "doctor", "visit", "to", "in", "and"]);
const contentWords = (text: string) => (text.toLowerCase().match(/[a-z]+/g) ?? []).filter((w) => !STOP.has(w));

/**
 * The choice a caller named: word overlap with each choice (names, services), stems allowed
 * ("physicals" → "physical"), ties broken by order. Undefined when nothing overlaps.
 */
export function matchChoice(text: string, choices: readonly string[]): string | undefined {
  const heard = new Set(contentWords(text).map(stem));
  let best: string | undefined;
  let bestScore = 0;
  for (const choice of choices) {
    const words = contentWords(choice).map(stem);
    if (words.length === 0) continue;
    const hits = words.filter((w) => heard.has(w)).length;
    const score = hits / words.length;
    if (score > bestScore) {
      best = choice;
      bestScore = score;
    }
  }
  return bestScore >= 0.5 ? best : undefined;
}

const stem = (word: string) => word.replace(/(ing|s|es)$/, "");

/** A full name after "my name is", "this is", "it's", or two capitalised words. */
export function parseName(text: string): string | undefined {
  const match = /\b(?:my name is|this is|it's|it is|name's|i'm|i am)\s+([a-z][a-z'-]+(?:\s+[a-z][a-z'-]+)?)/i.exec(text);
  if (!match) return undefined;
  return (match[1] ?? "")
    .split(/\s+/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase())
    .join(" ");
}
