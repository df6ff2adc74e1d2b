/**
 * Spoken numbers as speech recognisers write them ("nineteen eighty-two", "five five five, oh
 * one two three", "double seven", "a hundred and fifty"). General word-to-number libraries miss
 * the phone-line forms ("oh" for zero, "double"/"triple", year pairs), so this is ours.
 */

const UNITS: Record<string, number> = {
  zero: 0,
  oh: 0,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
};
const TENS: Record<string, number> = { twenty: 20, thirty: 30, forty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90 };
const ORDINALS: Record<string, number> = {
  first: 1,
  second: 2,
  third: 3,
  fourth: 4,
  fifth: 5,
  sixth: 6,
  seventh: 7,
  eighth: 8,
  ninth: 9,
  tenth: 10,
  eleventh: 11,
  twelfth: 12,
  thirteenth: 13,
  fourteenth: 14,
  fifteenth: 15,
  sixteenth: 16,
  seventeenth: 17,
  eighteenth: 18,
  nineteenth: 19,
  twentieth: 20,
  thirtieth: 30,
};
const DIGIT_WORDS: Record<string, string> = {
  zero: "0",
  oh: "0",
  owe: "0",
  o: "0",
  one: "1",
  won: "1",
  two: "2",
  to: "2",
  too: "2",
  three: "3",
  four: "4",
  for: "4",
  fore: "4",
  five: "5",
  six: "6",
  seven: "7",
  eight: "8",
  ate: "8",
  nine: "9",
};

const ordinalSuffix = (n: number) => {
  const mod100 = n % 100;
  if (mod100 >= 11 && mod100 <= 13) return "th";
  return ["th", "st", "nd", "rd"][n % 10] ?? "th";
};

function tokens(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/(?<!\d)\.|\.(?!\d)|[?!;:"]/g, " ")
    .replace(/(\d),(\d{3})/g, "$1$2")
    .replace(/-/g, " ")
    .split(/[\s,]+/)
    .filter(Boolean);
}

/** Value of a two-word-or-less number at tokens[i] ("twenty", "twenty one", "seventeen"); undefined if none. */
function smallNumberAt(words: readonly string[], i: number): { value: number; length: number } | undefined {
  const word = words[i] ?? "";
  if (word in TENS) {
    const next = words[i + 1] ?? "";
    const unit = UNITS[next];
    if (unit !== undefined && unit > 0 && unit < 10) return { value: (TENS[word] as number) + unit, length: 2 };
    const ordinal = ORDINALS[next];
    if (ordinal !== undefined && ordinal < 10) return { value: (TENS[word] as number) + ordinal, length: 2 };
    return { value: TENS[word] as number, length: 1 };
  }
  if (word in UNITS && word !== "oh") return { value: UNITS[word] as number, length: 1 };
  return undefined;
}

/**
 * Rewrites spoken numbers as digits so date and money parsers can read them:
 * "march third nineteen eighty two" → "march 3rd 1982", "a hundred and fifty dollars" → "150 dollars",
 * "nine thirty" → "9:30" only when followed by am/pm/in the morning (otherwise ambiguous).
 */
export function normaliseSpokenNumbers(text: string): string {
  // The judge and the pseudonymiser read the same lines over and over (once per check, per action).
  let normalised = normalisedTexts.get(text);
  if (normalised === undefined) {
    normalised = readSpokenNumbers(text);
    if (normalisedTexts.size >= NORMALISED_KEPT) normalisedTexts.clear();
    normalisedTexts.set(text, normalised);
  }
  return normalised;
}

const NORMALISED_KEPT = 8_192;
const normalisedTexts = new Map<string, string>();

function readSpokenNumbers(text: string): string {
  const words = tokens(text);
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    // Ordinals: "third" → "3rd", "twenty first" → "21st".
    if (word in TENS && ORDINALS[words[i + 1] ?? ""] !== undefined && (ORDINALS[words[i + 1] ?? ""] as number) < 10) {
      const n = (TENS[word] as number) + (ORDINALS[words[i + 1] as string] as number);
      out.push(`${n}${ordinalSuffix(n)}`);
      i++;
      continue;
    }
    if (ORDINALS[word] !== undefined) {
      const n = ORDINALS[word] as number;
      out.push(`${n}${ordinalSuffix(n)}`);
      continue;
    }
    // Years said as two pairs: "nineteen eighty two", "twenty twenty six", "two thousand one".
    const first = smallNumberAt(words, i);
    if (first && first.value >= 10 && first.value <= 20) {
      const second = smallNumberAt(words, i + first.length);
      const oh = words[i + first.length] === "oh" ? smallNumberAt(words, i + first.length + 1) : undefined;
      if (oh && oh.value < 10) {
        out.push(String(first.value * 100 + oh.value));
        i += first.length + oh.length;
        continue;
      }
      if (second && second.value >= 10 && words[i + first.length] !== "hundred") {
        out.push(String(first.value * 100 + second.value));
        i += first.length + second.length - 1;
        continue;
      }
    }
    // Cardinals with hundred/thousand: "a hundred and fifty", "two thousand one", "twelve fifty".
    const cardinal = cardinalAt(words, i);
    if (cardinal) {
      out.push(String(cardinal.value));
      i += cardinal.length - 1;
      continue;
    }
    out.push(word);
  }
  return out.join(" ");
}

