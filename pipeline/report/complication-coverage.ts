import { normaliseSpokenNumbers } from "../../agents/index.ts";
import type { Complication, Conversation, Scenario, ScenarioPack } from "../../scenarios/index.ts";

/** What a complication needs to be checked against: the call, its scenario and the pack's rules. */
export interface CoverageInput {
  conversation: Conversation;
  scenario: Scenario;
  pack: ScenarioPack;
}

/** One planned complication of a call and whether the call shows it happened. */
export interface ComplicationOutcome {
  /** `trap:<trap>` for refusal traps, the kind otherwise (how the report groups them). */
  label: string;
  happened: boolean;
}

/**
 * A scenario lists complications; a call may never get to them (the caller hung up first, the
 * agent never asked for the slot a correction hides in). The report counts a complication as
 * covered only when the call's events show it: the coverage table then says what the data
 * holds, not what was planned.
 */
export function complicationOutcomes(input: CoverageInput): ComplicationOutcome[] {
  return input.scenario.complications.map((complication) => ({ label: complicationLabel(complication), happened: happened(complication, input) }));
}

export function complicationLabel(complication: Complication): string {
  return complication.kind === "refusal_trap" ? `trap:${complication.trap}` : complication.kind;
}

/** Whether the events of the call show this complication, by kind. */
export function happened(complication: Complication, { conversation, scenario, pack }: CoverageInput): boolean {
  const events = conversation.events;
  const callerLines = events.flatMap((e, index) => (e.type === "caller_speech" ? [{ index, tokens: tokens(e.said) }] : []));
  switch (complication.kind) {
    case "change_mind": {
      // The first value may have come from either side (the caller asked, or the agent read it back).
      const spoken = events.flatMap((e, index) => (e.type === "caller_speech" || e.type === "agent_speech" ? [{ index, tokens: tokens(e.said) }] : []));
      return saidAfter(callerLines, complication.to, firstMention(spoken, complication.from));
    }
    case "correction":
      return saidAfter(callerLines, complication.right, firstMention(callerLines, complication.wrong));
    case "refusal_trap": {
      const keywords = pack.agent.refusals.filter((rule) => rule.trap === complication.trap).flatMap((rule) => rule.keywords);
      const phrases = [...(complication.utterance ? [complication.utterance] : []), ...keywords];
      return callerLines.some((line) => phrases.some((phrase) => contains(line.tokens, tokens(phrase))));
    }
    case "silence":
      return events.some((e) => e.type === "silence" && e.who === "caller" && e.durationMs >= complication.seconds * 1000 - 1);
    case "request_human":
      return (
        conversation.session.transferredTo !== undefined ||
        conversation.endReason === "handoff" ||
        events.some((e) => e.type === "tool_call" && HANDOFF_TOOL.test(e.tool)) ||
        events.some((e) => e.type === "caller_speech" && ASKS_FOR_PERSON.test(e.said))
      );
    case "dtmf":
      return events.some((e) => e.type === "caller_speech" && Boolean(e.dtmf));
    case "wrong_person": {
      const relation = tokens(complication.relation);
      return callerLines.some((line) => contains(line.tokens, relation)) || events.some((e) => e.type === "caller_speech" && NOT_THE_HOLDER.test(e.said));
    }
    case "interrupts":
      return events.some((e) => (e.type === "caller_speech" && e.bargedIn) || (e.type === "agent_speech" && e.interrupted));
    case "underspecified": {
      // Vague at first: the opening leaves out every slot it names (they come only when asked).
      const opening = callerLines[0];
      if (!opening) return false;
      return complication.slots.every((slot) => {
        const value = scenario.goal.slots[slot];
        return value === undefined || !contains(opening.tokens, tokens(String(value)));
      });
    }
  }
}

