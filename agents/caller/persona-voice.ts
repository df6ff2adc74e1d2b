import type { Persona } from "../../scenarios/index.ts";
import type { Rng } from "../../tools/index.ts";

/**
 * How a persona colours a plain answer: an acknowledgement in their mood, a catchphrase where it
 * fits, an aside for talkative callers, a word or two of their dialect. Seeded, so 100 calls of
 * one scenario differ while one seed repeats exactly.
 */
export type Mood = "open" | "agree" | "answer" | "close";

const ACKS: Record<Persona["traits"]["emotion"], readonly string[]> = {
  calm: ["Sure.", "Okay.", "Yes.", "Alright."],
  cheerful: ["Oh, sure!", "Sure thing.", "Yep!", "Great."],
  anxious: ["Oh, okay.", "Um, okay.", "Right, sorry.", "Yes, sorry."],
  frustrated: ["Fine.", "Yeah.", "Okay, okay.", "Yeah, yeah."],
  angry: ["Fine.", "Yeah.", "Look,", "Okay."],
  confused: ["Oh.", "Well,", "Let me see.", "Hmm, okay."],
  sad: ["Okay.", "Alright.", "Yes."],
};

const ASIDES: Record<Persona["traits"]["emotion"], readonly string[]> = {
  calm: ["Thanks for your help.", "I appreciate it."],
  cheerful: ["Thanks so much!", "You're a lifesaver."],
  anxious: ["Sorry, I'm a bit all over the place.", "I just want to make sure it's sorted."],
  frustrated: ["I don't have a lot of time.", "Can we move this along?"],
  angry: ["I've already wasted enough time on this.", "This shouldn't be so hard."],
  confused: ["I'm not very good with these things.", "My daughter usually does this for me."],
  sad: ["It's been a rough week."],
};

/** A dialect hint ("older Midwestern") adds its own acknowledgements to the persona's. */
const DIALECT_ACKS: Array<[RegExp, readonly string[]]> = [
  [/midwest/i, ["Oh, you bet.", "Okey-dokey.", "Oh, sure, sure."]],
  [/southern/i, ["Yes, ma'am.", "Alrighty.", "Well, sure."]],
  [/british|english \(uk\)|scottish|irish/i, ["Right.", "Lovely.", "Brilliant."]],
  [/australian/i, ["No worries.", "Yep, righto."]],
  [/second language|accent/i, ["Yes, okay.", "Okay, yes."]],
];

export function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function lowerFirst(text: string): string {
  return /^I\b/.test(text) ? text : text.charAt(0).toLowerCase() + text.slice(1);
}

/** The acknowledgements this persona reaches for. */
export function acknowledgements(persona: Persona): readonly string[] {
  const dialect = DIALECT_ACKS.filter(([pattern]) => persona.style.dialectHints.some((hint) => pattern.test(hint))).flatMap(([, acks]) => acks);
  return [...ACKS[persona.traits.emotion], ...dialect];
}

/** A plain answer said in the persona's voice. */
export function inPersona(persona: Persona, rng: Rng, core: string, options: { ack?: boolean; mood?: Mood } = {}): string {
  const mood = options.mood ?? "answer";
  const parts: string[] = [];
  if (options.ack !== false && rng.chance(0.5)) parts.push(rng.pick(acknowledgements(persona)));
  parts.push(core);
  const catchphrases = persona.style.catchphrases;
  if (mood === "agree" && catchphrases.length > 0 && rng.chance(0.2 + persona.traits.verbosity * 0.2)) {
    const phrase = capitalise(rng.pick(catchphrases));
    parts.push(/[.!?]$/.test(phrase) ? phrase : `${phrase}.`);
  }
  if ((mood === "open" || mood === "answer") && rng.chance(persona.traits.verbosity * 0.25)) parts.push(rng.pick(ASIDES[persona.traits.emotion]));
  return parts
    .join(" ")
    .replace(/\s+/g, " ")
    .trim();
}