function cardinalAt(words: readonly string[], start: number): { value: number; length: number } | undefined {
  let i = start;
  let total = 0;
  let current = 0;
  let matched = false;
  if ((words[i] === "a" || words[i] === "one") && (words[i + 1] === "hundred" || words[i + 1] === "thousand")) {
    current = 1;
    i++;
    matched = true;
  }
  while (i < words.length) {
    const word = words[i] as string;
    const small = smallNumberAt(words, i);
    if (small && !(matched && current % 100 !== 0 && current !== 1)) {
      current += small.value;
      i += small.length;
      matched = true;
      continue;
    }
    if (/^\d+$/.test(word) && !matched) return undefined;
    if (word === "hundred" && matched) {
      current = (current || 1) * 100;
      i++;
      continue;
    }
    if (word === "thousand" && matched) {
      total += (current || 1) * 1000;
      current = 0;
      i++;
      continue;
    }
    if (word === "and" && matched && (words[i + 1] ?? "") in { ...UNITS, ...TENS }) {
      i++;
      continue;
    }
    break;
  }
  return matched ? { value: total + current, length: i - start } : undefined;
}

/**
 * Digits of a number said digit by digit: "five five five, oh one two three" → "5550123",
 * "double seven" → "77", mixed forms like "312 five five five" too.
 */
export function parseDigitString(text: string): string {
  const words = tokens(text.replace(/[()]/g, " "));
  let out = "";
  let repeat = 1;
  for (const word of words) {
    if (word === "double") {
      repeat = 2;
      continue;
    }
    if (word === "triple") {
      repeat = 3;
      continue;
    }
    if (/^\d+$/.test(word)) {
      out += word.repeat(repeat);
    } else if (DIGIT_WORDS[word] !== undefined) {
      out += (DIGIT_WORDS[word] as string).repeat(repeat);
    } else {
      const small = UNITS[word] ?? TENS[word];
      if (small !== undefined && small >= 10) out += String(small).repeat(repeat);
    }
    repeat = 1;
  }
  return out;
}

/** Words a recogniser writes for a digit that are also ordinary words ("want to", "oh, okay"). */
export const WEAK_DIGITS: Readonly<Record<string, string>> = { oh: "0", o: "0", owe: "0", to: "2", too: "2", for: "4", fore: "4", won: "1", ate: "8" };
export const STRICT_DIGITS: Readonly<Record<string, string>> = {
  zero: "0",
  one: "1",
  two: "2",
  three: "3",
  four: "4",
  five: "5",
  six: "6",
  seven: "7",
  eight: "8",
  nine: "9",
};

