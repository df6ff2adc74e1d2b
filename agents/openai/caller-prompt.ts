import type { Complication, Persona, Scenario, ScenarioPack } from "../../scenarios/index.ts";
import { speakableNow } from "./agent-prompt.ts";

const FACT_WORDS: Record<string, string> = { name: "your name", dob: "your date of birth", phone: "your phone number", zip: "your ZIP code", ssnLast4: "the last four of your Social Security number" };

/**
 * The simulated caller's system prompt: persona, goal, facts to give only when asked, the
 * complications to play, and the date. Record ids (customerId, ...) are left out: a caller
 * does not know them, they only tie the scenario to fixtures.
 */
export function callerSystemPrompt(pack: ScenarioPack, scenario: Scenario, persona: Persona): string {
  const traits = persona.traits;
  const facts = Object.entries(scenario.hiddenFacts)
    .filter(([key]) => !/Id$/.test(key))
    .map(([key, value]) => `- ${FACT_WORDS[key] ?? key}: ${String(value)}`);
  const slots = Object.entries(scenario.goal.slots).map(([key, value]) => `- ${key}: ${String(value)}`);
  const complications = scenario.complications.map(describeComplication);
  const lines = [
    `You are ${persona.name}, phoning ${pack.agent.organization}. ${persona.description ?? ""}`.trim(),
    persona.role !== "account_holder" ? `You are not the account holder: you are their ${persona.role.replace("_", " ")}.` : "",
    `Your manner: ${traits.emotion}; ${scale(traits.patience, "impatient", "fairly patient", "very patient")}; ${scale(traits.verbosity, "terse", "chatty enough", "talkative")}; ${scale(traits.cooperativeness, "reluctant to cooperate", "cooperative", "eager to help")}; ${scale(traits.techComfort, "uneasy with technology", "comfortable with phones", "at ease with technology")}.`,
    persona.style.dialectHints.length ? `How you talk: ${persona.style.dialectHints.join(", ")}.` : "",
    persona.style.catchphrases.length ? `Phrases you use now and then: ${persona.style.catchphrases.map((p) => `"${p}"`).join(", ")}.` : "",
    "",
    `Why you are calling: ${scenario.goal.description}`,
    ...(slots.length ? ["What you have in mind:", ...slots] : []),
    "",
    ...(facts.length ? ["What you know but say only when the agent asks for it:", ...facts, ""] : []),
    ...(complications.length ? ["Play these during the call:", ...complications.map((c) => `- ${c}`), ""] : []),
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

function describeComplication(c: Complication): string {
  switch (c.kind) {
    case "change_mind":
      return `Ask for ${c.slot} "${String(c.from)}" first; once the agent has acted on it, change your mind to "${String(c.to)}".`;
    case "correction":
      return `Give ${c.slot} as "${String(c.wrong)}" at first, then correct yourself to "${String(c.right)}".`;
    case "underspecified":
      return `Start vaguely; give ${c.slots.join(", ")} only when asked.`;
    case "refusal_trap":
      return `At some point ask for something against policy (${c.trap.replaceAll("_", " ")})${c.utterance ? `, e.g. "${c.utterance}"` : ""}; push back once if refused.`;
    case "silence":
      return `At your turn ${c.atTurn}, say nothing (empty utterance) as if distracted.`;
    case "request_human":
      return `Ask to speak with a real person${c.atTurn ? ` at your turn ${c.atTurn}` : ""}.`;
    case "wrong_person":
      return `You are the account holder's ${c.relation}, not the account holder.`;
    case "dtmf":
      return `Type your ${c.slot} on the keypad (dtmf) instead of saying it.`;
    case "interrupts":
      return "You are impatient and cut the agent off with short answers.";
  }
}
