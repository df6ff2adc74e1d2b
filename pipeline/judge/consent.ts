import { parseYesNo } from "../../agents/index.ts";
import type { ScenarioPack } from "../../scenarios/index.ts";
import { type CallView, heardText } from "./call-view.ts";

export interface ConsentFinding {
  index: number;
  message: string;
}

const guardedCache = new WeakMap<ScenarioPack, Set<string>>();

/**
 * The tools a pack calls only after reading the request back: a call step that comes after a
 * `confirm` step in an intent's flow and changes the world (`changes` not set to false). The pack
 * says these need the caller's yes; other tools (lookups, hand-offs) do not.
 */
export function toolsNeedingConsent(pack: ScenarioPack): Set<string> {
  const known = guardedCache.get(pack);
  if (known) return known;
  const tools = new Set<string>();
  for (const intent of pack.agent.intents) {
    let confirmed = false;
    for (const step of intent.steps ?? []) {
      if (step.confirm) confirmed = true;
      if (step.call && confirmed && step.changes !== false) tools.add(step.call);
    }
  }
  guardedCache.set(pack, tools);
  return tools;
}

/** The agent's last yes/no question before an event, and the caller's turns between it and the event. */
export function consentWindow(view: CallView, before: number) {
  const question = view.agent.findLast(({ index, event }) => index < before && asksYesOrNo(event.said));
  const answers = view.caller.filter(({ index }) => index > (question?.index ?? Number.POSITIVE_INFINITY) && index < before);
  return { question, answers };
}

const AUXILIARY = /^(?:(?:and|so|okay|ok|alright|all right|great|then|now|just to confirm|to confirm)[,\s]+)*(shall|should|would|will|do|does|did|is|are|was|were|can|could|may|might|have|has|am|want|ready)\b/i;
const ASKS_FOR_VALUE = /\b((can|could|would|will) you (please )?(tell|give|spell|say|repeat|read|provide|share)|(can|could|may) i (please )?(have|get|ask))\b/i;
const TAG = /(\b(right|okay|ok|correct|yes|alright)|, (is that|does that|would that|will that|shall i|should i|can i|ok|okay)\b[^?]*)\?$/i;

/** A turn that ends in a yes/no question ("Shall I book it?", "…, is that right?"), not a question for a value. */
export function asksYesOrNo(said: string): boolean {
  const questions = said.split(/(?<=[.?!])\s+/).filter((s) => s.trim().endsWith("?"));
  const last = questions.at(-1)?.trim();
  // "Is there anything else I can help with?" invites a new request; a yes to it agrees to nothing.
  // "Can you tell me your date of birth?" asks for a value, whatever its grammar.
  if (last === undefined || /\b(anything|something) else\b/i.test(last) || ASKS_FOR_VALUE.test(last)) return false;
  return AUXILIARY.test(last) || TAG.test(last);
}

/**
 * Each call of such a tool must follow the caller's yes to the agent's last yes/no question before
 * it — the read-back, or "shall I try again?" after a failure; questions for a value in between
 * (a name, a phone number) ask for no consent. An action on details the caller never
 * agreed to (no read-back, or a "let me think about it") is the agent's fault, however right the
 * details were.
 */
export function consentFindings(view: CallView, pack: ScenarioPack): ConsentFinding[] {
  const guarded = toolsNeedingConsent(pack);
  if (guarded.size === 0) return [];
  const findings: ConsentFinding[] = [];
  for (const call of view.calls) {
    if (!guarded.has(call.tool)) continue;
    const { question, answers } = consentWindow(view, call.index);
    if (answers.some(({ event }) => parseYesNo(heardText(event)) === "yes")) continue;
    findings.push({
      index: call.index,
      message: question
        ? `${call.tool} was called without the caller's yes to "${question.event.said.slice(-80)}"`
        : `${call.tool} was called without reading the request back for the caller's yes`,
    });
    break;
  }
  return findings;
}