// Generic words of any phone line: a hand-off tool, a request for a person, a caller who is not the account holder.
const HANDOFF_TOOL = /transfer|hand_?off|escalat/i;
const ASKS_FOR_PERSON = /\b(real person|a person|human|representative|operator|supervisor|manager|someone else|live agent|an agent)\b/i;
const NOT_THE_HOLDER = /\b(this isn'?t|this is not|not (him|her|them|me)|wrong (number|person)|not home|i'?m (his|her|their))\b/i;

const FILLERS = new Set(["uh", "um", "er", "erm", "hmm", "uhm"]);

/** Lower-case words with numbers as digits, so "the fifteenth" matches "15" and "3 pm" matches "three p m". */
function tokens(text: string): string[] {
  return normaliseSpokenNumbers(text)
    .toLowerCase()
    .replace(/\b([ap])\s*\.?\s*m\b\.?/g, "$1m")
    .replace(/\b(\d+)(st|nd|rd|th)\b/g, "$1")
    .split(/[^a-z0-9']+/)
    .map((word) => word.replace(/^'+|'+$/g, ""))
    .filter((word) => word && !FILLERS.has(word));
}

type Line = { index: number; tokens: string[] };
type Position = { event: number; token: number };

/** Where `needle` first starts in `haystack` as an in-order run of its words, allowing a few words in between (disfluencies). */
function findAt(haystack: readonly string[], needle: readonly string[], from = 0): number {
  if (needle.length === 0) return -1;
  const slack = needle.length + 2;
  for (let start = from; start < haystack.length; start++) {
    if (haystack[start] !== needle[0]) continue;
    let matched = 1;
    for (let i = start + 1; i < haystack.length && i <= start + slack && matched < needle.length; i++) {
      if (haystack[i] === needle[matched]) matched++;
    }
    if (matched === needle.length) return start;
  }
  return -1;
}

const contains = (haystack: readonly string[], needle: readonly string[]) => findAt(haystack, needle) >= 0;

function firstMention(lines: readonly Line[], value: unknown): Position | undefined {
  const needle = tokens(String(value));
  for (const line of lines) {
    const at = findAt(line.tokens, needle);
    if (at >= 0) return { event: line.index, token: at };
  }
  return undefined;
}

/** The caller said `value` after `after` (a later utterance, or later in the same one). */
function saidAfter(lines: readonly Line[], value: unknown, after: Position | undefined): boolean {
  if (!after) return false;
  const needle = tokens(String(value));
  return lines.some((line) => {
    if (line.index < after.event) return false;
    return findAt(line.tokens, needle, line.index === after.event ? after.token + 1 : 0) >= 0;
  });
}

/** Per complication label: calls that planned it, calls where it happened, and how many of those reached the dataset. */
export interface ComplicationCoverage {
  label: string;
  planned: number;
  happened: number;
  inDataset: number;
}

/** Sums the outcomes of every call; `datasetIds` are the conversations the dataset kept. */
export function complicationCoverage(calls: readonly CoverageInput[], datasetIds: ReadonlySet<string>): ComplicationCoverage[] {
  return coverageOfOutcomes(
    calls.map((call) => ({ id: call.conversation.id, outcomes: complicationOutcomes(call) })),
    datasetIds,
  );
}

/** complicationCoverage from each call's outcomes worked out beforehand (a streamed run keeps these, not the calls). */
export function coverageOfOutcomes(calls: Iterable<{ id: string; outcomes: readonly ComplicationOutcome[] }>, datasetIds: ReadonlySet<string>): ComplicationCoverage[] {
  const byLabel = new Map<string, ComplicationCoverage>();
  for (const call of calls) {
    for (const outcome of call.outcomes) {
      const entry = byLabel.get(outcome.label) ?? { label: outcome.label, planned: 0, happened: 0, inDataset: 0 };
      entry.planned++;
      if (outcome.happened) {
        entry.happened++;
        if (datasetIds.has(call.id)) entry.inDataset++;
      }
      byLabel.set(outcome.label, entry);
    }
  }
  return [...byLabel.values()].sort((a, b) => b.happened - a.happened || b.planned - a.planned || a.label.localeCompare(b.label));
}
