import { toCardinal, toOrdinal } from "n2words/en-US";
import { speakDigits } from "../slot-filling/speak.ts";

/**
 * Numbers, dates and times the way a caller says them on the phone. Slot values in packs are
 * written for authors ("March 18", "3 pm", "the 1st"); a person says "March eighteenth",
 * "three p m", "the first", and the agent must cope with the spoken form.
 */

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

const cardinal = (n: number) => String(toCardinal(n));
const ordinal = (n: number) => String(toOrdinal(n));

/** "0147" → "oh one four seven". */
export function speakDigitsWords(digits: string): string {
  return speakDigits(digits).replace(/\bzero\b/g, "oh");
}

/** "312 555 0147" → "three one two, five five five, oh one four seven", the way people read numbers out. */
export function speakPhone(phone: string): string {
  const digits = phone.replace(/\D/g, "");
  const groups = digits.length === 10 ? [digits.slice(0, 3), digits.slice(3, 6), digits.slice(6)] : [digits];
  return groups.map(speakDigitsWords).join(", ");
}

/** 1982 → "nineteen eighty-two", 2005 → "two thousand five", 1907 → "nineteen oh seven". */
export function speakYear(year: number): string {
  if (year >= 2000 && year < 2010) return `two thousand${year % 100 ? ` ${cardinal(year % 100)}` : ""}`;
  const hi = Math.floor(year / 100);
  const lo = year % 100;
  return `${cardinal(hi)} ${lo === 0 ? "hundred" : lo < 10 ? `oh ${cardinal(lo)}` : cardinal(lo)}`;
}

/** "1982-03-03" → "March third, nineteen eighty-two". */
export function speakDob(iso: string): string {
  const [year, month, day] = iso.split("-").map(Number);
  if (!year || !month || !day) return iso;
  return `${MONTHS[month - 1]} ${ordinal(day)}, ${speakYear(year)}`;
}

/** 300 → "three hundred dollars"; 482.5 → "four hundred eighty-two dollars and fifty cents". */
export function speakDollars(value: string | number): string {
  const amount = Number(value);
  if (!Number.isFinite(amount)) return String(value);
  const dollars = Math.floor(amount);
  const cents = Math.round((amount - dollars) * 100);
  const dollarPart = `${cardinal(dollars)} dollar${dollars === 1 ? "" : "s"}`;
  return cents === 0 ? dollarPart : `${dollarPart} and ${cardinal(cents)} cents`;
}

/** A clock time as said: "3 pm" → "three p m", "2:30" → "two thirty", "9:05 am" → "nine oh five a m". */
function speakClock(hour: number, minute: number, half: string | undefined): string {
  const minutes = minute === 0 ? "" : minute < 10 ? ` oh ${cardinal(minute)}` : ` ${cardinal(minute)}`;
  const suffix = half ? ` ${half.toLowerCase()} m` : "";
  if (hour === 12 && minute === 0 && half?.toLowerCase() === "p") return "noon";
  return `${cardinal(hour)}${minutes}${suffix}`;
}

/**
 * Any slot value as a caller would say it: digits in dates, times and counts become words.
 * Text without digits passes through unchanged.
 */
export function speakValue(value: unknown): string {
  let text = String(value ?? "");
  if (!/\d/.test(text)) return text;
  // Clock times first, so "3 pm" does not become "three pm" through the plain-number rule.
  text = text.replace(/\b(\d{1,2})(?::(\d{2}))?\s*([ap])\.?\s*m\b\.?/gi, (_, h: string, m: string | undefined, half: string) => speakClock(Number(h), Number(m ?? 0), half));
  text = text.replace(/\b(\d{1,2}):(\d{2})\b/g, (_, h: string, m: string) => speakClock(Number(h), Number(m), undefined));
  // Ordinals ("the 25th", "March 18"): a number after a month name is a day of the month.
  text = text.replace(/\b(\d{1,2})(st|nd|rd|th)\b/gi, (_, n: string) => ordinal(Number(n)));
  text = text.replace(new RegExp(`\\b(${MONTHS.join("|")}) (\\d{1,2})\\b`, "gi"), (_, month: string, n: string) => `${month} ${ordinal(Number(n))}`);
  text = text.replace(/\b\d{4}-\d{2}-\d{2}\b/g, (iso) => speakDob(iso));
  // A long number or one with a leading zero is an id, said a digit at a time ("three three five one nine zero").
  text = text.replace(/\b\d+\b/g, (n) => (n.length >= 5 || (n.length > 1 && n.startsWith("0")) ? speakDigitsWords(n) : cardinal(Number(n))));
  return text;
}

/** "morning" → "in the morning", "3 pm" → "at three p m", "around 2" → "around two". */
export function timePhrase(value: unknown): string {
  const text = String(value);
  if (/^(in the )?(morning|afternoon|evening)$/i.test(text.trim())) return `in the ${text.replace(/^in the /i, "")}`;
  if (/^(around|about|after|before|by|at)\b/i.test(text.trim())) return speakValue(text);
  return `at ${speakValue(text)}`;
}

/** The hour of a spoken or written time, in words ("3 pm" → "three"), to match offered times. */
export function spokenHour(text: string): string {
  const digit = /(\d{1,2})/.exec(text);
  if (digit) {
    const hour = Number(digit[1]);
    return cardinal(hour > 12 ? hour - 12 : hour);
  }
  const word = /\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\b/i.exec(text);
  return word?.[1]?.toLowerCase() ?? text;
}
