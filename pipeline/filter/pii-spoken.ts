import { toCardinal, toOrdinal } from "n2words/en-US";
import { keptDigitTokens, STRICT_DIGITS, WEAK_DIGITS } from "../../agents/index.ts";

/**
 * Where identifiers hide in speech: digit runs said or typed ("five oh five, uh, five five five,
 * oh one six oh", "(505) 555-0160", "double seven"), and dates of birth with fillers inside
 * ("November second, uh nineteen sixty-nine"). The digit reading follows the agent's own
 * (weak words such as "oh", "to", "for" count only beside a real digit; teens and tens count),
 * so what the pseudonymiser replaces is exactly what the agent would have read as a number.
 */

const STRICT = STRICT_DIGITS;
const WEAK = WEAK_DIGITS;
const TEENS: Record<string, number> = { ten: 10, eleven: 11, twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18, nineteen: 19 };
const TENS: Record<string, number> = { twenty: 20, thirty: 30, forty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90 };
const FILLERS = new Set(["uh", "um", "er", "erm", "hmm", "hm", "ah", "uhh", "umm", "like"]);
const DIGIT_NAMES = ["oh", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];

export const MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];

/** One digit-bearing token of a run, with where it sits in the text. */
export interface DigitPiece {
  start: number;
  end: number;
  digits: string;
  style: "numeral" | "word" | "pair" | "repeat";
  /** The word "zero" was used for 0 (kept in the fake). */
  isZero: boolean;
  /** Part of the agent's reading (a weak word at a run's edge with no real digit beside it is not). */
  isKept?: boolean;
}

/** A run of digits as the agent would read it, with its pieces. */
export interface DigitRun {
  start: number;
  end: number;
  /** The digits as the agent reads them. */
  digits: string;
  /** Every digit-like word counted, the dropped weak ones too. */
  allDigits: string;
  pieces: DigitPiece[];
  /** Said in words (at least one digit word), not typed. */
  isSpoken: boolean;
}

interface Word {
  text: string;
  start: number;
  end: number;
}

// Commas, hyphens and brackets do not break a number; the dash of a restart ("four— four one four")
// does, as it does for the agent, which reads "four—" as no digit.
const GAP = /^[\s,.()\-+]*$/;

/** The digit runs of a text, in order. */
export function findDigitRuns(text: string): DigitRun[] {
  // Fillers the agent strips before it reads digits ("three five oh, I mean, ..."), and dates and
  // clock times, which are read as dates and times, never as digit strings.
  const fillers = ranges(text, /\b(?:um+|uh+|er+|erm|hm+|ah+|like|you know|i mean|let me see|let me think)\b/gi);
  const masked = ranges(text, /\b\d{4}-\d{2}-\d{2}(?:T[\d:.+-]+Z?)?\b|\b\d{1,2}:\d{2}\b/g);
  const inside = (list: Array<[number, number]>, at: number) => list.some(([a, b]) => at >= a && at < b);
  const words: Word[] = [...text.matchAll(/[A-Za-z]+|\d+/g)]
    .map((m) => ({ text: m[0], start: m.index ?? 0, end: (m.index ?? 0) + m[0].length }))
    .map((w) => (inside(masked, w.start) ? { ...w, text: "DATE" } : inside(fillers, w.start) ? { ...w, text: "uh" } : w));
  const runs: DigitRun[] = [];
  let current: Array<DigitPiece & { isWeak: boolean }> = [];
  const flush = () => {
    const kept = keptDigitTokens(current);
    if (!kept.some((p) => !p.isWeak)) {
      current = [];
      return;
    }
    // Weak words at the edges that stand beside nothing strong are no digits; inside a run they
    // stay as pieces (a misheard "won" may be a real digit) but out of the agent's reading.
    const first = current.indexOf(kept[0] as (typeof current)[number]);
    const last = current.indexOf(kept.at(-1) as (typeof current)[number]);
    const pieces = current.slice(first, last + 1).map((p) => ({ ...p, isKept: kept.includes(p) }));
    runs.push({
      start: pieces[0]?.start ?? 0,
      end: pieces.at(-1)?.end ?? 0,
      digits: kept.map((p) => p.digits).join(""),
      allDigits: pieces.map((p) => p.digits).join(""),
      pieces,
      isSpoken: pieces.some((p) => p.style !== "numeral"),
    });
    current = [];
  };
  let repeat = 1;
  let repeatStart = -1;
  let lastEnd = -1;
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as Word;
    const lower = word.text.toLowerCase();
    const gap = lastEnd >= 0 ? text.slice(lastEnd, word.start) : "";
    if (current.length && !GAP.test(gap)) flush();
    if (FILLERS.has(lower) && current.length) {
      lastEnd = word.end;
      continue;
    }
    const piece = pieceAt(text, words, i);
    if ((lower === "double" || lower === "triple") && piece === undefined && pieceAt(text, words, i + 1)) {
      repeat = lower === "double" ? 2 : 3;
      repeatStart = word.start;
      lastEnd = word.end;
      continue;
    }
    if (!piece) {
      flush();
      repeat = 1;
      lastEnd = word.end;
      continue;
    }
    if (repeat > 1 && piece.piece.digits.length === 1) {
      current.push({ ...piece.piece, start: repeatStart, digits: piece.piece.digits.repeat(repeat), style: "repeat", isWeak: false });
    } else current.push(piece.piece);
    repeat = 1;
    i += piece.length - 1;
    lastEnd = (words[i] as Word).end;
  }
  flush();
  return runs;
}

