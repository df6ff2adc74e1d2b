import { DateTime } from "luxon";
import { toCardinal, toOrdinal } from "n2words/en-US";

/**
 * Numbers, dates and times as a voice agent says them: words, not digits or symbols, because a
 * text-to-speech engine reads "$1,250.00" and "3/18" badly and a listener cannot see them.
 */

export function speakNumber(n: number): string {
  return String(toCardinal(n)).replace(/-/g, " ");
}

export function speakMoney(cents: number): string {
  const dollars = Math.floor(cents / 100);
  const rest = cents % 100;
  const dollarPart = `${speakNumber(dollars)} dollar${dollars === 1 ? "" : "s"}`;
  return rest === 0 ? dollarPart : `${dollarPart} and ${speakNumber(rest)} cent${rest === 1 ? "" : "s"}`;
}

/** An ISO date or date-time in the given zone, or in its own offset when no zone is given. */
function inZone(iso: string, timezone: string | undefined): DateTime {
  return timezone ? DateTime.fromISO(iso, { zone: timezone }) : DateTime.fromISO(iso, { setZone: true });
}

/** "Tuesday, March seventeenth". */
export function speakDate(iso: string, timezone?: string): string {
  const date = inZone(iso, timezone);
  return `${date.toFormat("cccc")}, ${date.toFormat("LLLL")} ${String(toOrdinal(date.day)).replace(/-/g, " ")}`;
}

/** "nine a m", "two thirty p m", "noon". */
export function speakTime(iso: string, timezone?: string): string {
  const time = inZone(iso, timezone);
  if (time.hour === 12 && time.minute === 0) return "noon";
  const hour12 = time.hour % 12 === 0 ? 12 : time.hour % 12;
  const minutes = time.minute === 0 ? "" : time.minute < 10 ? ` oh ${speakNumber(time.minute)}` : ` ${speakNumber(time.minute)}`;
  return `${speakNumber(hour12)}${minutes} ${time.hour < 12 ? "a m" : "p m"}`;
}

/** "Tuesday, March seventeenth at nine a m". */
export function speakDateTime(iso: string, timezone?: string): string {
  return `${speakDate(iso, timezone)} at ${speakTime(iso, timezone)}`;
}

const DIGIT_NAMES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];

/** "4242" → "four two four two"; for card and phone endings. */
export function speakDigits(digits: string): string {
  return digits
    .replace(/\D/g, "")
    .split("")
    .map((d) => DIGIT_NAMES[Number(d)])
    .join(" ");
}

/** Words joined as said: "a", "a or b", "a, b or c" (no comma before the last). */
export function joinSpoken(items: readonly string[], conjunction: "and" | "or"): string {
  return items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} ${conjunction} ${items.at(-1)}`;
}
