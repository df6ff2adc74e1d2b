import type { Persona, Scenario } from "../scenarios/index.ts";
import type { Rng } from "../tools/index.ts";
import { CONFUSABLE_NUMBERS, DIGIT_WORDS, FILLERS, HOMOPHONES, INSERTIONS, nameConfusion } from "./voice/word-lists.ts";

/** How the line behaves for one caller: their speech habits plus the scenario's overrides. */
export interface ChannelSettings {
  /** Speech recogniser word error rate on this caller. */
  wer: number;
  disfluencyRate: number;
  bargeInRate: number;
  silenceRate: number;
  speakingRateWpm: number;
}

export function channelSettings(persona: Persona, scenario: Scenario): ChannelSettings {
  const interrupts = scenario.complications.find((c) => c.kind === "interrupts");
  return {
    wer: scenario.voice?.asrWer ?? persona.asr.wer,
    disfluencyRate: persona.style.disfluencyRate,
    bargeInRate: interrupts?.kind === "interrupts" ? interrupts.rate : (scenario.voice?.bargeInRate ?? persona.asr.bargeInRate),
    silenceRate: scenario.voice?.silenceRate ?? persona.asr.silenceRate,
    speakingRateWpm: persona.style.speakingRateWpm,
  };
}

export interface AsrEdit {
  kind: "substitution" | "number_confusion" | "homophone" | "name" | "digit" | "deletion" | "insertion";
  from: string;
  to: string;
}

/**
 * What a speech recogniser makes of `said`: each word is misrecognised with probability `wer`,
 * the way real ASR errs (homophones, teen/ty numbers, digits, names, dropped and inserted words),
 * so the agent must cope with what it heard rather than what was meant.
 */
export function recognise(said: string, options: { wer: number; names: readonly string[]; rng: Rng }): { heard: string; edits: AsrEdit[] } {
  const { wer, rng } = options;
  const tokens = said.split(/\s+/).filter(Boolean);
  if (wer <= 0 || tokens.length === 0) return { heard: said, edits: [] };
  const nameWords = new Set(options.names.flatMap((n) => n.toLowerCase().split(/\s+/)));
  const out: string[] = [];
  const edits: AsrEdit[] = [];
  for (const token of tokens) {
    // Recognisers bias toward digits in number-collection turns, so digits err half as often.
    const isDigit = DIGIT_WORDS.includes(token.toLowerCase().replace(/[^a-z]/g, "")) || /^\d+[,.]?$/.test(token);
    if (!rng.chance(isDigit ? wer / 2 : wer)) {
      out.push(token);
      continue;
    }
    const { core, lead, trail } = splitPunctuation(token);
    const lower = core.toLowerCase();
    const edit = (kind: AsrEdit["kind"], to: string) => {
      edits.push({ kind, from: core, to });
      if (to) out.push(`${lead}${matchCase(core, to)}${trail}`);
    };
    if (CONFUSABLE_NUMBERS[lower]) edit("number_confusion", CONFUSABLE_NUMBERS[lower] as string);
    else if (HOMOPHONES[lower]) edit("homophone", rng.pick(HOMOPHONES[lower] as readonly string[]));
    else if (/^\d+$/.test(core)) edit("digit", core.replace(/\d/, (d) => String((Number(d) + rng.pick([1, 9])) % 10)));
    else if (DIGIT_WORDS.includes(lower)) edit("digit", rng.pick(DIGIT_WORDS.filter((w) => w !== lower)));
    else if (nameWords.has(lower)) edit("name", nameConfusion(lower, rng));
    else {
      const roll = rng.next();
      if (roll < 0.45) edit("deletion", "");
      else if (roll < 0.7) {
        out.push(token);
        const inserted = rng.pick(INSERTIONS);
        edits.push({ kind: "insertion", from: "", to: inserted });
        out.push(inserted);
      } else edit("substitution", similarWord(lower, rng));
    }
  }
  return { heard: out.join(" "), edits };
}

/** Adds the um/uh, restarts and hedges of spontaneous speech at the given rate per sentence start. */
export function addDisfluencies(text: string, rate: number, rng: Rng): string {
  if (rate <= 0 || !text) return text;
  const words = text.split(" ");
  const out: string[] = [];
  words.forEach((word, index) => {
    const atPhraseStart = index === 0 || /[.,?!]$/.test(words[index - 1] ?? "");
    if (atPhraseStart && rng.chance(rate)) {
      const roll = rng.next();
      if (roll < 0.6) out.push(rng.pick(FILLERS));
      else if (roll < 0.85 && word.length > 1) out.push(`${word.replace(/[.,?!]$/, "")}—`);
      else out.push(rng.pick(["I mean,", "you know,", "like,"]));
    }
    out.push(word);
  });
  return out.join(" ");
}

/** Speaking time of a text at a words-per-minute rate, with a small pause per sentence. */
export function speechDurationMs(text: string, wordsPerMinute: number): number {
  const words = text.split(/\s+/).filter(Boolean).length;
  if (words === 0) return 0;
  const sentences = Math.max(1, (text.match(/[.?!]/g) ?? []).length);
  return Math.round((words / wordsPerMinute) * 60_000 + sentences * 250);
}

/**
 * Whether the caller talks over the agent, and what they had heard when they did: never before
 * the first three words (people let a sentence start), at most just before the end.
 */
export function bargeIn(agentSaid: string, options: { rate: number; rng: Rng }): { interrupted: boolean; callerHeard: string } {
  const words = agentSaid.split(/\s+/).filter(Boolean);
  if (words.length < 6 || !options.rng.chance(options.rate)) return { interrupted: false, callerHeard: agentSaid };
  const cut = options.rng.int(3, words.length - 2);
  return { interrupted: true, callerHeard: words.slice(0, cut).join(" ") };
}

/** What the caller's keypad sends: the digits exactly, and how the transcript shows the presses. */
export function dtmf(digits: string): { heard: string; said: string } {
  const clean = digits.replace(/[^0-9*#]/g, "");
  return { heard: clean, said: `[keypad ${clean.split("").join(" ")}]` };
}

function splitPunctuation(token: string): { lead: string; core: string; trail: string } {
  const match = /^([^\w]*)(.*?)([^\w]*)$/.exec(token);
  return { lead: match?.[1] ?? "", core: match?.[2] ?? token, trail: match?.[3] ?? "" };
}

function matchCase(original: string, replacement: string): string {
  if (original && original[0] === original[0]?.toUpperCase() && original[0] !== original[0]?.toLowerCase()) {
    return replacement.charAt(0).toUpperCase() + replacement.slice(1);
  }
  return replacement;
}

/** A near-miss: one edit of a vowel, the most common way a recogniser garbles a content word. */
function similarWord(word: string, rng: Rng): string {
  const vowels = [...word.matchAll(/[aeiou]/g)].map((m) => m.index ?? 0);
  if (vowels.length === 0) return `${word}s`;
  const at = rng.pick(vowels);
  const replacement = rng.pick(["a", "e", "i", "o", "u"].filter((v) => v !== word[at]));
  return word.slice(0, at) + replacement + word.slice(at + 1);
}
