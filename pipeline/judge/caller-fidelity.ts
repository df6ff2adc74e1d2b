import { parseDigitString, parseDob } from "../../agents/index.ts";
import type { Score } from "../../scenarios/index.ts";
import type { JudgeInput } from "./programmatic-checks.ts";

/**
 * Whether the simulated caller played its scenario: a caller that invents facts, asks for
 * something else, or hangs up for no reason makes a bad call that is not the agent's fault.
 * Such calls are dropped at the "fidelity" stage instead of being scored as agent errors.
 */
export function callerFidelity({ conversation, scenario, pack }: JudgeInput): Score["callerFidelity"] {
  const issues: string[] = [];
  const facts = scenario.hiddenFacts;
  const said = conversation.events.flatMap((e) => (e.type === "caller_speech" ? [e] : []));
  const phone = String(facts.phone ?? "").replace(/\D/g, "");
  const dob = facts.dob ? String(facts.dob) : undefined;
  for (const turn of said) {
    const text = turn.dtmf ?? turn.said;
    const digits = parseDigitString(text);
    if (phone && digits.length >= 10 && !digits.includes(phone.slice(-7)) && /phone|number|it's|\d/i.test(text)) {
      issues.push(`turn ${turn.turn}: gave phone ${digits}, but the scenario's caller has ${phone}`);
    }
    const spokenDob = /born|birth|\b(19|20)\d\d\b|nineteen|two thousand/i.test(text) ? parseDob(text) : undefined;
    if (dob && spokenDob && spokenDob !== dob) issues.push(`turn ${turn.turn}: gave date of birth ${spokenDob}, not ${dob}`);
  }
  const opening = said[0]?.said.toLowerCase() ?? "";
  const scores = pack.agent.intents.map((intent) => ({ id: intent.id, hits: intent.keywords.filter((k) => opening.includes(k.toLowerCase())).length }));
  const best = scores.sort((a, b) => b.hits - a.hits)[0];
  const goalHits = scores.find((s) => s.id === scenario.goal.intent)?.hits ?? 0;
  const underspecified = scenario.complications.some((c) => c.kind === "underspecified" || c.kind === "wrong_person");
  if (best && best.hits > 0 && goalHits === 0 && best.id !== scenario.goal.intent && !underspecified) {
    issues.push(`opened asking for ${best.id}, but the scenario's goal is ${scenario.goal.intent}`);
  }
  const end = conversation.events.at(-1);
  if (conversation.endReason === "caller_hung_up" && said.length < 3 && end?.type === "end" && !/gave_up|silence/.test(end.note ?? "")) {
    issues.push("hung up after fewer than three turns with no reason");
  }
  return { ok: issues.length === 0, issues };
}
