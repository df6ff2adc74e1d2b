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

/** Flows of the built-in intents that the caller only asks about: hearing the answer settles them. */
export const INFORMATION_FLOWS: readonly string[] = ["balance", "availability", "lookup"];

export function flowOf(pack: ScenarioPack, scenario: Scenario): string {
  return pack.agent.intents.find((intent) => intent.id === scenario.goal.intent)?.flow ?? "";
}

/**
 * What the caller wants, in their words: `slot(name)` gives a slot value the caller would say in
 * this sentence, or undefined for one they hold back (underspecified, or to be corrected).
 */
export function goalSentence(pack: ScenarioPack, scenario: Scenario, rng: Rng, slot: (name: string) => string | undefined): string {
  const goal = scenario.goal;
  const flow = flowOf(pack, scenario);
  const date = slot("date");
  const time = slot("time") !== undefined && date ? ` ${timePhrase(slot("time"))}` : "";
  const when = date ? ` ${speakValue(date)}${time}` : "";
  const service = slot("service");
  const appointment = slot("appointment_date");
  const on = appointment ? ` on ${speakValue(appointment)}` : "";
  const amount = slot("amount");
  const carrier = slot("carrier");
  const provider = slot("provider");
  const bodies: Record<string, readonly string[]> = {
    book: service
      ? [`I'd like to book ${article(service)}${when}.`, `I need to schedule ${article(service)}${date ? ` for${when}` : ""}.`, `Can I make an appointment for ${article(service)}${when}?`, `I'd like to set up ${article(service)}${when}.`]
      : ["I need to see the doctor.", "I'd like to make an appointment.", "I need to come in.", "I need to get in to see someone."],
    reschedule: [`I need to move my appointment${on}.`, `I have to reschedule my appointment${appointment ? ` for ${speakValue(appointment)}` : ""}.`, `Can I change my appointment${on} to another day?`],
    cancel: [`I need to cancel my appointment${on}.`, `I can't make my appointment${appointment ? ` ${speakValue(appointment)}` : ""}, so I need to cancel it.`, `I have to cancel my visit${on}.`],
    lookup: carrier
      ? [`I wanted to check if you take ${carrier}.`, `Do you accept ${carrier}?`, `Is ${carrier} in network with you?`]
      : "carrier" in goal.slots
        ? ["I have a question about my insurance.", "I wanted to ask about insurance."]
        : [`I'm calling to ${lowerFirst(goal.description)}.`, `I wanted to ${lowerFirst(goal.description)}.`],
    availability: [`When does ${provider ?? "the doctor"} have openings${date ? ` ${speakValue(date)}` : ""}?`, `I'm trying to find out when ${provider ?? "someone"} is available${date ? ` ${speakValue(date)}` : ""}.`],
    handoff: ["I have a question about a charge on my bill.", "I got a bill and I don't understand it.", "I'm calling about my billing statement."],
    balance: ["I got a letter and wanted to check my balance.", "Can you tell me how much I owe?", "I got a letter from you. How much is it I owe?"],
    payment:
      amount === "all"
        ? ["I'd like to pay off my balance.", "I want to pay the whole thing off today."]
        : [`I'd like to make a payment${amount ? ` of ${speakDollars(amount)}` : ""}.`, "I want to pay on my account.", "I'd like to pay something on my account."],
    payment_plan: ["I can't pay it all at once. Can I set up a payment plan?", "Is there a way to pay this off in installments?", "Could I pay this in monthly payments?"],
    promise_to_pay: [`I can't pay today, but I can pay${amount ? ` ${speakDollars(amount)}` : ""}${date ? ` ${speakValue(date)}` : " soon"}.`, `I'll have the money${date ? ` ${speakValue(date)}` : " soon"}. Can I promise to pay${amount ? ` ${speakDollars(amount)}` : ""} then?`],
    dispute: ["I don't think I owe this. I want to dispute it.", "This debt isn't mine. I want to dispute it.", "I don't recognize this debt at all, and I want to dispute it."],
    hardship: ["I lost my job and I'm really struggling to pay this.", "Things have been really hard lately and I can't keep up with payments."],
    cease_contact: ["I want you to stop calling me.", "Please stop contacting me about this."],
  };
  return rng.pick(bodies[flow] ?? [`I'm calling to ${lowerFirst(goal.description)}.`, `I wanted to ${lowerFirst(goal.description)}.`]);
}

/** Why the caller is disputing or struggling, when the agent asks and the goal has no `reason`. */
export function reasonSentence(flow: string, rng: Rng): string {
  if (flow === "dispute") return rng.pick(["I never had an account with them.", "I don't recognize it. I think it's a mistake.", "That's not my debt."]);
  if (flow === "hardship") return rng.pick(["I lost my job last month.", "I had a lot of medical bills this year.", "My hours got cut and I can't keep up."]);
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
    provider: [`${capitalise(value)}, if possible.`, `I'd like to see ${value}.`],
    amount: value === "all" ? ["I'll pay the whole thing.", "The full balance.", "All of it."] : [`${capitalise(speakDollars(value))}.`, `I can do ${speakDollars(value)}.`],
    installments: [`${capitalise(said)} months, if I can.`, `Over ${said} months.`],
    reason: [`${capitalise(value)}.`],
    method_last4: [`The card ending in ${speakDigitsWords(value)}.`, `Use the one ending ${speakDigitsWords(value)}.`],
    appointment_date: [`The one on ${said}.`, `The ${said} one.`],
  };
  return rng.pick(lines[slot] ?? [`${capitalise(said)}.`]);
}

/** What a caller says for a slot they have no preference on. */
export const NO_PREFERENCE: Record<string, readonly string[]> = {
  provider: ["Anyone is fine.", "Whoever's available.", "I don't mind who."],
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
