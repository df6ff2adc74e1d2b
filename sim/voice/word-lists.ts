import type { Rng } from "../../tools/index.ts";

/** Teen/ty pairs are the classic phone-line number confusion ("fifteen" heard as "fifty"). */
export const CONFUSABLE_NUMBERS: Readonly<Record<string, string>> = {
  thirteen: "thirty",
  thirty: "thirteen",
  fourteen: "forty",
  forty: "fourteen",
  fifteen: "fifty",
  fifty: "fifteen",
  sixteen: "sixty",
  sixty: "sixteen",
  seventeen: "seventy",
  seventy: "seventeen",
  eighteen: "eighty",
  eighty: "eighteen",
  nineteen: "ninety",
  ninety: "nineteen",
};

export const HOMOPHONES: Readonly<Record<string, readonly string[]>> = {
  two: ["to", "too"],
  to: ["two", "too"],
  too: ["two", "to"],
  four: ["for", "fore"],
  for: ["four"],
  eight: ["ate"],
  right: ["write", "rite"],
  write: ["right"],
  there: ["their", "they're"],
  their: ["there"],
  no: ["know"],
  know: ["no"],
  weight: ["wait"],
  wait: ["weight"],
  week: ["weak"],
  due: ["do", "dew"],
  new: ["knew"],
  hear: ["here"],
  here: ["hear"],
  one: ["won"],
  by: ["buy", "bye"],
  bill: ["build"],
  owe: ["oh"],
  oh: ["owe", "zero"],
  pay: ["play"],
  card: ["car"],
  cancel: ["council"],
  tuesday: ["twos day"],
  thursday: ["thirsty"],
  cleaning: ["clean in"],
  balance: ["ballots"],
};

export const DIGIT_WORDS: readonly string[] = ["zero", "oh", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];

export const FILLERS: readonly string[] = ["um,", "uh,", "um", "uh", "er,", "hmm,"];

/** Words a recogniser hallucinates into noise and breath. */
export const INSERTIONS: readonly string[] = ["uh", "the", "and", "a", "oh", "hm"];

/** Misheard names: a sound-alike substitution on the first syllable or the ending. */
export function nameConfusion(name: string, rng: Rng): string {
  const swaps: Array<[RegExp, string]> = [
    [/^m/, "n"],
    [/^n/, "m"],
    [/^b/, "p"],
    [/^p/, "b"],
    [/^d/, "t"],
    [/^t/, "d"],
    [/^j/, "g"],
    [/^c/, "k"],
    [/ez$/, "es"],
    [/son$/, "sen"],
    [/y$/, "ie"],
    [/a$/, "ah"],
  ];
  const applicable = swaps.filter(([pattern]) => pattern.test(name));
  if (applicable.length === 0) return `${name}s`;
  const [pattern, replacement] = rng.pick(applicable);
  return name.replace(pattern, replacement);
}
