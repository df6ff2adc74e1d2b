import type { RefusalTrap, Scenario, ScenarioPack } from "../../scenarios/index.ts";
import type { Rng } from "../../tools/index.ts";
import { capitalise, lowerFirst } from "./persona-voice.ts";
import { speakDigitsWords, speakDollars, speakValue, timePhrase } from "./spoken.ts";

/**
 * How the caller springs a refusal trap: the scenario's own words, else the pack rule's
 * `utterance`, else a request built from the rule's first keyword.
 */
export function trapLine(pack: ScenarioPack, trap: RefusalTrap, utterance: string | undefined): string {
  if (utterance) return utterance;
  const rule = pack.agent.refusals.find((r) => r.trap === trap);
  if (rule?.utterance) return rule.utterance;
  const keyword = rule?.keywords[0];
  return keyword ? `Could you make an exception and ${keyword}?` : "Can you make an exception for me?";
}

export const article = (noun: string) => (/^(a|an|the|my|our|your) /i.test(noun) ? noun : /^[aeiou]/i.test(noun) ? `an ${noun}` : `a ${noun}`);

/**
 * What the caller wants when the pack gives no opening line that fits: the scenario's goal in
 * the caller's words.
 */
export function goalSentence(scenario: Scenario, rng: Rng): string {
  const goal = lowerFirst(scenario.goal.description).replace(/[.]$/, "");
  return rng.pick([`I'm calling to ${goal}.`, `I wanted to ${goal}.`]);
}

/** Why, when the agent asks and neither the scenario nor the pack says. */
export function reasonSentence(rng: Rng): string {
  return rng.pick(["It's just what I need right now.", "It's a long story, honestly."]);
}

/** A slot answer in the caller's words, numbers spoken. */
export function slotLine(slot: string, value: string, rng: Rng, extra: { time?: string | undefined } = {}): string {
  const time = extra.time !== undefined ? ` ${timePhrase(extra.time)}` : "";
  const said = speakValue(value);
  const lines: Record<string, readonly string[]> = {
    service: [`${capitalise(article(value))}.`, `I need ${article(value)}.`, `It's for ${article(value)}.`],
    date: [`${capitalise(said)}${time}, if possible.`, `How about ${said}${time}?`, `${capitalise(said)}${time} would be best.`],
    time: [`${capitalise(timePhrase(value))}, if you have it.`, `${capitalise(timePhrase(value))} works best.`, `Something ${timePhrase(value)}.`],
    carrier: [`I have ${value}.`, `It's ${value}.`],
    amount: value === "all" ? ["I'll pay the whole thing.", "The full amount.", "All of it."] : [`${capitalise(speakDollars(value))}.`, `I can do ${speakDollars(value)}.`],
    installments: [`${capitalise(said)} months, if I can.`, `Over ${said} months.`],
    reason: [`${capitalise(value)}.`],
    method_last4: [`The card ending in ${speakDigitsWords(value)}.`, `Use the one ending ${speakDigitsWords(value)}.`],
    appointment_date: [`The one on ${said}.`, `The ${said} one.`],
  };
  return rng.pick(lines[slot] ?? [`${capitalise(said)}.`]);
}

/** What a caller says for a slot they have no preference on. */
export const NO_PREFERENCE: Record<string, readonly string[]> = {
  method_last4: ["The card on file is fine.", "Just use the one you have on file."],
  time: ["Any time is fine.", "I'm flexible."],
  date: ["As soon as possible.", "Whenever's soonest."],
};

/** Yes to a read-back ("is that right?") or to an offer to act ("shall I?"), in the right form. */
export function yesLines(question: string): readonly string[] {
  if (/\b(is (that|this) (right|correct)|that's correct|correct\?|right\?)/i.test(question)) return ["Yes, that's right.", "That's correct.", "Yep, that's it.", "Yes."];
  return ["Yes, please.", "Yep, go ahead.", "Yes, go ahead.", "Please do."];
}

export const CLOSING_LINES: readonly string[] = ["No, that's everything. Thank you!", "No, that's all. Thanks for your help.", "Nope, that's it. Bye.", "No, I'm all set. Thanks."];
