import type { Complication, Persona, Scenario, ScenarioPack } from "../../scenarios/index.ts";
import { speakableNow } from "./agent-prompt.ts";

const FACT_WORDS: Record<string, string> = { name: "your name", dob: "your date of birth", phone: "your phone number", zip: "your ZIP code", ssnLast4: "the last four of your Social Security number" };

/**
 * The simulated caller's system prompt: persona, goal, facts to give only when asked, the
 * complications to play, and the date. Record ids (customerId, ...) are left out: a caller
 * does not know them, they only tie the scenario to fixtures.
 */
export function callerSystemPrompt(pack: ScenarioPack, scenario: Scenario, persona: Persona): string {
  // The same for every turn of a call; it was rebuilt (date parsing included) for each request.
  let byPersona = callerPrompts.get(scenario);
  if (!byPersona) {
    byPersona = new WeakMap();
    callerPrompts.set(scenario, byPersona);
  }
  const known = byPersona.get(persona);
  if (known && known.pack === pack) return known.text;
  const text = buildCallerPrompt(pack, scenario, persona);
  byPersona.set(persona, { pack, text });
  return text;
}

const callerPrompts = new WeakMap<Scenario, WeakMap<Persona, { pack: ScenarioPack; text: string }>>();

function buildCallerPrompt(pack: ScenarioPack, scenario: Scenario, persona: Persona): string {
  const traits = persona.traits;
  const facts = Object.entries(scenario.hiddenFacts)
    .filter(([key]) => !/Id$/.test(key))
    .map(([key, value]) => `- ${FACT_WORDS[key] ?? key}: ${String(value)}`);
  const slots = Object.entries(scenario.goal.slots).map(([key, value]) => `- ${key}: ${String(value)}`);
  const complications = scenario.complications.map(describeComplication);
  // A generated variant may lend the seed's person another persona's manner: the caller is still
  // the person the hidden facts belong to, and the other persona's own story is left out.
  const factName = typeof scenario.hiddenFacts.name === "string" && persona.role === "account_holder" ? scenario.hiddenFacts.name : undefined;
  const name = factName ?? persona.name;
  const description = name === persona.name ? (persona.description ?? "") : "";
  const lines = [
    `You are ${name}, phoning ${pack.agent.organization}. ${description}`.trim(),
    persona.role !== "account_holder" ? `You are not the account holder: you are their ${persona.role.replace("_", " ")}.` : "",
    `Your manner: ${traits.emotion}; ${scale(traits.patience, "impatient", "willing to wait a little", "happy to wait")}; ${scale(traits.verbosity, "terse", "chatty enough", "talkative")}; ${scale(traits.cooperativeness, "reluctant to cooperate", "cooperative", "eager to help")}; ${scale(traits.techComfort, "uneasy with technology", "comfortable with phones", "at ease with technology")}.`,
    persona.style.dialectHints.length ? `How you talk: ${persona.style.dialectHints.join(", ")}.` : "",
    persona.style.catchphrases.length ? `Phrases you use now and then: ${persona.style.catchphrases.map((p) => `"${p}"`).join(", ")}.` : "",
    "",
    `Why you are calling (your own aim, not a line to say; tell the agent in your own words, a piece at a time): ${scenario.goal.description}`,
    ...(slots.length ? ["What you have in mind:", ...slots] : []),
    "",
    ...(facts.length ? ["What you know but say only when the agent asks for it:", ...facts, ""] : []),
    ...(complications.length ? ["How to play this call (instructions on when and how to act, never words to read out):", ...complications.map((c) => `- ${c}`), ""] : []),
    `Today is ${speakableNow(scenario.clock.now, scenario.clock.timezone)}.`,
    "Speak as people do on the phone: short, informal, one or two sentences, numbers in words. Never say you are simulated, never describe the agent, and never read out these instructions.",
    "Hang up (hang_up true, with a goodbye) once your goal is met and the agent has nothing more, or when you run out of patience (then goal_met false).",
    'Answer with JSON only: {"utterance": what you say, "hang_up": true or false, "goal_met": true or false, "dtmf": keypad digits you type, or null}.',
  ];
  return lines.filter((line, i, all) => line !== "" || (i > 0 && all[i - 1] !== "")).join("\n");
}

function scale(value: number, low: string, middle: string, high: string): string {
  return value < 0.35 ? low : value > 0.7 ? high : middle;
}

/**
 * A complication as an instruction: when it happens and how to play it, with the values it
 * involves, and never a sentence in quotes (a model repeats a quoted sentence word for word).
 */
export function describeComplication(c: Complication): string {
  const slot = (name: string) => name.replaceAll("_", " ");
  switch (c.kind) {
    case "change_mind":
      return `The first time you say which ${slot(c.slot)} you want, ask for ${String(c.from)}. Only after the agent has offered or booked that, change your mind and ask for ${String(c.to)} instead, in your own words.`;
    case "correction":
      return `The first time you give your ${slot(c.slot)}, give ${String(c.wrong)} by mistake; right after, in the same or your next turn, correct yourself to ${String(c.right)}.`;
    case "underspecified":
      return `Open vaguely, without your ${c.slots.map(slot).join(" or ")}; give each one only when the agent asks for it.`;
    case "refusal_trap":
      return `Once, after you have said why you are calling, ask for something the agent's policy forbids: ${c.trap.replaceAll("_", " ")}${c.utterance ? ` (the gist: ${c.utterance.replace(/[.!?]+$/, "").toLowerCase()})` : ""}, in your own words. If the agent refuses, push back once, then accept it.`;
    case "silence":
      return `At your turn ${c.atTurn}, say nothing at all (an empty utterance), as if distracted.`;
    case "request_human":
      return `${c.atTurn ? `At your turn ${c.atTurn}` : "Once during the call"}, ask to speak with a real person, in your own words.`;
    case "wrong_person":
      return `You are the account holder's ${c.relation}, not the account holder; say so when the agent asks who you are.`;
    case "dtmf":
      return `When the agent asks for your ${slot(c.slot)}, type it on the keypad instead of saying it: put the digits in dtmf and leave the utterance empty.`;
    case "interrupts":
      return "You are impatient: answer in a few words, and cut in when the agent talks for long.";
  }
}
