import type { AgentSpeechEvent, CallerSpeechEvent, Conversation } from "../../scenarios/index.ts";
import type { ToolOutcome } from "../../tools/index.ts";

/** One tool call with its result, by event index. */
export interface ToolCallView {
  index: number;
  resultIndex: number | undefined;
  tool: string;
  args: Record<string, unknown>;
  outcome: ToolOutcome | undefined;
  /** The tool answered with a usable result (not an error, not a malformed string). */
  succeeded: boolean;
  /** The tool changes the world (not a read), judged from its name's verb. */
  isAction: boolean;
}

export interface SpeechView<E> {
  index: number;
  event: E;
}

/** A conversation indexed the way every check reads it. */
export interface CallView {
  conversation: Conversation;
  calls: ToolCallView[];
  agent: Array<SpeechView<AgentSpeechEvent>>;
  caller: Array<SpeechView<CallerSpeechEvent>>;
}

// A tool's first word says what it does. Verbs that change the world make an action (its failure
// is what a false "done" lies about, and it must use what the caller agreed to); verbs that read
// make a lookup. A name with neither (`opening_hours`, `price_of`) is an action only when the call
// changed a record (its result names a record the world changed).
const ACTION_VERB =
  /^(book|create|add|cancel|delete|remove|update|change|set|take|make|pay|charge|record|schedule|reschedule|reserve|place|submit|send|request|open|close|apply|refund|order|register|enroll|activate|deactivate|renew|modify|move|assign|hold|waive|issue|dispatch|file|log|note|start|stop|pause|resume|upgrade|downgrade|replace|return|exchange|redeem|claim|dispute|promise|arrange|ship|deliver|refill|transfer_funds|save|store|post|write|edit|confirm_booking|mark|flag|report|block|unblock|suspend|reactivate|extend|split|merge|credit|debit|void|approve|reject|accept|decline)(_|$)/i;
const READ_VERB = /^(find|get|list|search|check|lookup|look|verify|validate|query|fetch|show|read|view|describe|count|estimate|quote|locate|browse|identify|authenticate|calculate|compute|lookup|see|status)(_|$)/i;
const CALL_CONTROL = /^(end_call|hang_up|transfer_to_human|transfer|handoff|hand_off|escalate)$/i;

/** Whether a call of this tool changes the world (see the verbs above); `changedIds` breaks ties. */
export function isActionTool(tool: string, result?: unknown, changedIds?: ReadonlySet<string>): boolean {
  // "refill_status", "order_details": a noun that reads, whatever word comes first.
  if (CALL_CONTROL.test(tool) || READ_VERB.test(tool) || /(^|_)(status|info|details|hours|price|prices|history|options|summary|availability|lookup)$/i.test(tool)) return false;
  if (ACTION_VERB.test(tool)) return true;
  if (!changedIds || changedIds.size === 0 || result === undefined) return false;
  const text = JSON.stringify(result) ?? "";
  return [...changedIds].some((id) => text.includes(`"${id}"`));
}

export function isCallControlTool(tool: string): boolean {
  return CALL_CONTROL.test(tool);
}

/** A result that answers, but answers no: `verified: false`, `success: false`. */
function saysNo(result: unknown): boolean {
  if (!result || typeof result !== "object" || Array.isArray(result)) return false;
  const record = result as Record<string, unknown>;
  return ["verified", "success", "ok", "approved", "authenticated", "matched", "match"].some((key) => record[key] === false);
}

export function viewOf(conversation: Conversation): CallView {
  const agent: CallView["agent"] = [];
  const caller: CallView["caller"] = [];
  const results = new Map<string, { index: number; outcome: ToolOutcome }>();
  conversation.events.forEach((event, index) => {
    if (event.type === "agent_speech") agent.push({ index, event });
    else if (event.type === "caller_speech") caller.push({ index, event });
    else if (event.type === "tool_result") results.set(event.callId, { index, outcome: event.outcome });
  });
  const changedIds = new Set(conversation.worldChanges.map((c) => c.id));
  const calls: ToolCallView[] = [];
  conversation.events.forEach((event, index) => {
    if (event.type !== "tool_call") return;
    const result = results.get(event.callId);
    const outcome = result?.outcome;
    const args = event.args && typeof event.args === "object" && !Array.isArray(event.args) ? (event.args as Record<string, unknown>) : {};
    calls.push({
      index,
      resultIndex: result?.index,
      tool: event.tool,
      args,
      outcome,
      succeeded: outcome?.ok === true && typeof outcome.result !== "string" && !saysNo(outcome.result),
      isAction: isActionTool(event.tool, outcome?.ok ? outcome.result : undefined, changedIds),
    });
  });
  return { conversation, calls, agent, caller };
}

/** What the agent heard the caller say (ASR output, or the keypad digits). */
export function heardText(event: CallerSpeechEvent): string {
  return event.dtmf ? `${event.heard} ${event.dtmf}` : event.heard;
}

/** Sentences of a turn, split where a listener hears a stop. */
export function sentencesOf(text: string): string[] {
  return text
    // "Dr. Chen" is one name, not two sentences.
    .split(/(?<!\b(?:Dr|Mr|Mrs|Ms|St|Jr|Sr|Mt|Prof)\.)(?<=[.?!])\s+/)
    .map((s) => s.trim())
    .filter(Boolean);
}