interface DigitToken {
  digits: string;
  isWeak: boolean;
}

/** Reads the digit token at words[i]: a numeral, a digit word, a teen, "twenty one", "hundred". */
function digitTokenAt(words: readonly string[], i: number): { token: DigitToken; length: number } | undefined {
  const word = words[i] ?? "";
  if (/^\d+$/.test(word)) return { token: { digits: word, isWeak: false }, length: 1 };
  if (STRICT_DIGITS[word] !== undefined) return { token: { digits: STRICT_DIGITS[word] as string, isWeak: false }, length: 1 };
  if (WEAK_DIGITS[word] !== undefined) return { token: { digits: WEAK_DIGITS[word] as string, isWeak: true }, length: 1 };
  const unit = UNITS[word];
  if (unit !== undefined && unit >= 10) return { token: { digits: String(unit), isWeak: false }, length: 1 };
  const tens = TENS[word];
  if (tens !== undefined) {
    const next = UNITS[words[i + 1] ?? ""];
    if (next !== undefined && next > 0 && next < 10 && words[i + 1] !== "oh") return { token: { digits: String(tens + next), isWeak: false }, length: 2 };
    return { token: { digits: String(tens), isWeak: false }, length: 1 };
  }
  return undefined;
}

/**
 * The tokens of a run that are digits: every real one; a weak word ("oh", "for", "ate") between two
 * real digits ("one owe oh ate seven"); at either end only one right beside a real digit. The
 * pseudonymiser reads speech the same way, so it replaces exactly what the agent read as a number.
 */
export function keptDigitTokens<T extends { isWeak: boolean }>(run: readonly T[]): T[] {
  const first = run.findIndex((token) => !token.isWeak);
  const last = run.findLastIndex((token) => !token.isWeak);
  return run.filter((token, k) => !token.isWeak || (k > first && k < last) || k === first - 1 || k === last + 1);
}

/**
 * The runs of digits a caller said, in order: "five five five, oh one two three" → ["5550123"];
 * "double seven" → ["77"]; "312 five five five" → ["312555"]; "twenty one forty seven" → ["2147"].
 * Words that double as digits ("to", "for", "oh") count only next to a real digit, so "I want to
 * pay" adds no 2. Commas and dashes do not break a run; any other word does.
 */
export function digitRuns(text: string): string[] {
  const words = tokens(text.replace(/[()]/g, " "));
  const runs: string[] = [];
  let run: DigitToken[] = [];
  const flush = () => {
    const kept = keptDigitTokens(run);
    // A weak word kept only beside another weak word ("oh to") is still noise.
    const digits = kept.some((token) => !token.isWeak) ? kept.map((token) => token.digits).join("") : "";
    if (digits) runs.push(digits);
    run = [];
  };
  let repeat = 1;
  for (let i = 0; i < words.length; ) {
    const word = words[i] as string;
    if ((word === "double" || word === "triple") && digitTokenAt(words, i + 1)) {
      repeat = word === "double" ? 2 : 3;
      i++;
      continue;
    }
    // "eight hundred" is 800 on a phone line; a lone "hundred" is no digit.
    const found = word === "hundred" && run.length > 0 ? { token: { digits: "00", isWeak: false }, length: 1 } : digitTokenAt(words, i);
    if (!found) {
      flush();
      repeat = 1;
      i++;
      continue;
    }
    const digits = found.token.digits.length === 1 ? found.token.digits.repeat(repeat) : found.token.digits;
    run.push({ digits, isWeak: found.token.isWeak && repeat === 1 });
    repeat = 1;
    i += found.length;
  }
  flush();
  return runs;
}

/** Every digit a caller said, runs joined: "my card ends in four two, four two" → "4242". */
export function parseDigits(text: string): string {
  return digitRuns(text).join("");
}