function pieceAt(text: string, words: readonly Word[], i: number): { piece: DigitPiece & { isWeak: boolean }; length: number } | undefined {
  const word = words[i];
  if (!word) return undefined;
  const lower = word.text.toLowerCase();
  const base = { start: word.start, end: word.end, isZero: lower === "zero" };
  if (/^[—–]/.test(text.slice(word.end))) return undefined;
  if (/^\d+$/.test(word.text)) {
    // Digits glued to letters are part of an id ("CUS-2001", "3rd", "10T09"), not a number said.
    const before = text.slice(Math.max(0, word.start - 2), word.start);
    const after = text.charAt(word.end);
    if (/[A-Za-z]$/.test(before) || /[A-Za-z]-$/.test(before) || /[A-Za-z]/.test(after) || before.endsWith("$")) return undefined;
    return { piece: { ...base, digits: word.text, style: "numeral", isWeak: false }, length: 1 };
  }
  if (STRICT[lower] !== undefined) return { piece: { ...base, digits: STRICT[lower] as string, style: "word", isWeak: false }, length: 1 };
  if (WEAK[lower] !== undefined) return { piece: { ...base, digits: WEAK[lower] as string, style: "word", isWeak: true }, length: 1 };
  if (TEENS[lower] !== undefined) return { piece: { ...base, digits: String(TEENS[lower]), style: "pair", isWeak: false }, length: 1 };
  if (TENS[lower] !== undefined) {
    const next = words[i + 1];
    const unit = next ? STRICT[next.text.toLowerCase()] : undefined;
    if (next && unit !== undefined && unit !== "0" && /^[\s-]$/.test(text.slice(word.end, next.start))) {
      return { piece: { ...base, end: next.end, digits: String((TENS[lower] as number) + Number(unit)), style: "pair", isWeak: false }, length: 2 };
    }
    return { piece: { ...base, digits: String(TENS[lower]), style: "pair", isWeak: false }, length: 1 };
  }
  return undefined;
}

function ranges(text: string, pattern: RegExp): Array<[number, number]> {
  return [...text.matchAll(pattern)].map((m) => [m.index ?? 0, (m.index ?? 0) + m[0].length]);
}

/** The run said again with other digits, in the same rhythm: words stay words, numerals stay numerals. */
export function respeakRun(text: string, run: DigitRun, fake: string, options: { keptOnly?: boolean } = {}): string {
  let out = "";
  let at = run.start;
  let k = 0;
  for (const piece of run.pieces) {
    out += text.slice(at, piece.start);
    if (options.keptOnly && piece.isKept === false) {
      out += text.slice(piece.start, piece.end);
      at = piece.end;
      continue;
    }
    const digits = fake.slice(k, k + piece.digits.length);
    k += piece.digits.length;
    const original = text.slice(piece.start, piece.end);
    let spoken: string;
    if (piece.style === "numeral") spoken = digits;
    else if (piece.style === "pair" && digits.length === 2 && digits[0] !== "0") spoken = String(toCardinal(Number(digits)));
    else if (piece.style === "repeat" && new Set(digits).size === 1) spoken = `${original.toLowerCase().startsWith("triple") ? "triple" : "double"} ${digitWord(digits[0] ?? "0", piece.isZero)}`;
    else spoken = Array.from(digits, (d) => digitWord(d, piece.isZero)).join(" ");
    out += /^[A-Z]/.test(original) ? spoken.charAt(0).toUpperCase() + spoken.slice(1) : spoken;
    at = piece.end;
  }
  return out;
}

const digitWord = (digit: string, isZero: boolean) => (digit === "0" && isZero ? "zero" : (DIGIT_NAMES[Number(digit)] ?? "oh"));

// ---------------------------------------------------------------- dates of birth

const DAY_WORD =
  "(?:(?:twenty|thirty)[\\s-]?(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|one|two|three|four|five|six|seven|eight|nine)|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|thirtieth|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|\\d{1,2}(?:st|nd|rd|th)?)";
