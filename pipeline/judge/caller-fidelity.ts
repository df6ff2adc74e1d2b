import { parseDigitString, parseDob } from "../../agents/index.ts";
import type { CheckResult, Score } from "../../scenarios/index.ts";
import { viewOf } from "./call-view.ts";
import { conductFindings } from "./conduct.ts";
import type { JudgeInput } from "./programmatic-checks.ts";

// Checks about the outcome: their failing is what a caller who leaves early causes, not a cause.
const OUTCOME = /^(final_state|required_action|handoff|completed|refusal$)/;

/**
 * Whether the simulated caller played its scenario: a caller that invents facts, asks for
 * something else, loops on its request, or hangs up or gives up with no cause makes a bad call
 * that is not the agent's fault. Such calls are dropped at the "caller" stage and left out of the
 * agent's pass^k instead of being scored as agent errors — for the scripted and the LLM caller
 * alike, since only the events are read, never the caller's own notes.
 */
export function callerFidelity(input: JudgeInput, checks: readonly CheckResult[] = []): Score["callerFidelity"] {
  const { conversation, scenario, pack } = input;
  const issues: string[] = [];
  const facts = scenario.hiddenFacts;
  const said = conversation.events.flatMap((e) => (e.type === "caller_speech" ? [e] : []));
  const phone = String(facts.phone ?? "").replace(/\D/g, "");
  const dob = facts.dob ? String(facts.dob) : undefined;
  const persona = pack.personas.find((p) => p.id === scenario.persona);
  const someoneElse = persona?.role !== "account_holder" || scenario.complications.some((c) => c.kind === "wrong_person");
  const hiddenName = String(facts.name ?? "").toLowerCase();
  for (const turn of said) {
    const text = turn.dtmf ?? turn.said;
    const digits = parseDigitString(text);
    if (phone && digits.length >= 10 && !digits.includes(phone.slice(-7)) && /phone|number|it's|\d/i.test(text)) {
      issues.push(`turn ${turn.turn}: gave phone ${digits}, but the scenario's caller has ${phone}`);
    }
    const spokenDob = /born|birth|\b(19|20)\d\d\b|nineteen|two thousand/i.test(text) ? parseDob(text) : undefined;
    if (dob && spokenDob && spokenDob !== dob) issues.push(`turn ${turn.turn}: gave date of birth ${spokenDob}, not ${dob}`);
    const name = /\b(?:my name is|my name's|name is|this is) ([A-Z][a-z]+)(?: ([A-Z][a-z]+))?/.exec(turn.said);
    if (name && hiddenName && !someoneElse && !hiddenName.includes((name[1] ?? "").toLowerCase()) && !pack.agent.name.toLowerCase().includes((name[1] ?? "").toLowerCase())) {
      issues.push(`turn ${turn.turn}: gave the name ${name[1]}${name[2] ? ` ${name[2]}` : ""}, but the scenario's caller is ${String(facts.name)}`);
    }
  }
  const opening = said[0]?.said.toLowerCase() ?? "";
  const scores = pack.agent.intents.map((intent) => ({ id: intent.id, hits: intent.keywords.filter((k) => opening.includes(k.toLowerCase())).length }));
  const best = scores.sort((a, b) => b.hits - a.hits)[0];
  const goalHits = scores.find((s) => s.id === scenario.goal.intent)?.hits ?? 0;
  const underspecified = scenario.complications.some((c) => c.kind === "underspecified" || c.kind === "wrong_person");
  if (best && best.hits > 0 && goalHits === 0 && best.id !== scenario.goal.intent && !underspecified) {
    issues.push(`opened asking for ${best.id}, but the scenario's goal is ${scenario.goal.intent}`);
  }

  const view = viewOf(conversation);
  for (const finding of conductFindings(view)) if (finding.by === "caller") issues.push(finding.message);

  if (conversation.endReason === "caller_hung_up" && conversation.status === "completed") {
    const cause = hangUpCause(input, checks);
    const expectations = scenario.expectations;
    const achieved = expectations.finalState.length + expectations.requiredActions.length > 0 && checks.filter((c) => /^(final_state|required_action)/.test(c.id)).every((c) => c.passed);
    if (!cause && !achieved) issues.push(`hung up after ${said.length} turn(s) with no cause: the agent had made no mistake, no tool had failed and the caller's patience was not spent`);
  }
  return { ok: issues.length === 0, issues };
}

/** A reason a caller may hang up or give up: anything the agent or the line did to earn it. */
function hangUpCause({ conversation, scenario, pack }: JudgeInput, checks: readonly CheckResult[]): string | undefined {
  const agentFault = checks.find((c) => !c.passed && !OUTCOME.test(c.id));
  if (agentFault) return agentFault.id;
  const events = conversation.events;
  if (events.some((e) => e.type === "tool_result" && (!e.outcome.ok || typeof e.outcome.result === "string"))) return "a tool failed";
  if (events.some((e) => e.type === "silence" && e.who === "agent" && e.durationMs >= 8000)) return "dead air";
  const agentTurns = events.flatMap((e) => (e.type === "agent_speech" ? [e.said] : []));
  if (agentTurns.filter((s) => /\b(sorry|didn't (catch|get)|say that again|repeat)\b/i.test(s)).length >= 2) return "asked to repeat";
  if (checks.some((c) => c.id.startsWith("refusal"))) return "the request was refused";
  if (scenario.expectations.refusalExpected || scenario.expectations.handoffExpected) return "the scenario cannot be settled on the call";
  // Patience: a persona's patience (0–1) buys between four and twelve turns before leaving is fair.
  const persona = pack.personas.find((p) => p.id === scenario.persona);
  const callerTurns = events.filter((e) => e.type === "caller_speech").length;
  if (callerTurns >= 4 + Math.round((persona?.traits.patience ?? 0.5) * 8)) return "patience spent";
  if (scenario.complications.some((c) => c.kind === "silence")) return "the caller went silent";
  return undefined;
}
