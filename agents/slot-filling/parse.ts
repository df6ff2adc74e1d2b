import * as chrono from "chrono-node";
import { DateTime } from "luxon";
import { editDistance } from "../../scenarios/index.ts";
import { digitRuns, normaliseSpokenNumbers, parseDigits } from "./spoken-numbers.ts";

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
export function parseDateRequest(text: string, nowIso: string, timezone: string): Readonly<DateRequest> | undefined {
  // The judge reads every caller line again for each action it checks, and the agent each line
  // for several slots: the same text on the same clock, parsed (chrono, luxon) each time.
  const key = `${timezone}\u0000${nowIso}\u0000${text}`;
  if (parsedDates.has(key)) return parsedDates.get(key);
  const request = readDateRequest(text, nowIso, timezone);
  if (parsedDates.size >= PARSED_DATES_KEPT) parsedDates.clear();
  parsedDates.set(key, request && Object.freeze(request));
  return request;
}

const PARSED_DATES_KEPT = 4_096;
const parsedDates = new Map<string, Readonly<DateRequest> | undefined>();

function readDateRequest(text: string, nowIso: string, timezone: string): DateRequest | undefined {
  const now = DateTime.fromISO(nowIso, { zone: timezone });
  // "Tonight" and "this evening" are today, in the evening.
  const heard = normaliseSpokenNumbers(stripFillers(text)).replace(/\b(tonight|this evening)\b/gi, "today evening");
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
  const daysOut = /\bin (\d{1,2}) days?\b/.exec(heard);
  if (daysOut) return withTime(now.plus({ days: Number(daysOut[1]) }));
  if (/\b(in a week|a week from (today|now)|week from today)\b/.test(heard)) return withTime(now.plus({ weeks: 1 }));
  // "a week from Friday": the named day, then seven more.
  const weekFrom = /\ba week from (?:this |next )?(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b/.exec(heard);
  if (weekFrom) {
    let day = now.set({ weekday: (WEEKDAYS.indexOf(weekFrom[1] ?? "") + 1) as 1 }).startOf("day");
    if (day <= now.startOf("day")) day = day.plus({ weeks: 1 });
    return withTime(day.plus({ weeks: 1 }));
  }
  if (/\b(this|the|next) weekend\b/.test(heard)) {
    let saturday = now.set({ weekday: 6 }).startOf("day");
    if (saturday < now.startOf("day") || /\bnext weekend\b/.test(heard)) saturday = saturday.plus({ weeks: 1 });
    return withTime(saturday, saturday.plus({ days: 1 }));
  }
  if (/\bnext month\b/.test(heard)) {
    const first = now.plus({ months: 1 }).startOf("month");
    return withTime(first, first.endOf("month"));
  }
  if (/\b(end of (the|this) month|later this month)\b/.test(heard) && !/\bthe \d{1,2}(st|nd|rd|th)\b/.test(heard)) {
    const last = now.endOf("month").startOf("day");
    return /later/.test(heard) ? withTime(now, last) : withTime(last);
  }
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

  const ordinalDay = /(?:\bthe |\bon |^|\bmeant |\bmean )(\d{1,2})(?:st|nd|rd|th)\b(?! (one|1|option|time|choice|of)\b)/.exec(heard);
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

/**
 * The words without what the caller rules out: "the 25th, not the 26th" → "the 25th",
 * "Friday instead of Thursday" → "Friday", so a correction is read as its new value.
 */
export function dropNegated(text: string): string {
  return text
    .replace(/,?\s*\b(?:not|instead of|rather than)\s+(?:the |on |a |an )?[^,.;!?]*/gi, "")
    .replace(/\s+/g, " ")
    .trim();
}

/** Whether the words name a day at all (so "nine a m" or "the first one" are not a new date). */
export function mentionsDay(text: string): boolean {
  const t = normaliseSpokenNumbers(text.toLowerCase());
  return (
    /\b(today|tonight|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday|week|weeks|month|january|february|march|april|may|june|july|august|september|october|november|december)\b/.test(t) ||
    /(\bthe |\bon |^|\bmeant |\bmean )\d{1,2}(st|nd|rd|th)\b(?! (one|1|option|time|choice|of)\b)/.test(t)
  );
}

export function parsePartOfDay(text: string): DateRequest["partOfDay"] {
  // "am" alone is usually "I am"; only after a number is it the morning.
  if (/\bmorning|\d\s*(am\b|a\.m\.|a m\b)/.test(text)) return "morning";
  if (/\bafternoon|after lunch|\d\s*(pm\b|p\.m\.|p m\b)/.test(text)) return "afternoon";
  if (/\bevening|after work|tonight\b/.test(text)) return "evening";
  return undefined;
}

/**
 * A clock time: "3 pm", "at three", "9:30", "nine thirty in the morning". Bare hours are read
 * as business hours (1–6 → afternoon), as a receptionist would.
 */
export function parseClockTime(text: string): string | undefined {
  const lower = text.toLowerCase();
  if (/\b(noon|midday|twelve noon)\b/.test(lower)) return "12:00";
  // "eight p oh m" (a word slipped in) and "at eight p" (the m lost at the end) are still p m.
  const meridiems = lower
    .replace(/\b([ap])\.? (?:oh|uh|um|the|a) m\b\.?/g, "$1m")
    .replace(/\b(\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|thirty|forty[- ]five|o'?clock) ([ap])\.?(?=\s*(?:[,.!?]|$))/g, "$1 $2m");
  const spoken = normaliseSpokenNumbers(meridiems.replace(/\b([ap])\.? ?m\b\.?/g, "$1m"));
  // "half past two", "quarter past nine", "quarter to three".
  const past = /\b(half|quarter) past (\d{1,2})\b/.exec(spoken);
  if (past) return parseClockTime(`at ${past[2]}:${past[1] === "half" ? "30" : "15"}${/\b(am|pm)\b/.exec(spoken)?.[0] ?? ""}`);
  const to = /\bquarter (?:to|of|till) (\d{1,2})\b/.exec(spoken);
  if (to) return parseClockTime(`at ${Number(to[1]) - 1 || 12}:45${/\b(am|pm)\b/.exec(spoken)?.[0] ?? ""}`);
  const normalised = spoken
    .replace(/(\d+) (\d{2})\b(?=\s*(am|pm|a\.m|p\.m|in the|o'?clock|$))/g, "$1:$2")
    // "ten thirty a m" reads as 1030 (the way years are said): an hour and its minutes.
    .replace(/\b(1[0-2]|[1-9])([0-5]\d)\b(?=\s*(?:am|pm|o'?clock|in the)\b)/g, "$1:$2")
    .replace(/\b(at|around|about|by) (1[0-2]|[1-9])([0-5]\d)\b/g, "$1 $2:$3");
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
  const t = text.toLowerCase().replace(/\b(no problem|no worries|no rush|no hurry)\b/g, " ");
  // "Sorry, go ahead" after talking over the agent hands the turn back; it agrees to nothing.
  if (/^\W*(?:(?:oh|sorry)\W+)+(?:i cut you off\W+)?(go ahead|go on|you go)\W*$/.test(t)) return undefined;
  // Doubt is neither: "I'm not sure", "I don't know" must not read as a yes or a no.
  if (/\b(not sure|unsure|don't know|do not know|dunno|no idea|i'm not certain)\b/.test(t) && !/\b(yes|yeah|no|nope)\b[,.!]/.test(t)) return undefined;
  // "Can't you just do it this once?" pushes back on a refusal; it agrees to nothing.
  if (/\b(can'?t|cannot|couldn'?t|won'?t|wouldn'?t) you\b[^.!]*\?/.test(t) && !/^\W*(yes|yeah|yep|sure|okay|ok)\b/.test(t)) return undefined;
  if (/\b(no|nope|nah|not really|not yet|not now|not right now|maybe later|don't|do not|never mind|actually,? no|wait|wrong|incorrect|not (right|correct|quite))\b/.test(t)) return "no";
  if (/\b(yes|yeah|yep|yup|yes please|sure|correct|right|that works|works for me|sounds good|perfect|okay|ok|please do|go ahead|do it|great|fine|absolutely|definitely|exactly|mm-?hm+|uh-huh|affirmative|let's do it)\b/.test(t)) return "yes";
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
  // All digits, said or typed: "oh three oh three eighty two" → MMDDYY, "zero three zero three nineteen eighty two" → MMDDYYYY.
  if (!/\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)/.test(heard)) {
    const digits = parseDigits(stripFillers(text));
    if (digits.length === 6 || digits.length === 8) {
      const yy = Number(digits.slice(4));
      const year = digits.length === 8 ? yy : yy + (yy > 30 ? 1900 : 2000);
      const date = DateTime.fromObject({ year, month: Number(digits.slice(0, 2)), day: Number(digits.slice(2, 4)) });
      if (date.isValid) return date.toISODate() ?? undefined;
    }
  }
  // A birth date names its year; "tomorrow" or "next Friday" is an answer to another question.
  if (!/\b(1[89]\d\d|20[0-2]\d)\b/.test(heard) || /\b(today|tomorrow|yesterday|next|last|ago|this)\b/.test(heard)) return undefined;
  const parsed = chrono.parse(heard, new Date(Date.UTC(2026, 0, 1)))[0];
  if (!parsed || !parsed.start.isCertain("day") || !parsed.start.isCertain("month")) return undefined;
  const year = parsed.start.get("year");
  if (!year || !parsed.start.isCertain("year") || year > 2026) return undefined;
  const date = DateTime.fromObject({ year, month: parsed.start.get("month") ?? 1, day: parsed.start.get("day") ?? 1 });
  return date.isValid ? (date.toISODate() ?? undefined) : undefined;
}

/** A phone number: ten digits (or seven) from digits and digit words. */
export function parsePhone(text: string): string | undefined {
  const runs = digitRuns(stripFillers(text));
  // One run with the whole number wins over digits scattered through the sentence.
  const whole = runs.find((run) => run.length === 10 || (run.length === 11 && run.startsWith("1")));
  if (whole) return whole.slice(-10);
  const digits = runs.join("");
  if (digits.length === 10 || (digits.length === 11 && digits.startsWith("1"))) return digits.slice(-10);
  if (digits.length > 11) return runs.find((run) => run.length > 10)?.slice(-10) ?? digits.slice(-10);
  return digits.length === 7 ? digits : undefined;
}

/** Money in cents, or "all" for the whole amount owed: "$150", "a hundred and fifty dollars", "the whole thing". */
export function parseMoney(text: string): number | "all" | undefined {
  const t = text.toLowerCase();
  if (/\b(all of it|(the|my|your) (whole|full|entire) (?!(?:a|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand)\b)[a-z]+|in full|everything|pay it off|full amount)\b/.test(t)) return "all";
  const normalised = normaliseSpokenNumbers(t).replace(/,/g, "");
  const match = /\$\s?(\d+(?:\.\d{1,2})?)|\b(\d+(?:\.\d{1,2})?)\s*(dollars|bucks|usd)\b(?:\s*(?:and\s*)?(\d{1,2})\s*cents)?/.exec(normalised);
  if (match) {
    const dollars = Number(match[1] ?? match[2]);
    const cents = match[4] ? Number(match[4]) : 0;
    return Math.round(dollars * 100) + cents;
  }
  // "two fifty" on a bill means two hundred fifty.
  const pair = /\b([1-9]) ([1-9]0|[1-9][1-9])\b(?!\s*(st|nd|rd|th|months?|payments?|days?|weeks?))/.exec(normalised);
  if (pair) return (Number(pair[1]) * 100 + Number(pair[2])) * 100;
  const bare = /\b(\d{2,5})\b(?!\s*(st|nd|rd|th|months?|payments?|installments?|days?|weeks?))/.exec(normalised);
  return bare ? Number(bare[1]) * 100 : undefined;
}

/** A whole number of things: "six months", "6", "in three payments". */
export function parseCount(text: string): number | undefined {
  const t = text.toLowerCase();
  const match = /\b(\d{1,3})\b/.exec(normaliseSpokenNumbers(t));
  if (match) return Number(match[1]);
  if (/\b(a year and a half|eighteen months)\b/.test(t)) return 18;
  if (/\b(a|one) year\b/.test(t)) return 12;
  if (/\ba dozen\b/.test(t)) return 12;
  if (/\b(a )?couple\b/.test(t)) return 2;
  if (/\b(a )?few\b/.test(t)) return 3;
  return undefined;
}

const STOP = new Set(["the", "a", "an", "my", "for", "of", "with", "dr", "to", "in", "and"]);
const contentWords = (text: string) => (text.toLowerCase().match(/[a-z]+/g) ?? []).filter((w) => w.length > 1 && !STOP.has(w));

const ORDINAL_REFS: Array<[RegExp, (n: number) => number]> = [
  [/\b(first|1st|former|earlier|earliest|soonest|next one)\b/, () => 0],
  [/\b(second|2nd|middle)\b/, () => 1],
  [/\b(third|3rd)\b/, () => 2],
  [/\b(last|latter|later|latest)\b/, (n) => n - 1],
];

/**
 * The choice a caller named, or undefined. In order: a position ("the first one", "the last
 * option"), a clock time ("the two o'clock" against choices that carry a time or are ISO
 * date-times), then word overlap with each choice (names, services), allowing plurals and one
 * misheard letter in longer words ("Shaw" for "Shah" is too short; "physicals", "Humanna" pass).
 * Words several choices share, and the `generic` words of the question ("room" when the menu is
 * king room, double queen, suite), tell no choice apart; a choice made only of such words needs
 * them all. Half a choice's telling words must be heard, and a tie chooses nothing (the caller is
 * asked which).
 */
export function matchChoice(text: string, choices: readonly string[], options: { byPosition?: boolean; generic?: readonly string[] } = {}): string | undefined {
  const lower = text.toLowerCase();
  const words = lower.match(/[a-z0-9']+/g) ?? [];
  // "first available" or "last time I came" name no position in the list just read out.
  const isPositional =
    options.byPosition !== false &&
    (/\b(one|option|choice|slot)\b/.test(lower) || words.length <= 3) &&
    !/\b(first|second|third|last|next) (available|thing|of|week|weekend|half|day|month|year|time)\b|\blast time\b/.test(lower);
  if (isPositional && choices.length > 1) {
    for (const [pattern, index] of ORDINAL_REFS) {
      if (pattern.test(lower)) return choices[index(choices.length)];
    }
  }
  const time = /\d|o'?clock|\b(am|pm|a m|p m|noon|thirty|fifteen|forty five)\b/.test(lower) ? parseClockTime(lower.replace(/^(the|at)\s+/, "at ")) : undefined;
  if (time) {
    const timed = choices.filter((choice) => choiceTime(choice) === time);
    if (timed.length === 1) return timed[0];
  }
  const heard = contentWords(text);
  const sameWord = (h: string, w: string) => stem(h) === stem(w) || (w.length >= 5 && h.length >= 5 && editDistance(h, w) <= 1);
  const generic = new Set((options.generic ?? []).map(stem));
  // A word several choices share ("visit" in "sick visit" and "follow-up visit") tells none of them apart.
  const counts = new Map<string, number>();
  for (const choice of choices) for (const w of new Set(contentWords(choice))) counts.set(w, (counts.get(w) ?? 0) + 1);
  let best: string[] = [];
  let bestScore = 0;
  for (const choice of choices) {
    const all = contentWords(choice);
    const own = all.filter((w) => (counts.get(w) ?? 0) < 2 && !generic.has(stem(w)));
    const hits = (list: string[]) => list.filter((w) => heard.some((h) => sameWord(h, w))).length;
    // Only shared or generic words: the choice is named when all of them are heard.
    const score = own.length > 0 ? hits(own) / own.length : all.length > 0 && hits(all) === all.length ? 1 : 0;
    if (score > bestScore) {
      best = [choice];
      bestScore = score;
    } else if (score === bestScore && score > 0) best.push(choice);
  }
  // A whole choice said wins over choices only partly heard ("double queen" over "queen suite").
  const whole = best.filter((choice) => contentWords(choice).every((w) => heard.some((h) => sameWord(h, w))));
  const picked = best.length > 1 && whole.length === 1 ? whole : best;
  return bestScore >= 0.5 && picked.length === 1 ? picked[0] : undefined;
}

/** The clock time a choice carries: an ISO date-time's local time, or a time in its words. */
function choiceTime(choice: string): string | undefined {
  const iso = /T(\d{2}):(\d{2})/.exec(choice);
  if (iso) return `${iso[1]}:${iso[2]}`;
  return parseClockTime(choice);
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

/** A date or span the caller means (the brief's name for {@link parseDateRequest}). */
export const parseDate = parseDateRequest;

/** A time of day as said: a clock time ("around two", "nine thirty a m", "noon") and/or a part of day. */
export function parseTime(text: string): { time?: string; partOfDay?: DateRequest["partOfDay"] } | undefined {
  const time = parseClockTime(text);
  const partOfDay = parsePartOfDay(normaliseSpokenNumbers(text.toLowerCase()));
  if (!time && !partOfDay) return undefined;
  return { ...(time ? { time } : {}), ...(partOfDay ? { partOfDay } : {}) };
}

/** A count as said: "six", "six months", "a couple", "a year" (12). */
export const parseNumber = parseCount;