const TENS_WORD = "(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)";
const UNIT_WORD = "(?:one|two|three|four|five|six|seven|eight|nine)";
const TEEN_WORD = "(?:ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)";
const JUNK = "(?:[\\s,.—–-]|\\b(?:uh+|um+|er+|erm|hm+|ah+|the|of|a|and|like|you know|i mean|let me see|let me think|so|well)\\b)+";
// Between the day and the year a recogniser may put a stray word or two ("November 21st a 1975"),
// which the agent's date reader skips; so does this.
const GAP_WORDS = `(?:${JUNK}(?:[a-z]{1,8}${JUNK}){0,2})`;
const YEAR_TAIL = `(?:${TENS_WORD}(?:[\\s-]${UNIT_WORD})?|${TEEN_WORD}|oh[\\s-]${UNIT_WORD}|hundred)`;
const YEAR = `(?:\\d{4}|(?:nineteen|ninety|ninteen|nine|twenty|two)${JUNK}${YEAR_TAIL}|(?:nineteen|twenty)(?:${JUNK}(?:nineteen|twenty))?${JUNK}${YEAR_TAIL}|two thousand(?:\\s+and)?(?:[\\s-](?:${TEEN_WORD}|${TENS_WORD}(?:[\\s-]${UNIT_WORD})?|${UNIT_WORD}))?)`;

/** Month, optional day, year — with fillers, "the", restarts and commas between. */
const RESTART = "(?:[a-z]+[—–]\\s*)?";
// A month as the agent's date reader takes it: its first three letters ("Aprel" is April).
const MONTH = "(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\\.?";
// A month said twice over a restart ("April— April twelfth") is one date: its day is not a gap word.
export const SPOKEN_DATE = new RegExp(`\\b(?:${MONTH}[—–]\\s*)?(${MONTH})(?![a-z])(?:${JUNK}${RESTART}(${DAY_WORD}))?${GAP_WORDS}(${RESTART}${YEAR})\\b`, "gi");

/** "March third, nineteen eighty-two" (or "March 3, 1982" when the original was written). */
export function sayDob(iso: string, isWritten: boolean, hasDay: boolean): string {
  const [y = 1980, m = 1, d = 1] = iso.split("-").map(Number);
  const month = MONTHS[m - 1] ?? "january";
  const name = `${month.charAt(0).toUpperCase()}${month.slice(1)}`;
  if (isWritten) return hasDay ? `${name} ${d}, ${y}` : `${name} ${y}`;
  return hasDay ? `${name} ${toOrdinal(d)}, ${sayYear(y)}` : `${name} ${sayYear(y)}`;
}

export function sayYear(year: number): string {
  if (year >= 2000 && year < 2010) return `two thousand${year % 100 ? ` ${toCardinal(year % 100)}` : ""}`;
  const lo = year % 100;
  return `${toCardinal(Math.floor(year / 100))} ${lo === 0 ? "hundred" : lo < 10 ? `oh ${toCardinal(lo)}` : toCardinal(lo)}`;
}

const SMALL: Record<string, number> = { oh: 0, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18, nineteen: 19 };
const TENS_VALUE: Record<string, number> = { twenty: 20, thirty: 30, forty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90 };

/** The last two digits of a spoken year, even when the century was misheard ("ninety seventy-one" → 71). */
export function yearTail(year: string): number | undefined {
  const digits = /(\d{2})$/.exec(year.trim());
  if (digits) return Number(digits[1]);
  const words = year.toLowerCase().split(/[^a-z]+/).filter(Boolean);
  const last = words.at(-1) ?? "";
  const before = words.at(-2) ?? "";
  if (last === "hundred") return 0;
  if (SMALL[last] !== undefined && TENS_VALUE[before] !== undefined) return (TENS_VALUE[before] as number) + (SMALL[last] as number);
  if (TENS_VALUE[last] !== undefined) return TENS_VALUE[last];
  if (SMALL[last] !== undefined) return SMALL[last];
  return undefined;
}

/** Fillers and restarts out and the month spelt out, so a date parser reads what was meant. */
export function cleanSpokenDate(text: string): string {
  return text
    .replace(/^(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?/i, (m, p: string) => MONTHS.find((month) => month.startsWith(p.toLowerCase())) ?? m)
    .replace(/\b(nineteen|twenty)\s*[—–-]\s*(?=(nineteen|twenty)\b)/gi, "")
    .replace(/\b([a-z]+)[—–]\s*(?=\1\b)/gi, "")
    .replace(/\b[a-z]+[—–]\s*/gi, "")
    .replace(/\b(uh+|um+|er+|erm|hm+|ah+|you know|i mean|let me see|let me think)\b,?/gi, " ")
    .replace(/\s+/g, " ")
    .trim();
}
