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

// A tool whose name starts with a reading verb (`find_`, `get_`, `list_`, `check_`…) or ends in a
// reading noun (`*_status`, `opening_hours`, `price_of`) looks something up; any other tool is an
// action — its failure is what a false "done" lies about, and it must use what the caller agreed to.
// A call whose result names a record the world changed is an action, whatever its name.
const READ_VERB = /^(find|get|list|search|check|lookup|look|verify|validate|query|fetch|show|read|view|describe|count|estimate|quote|locate|browse|identify|authenticate|calculate|compute|see|status|is|has|can)(_|$)/i;
const READ_NOUN = /(^|_)(status|info|details|hours|price|prices|history|options|summary|openings|lookup|of|for|by)$/i;
const CALL_CONTROL = /^(end_call|hang_up|transfer_to_human|transfer|handoff|hand_off|escalate)$/i;

/** Whether a call of this tool changes the world (see above); `changedIds` settles it when it can. */
export function isActionTool(tool: string, result?: unknown, changedIds?: ReadonlySet<string>): boolean {
  if (CALL_CONTROL.test(tool)) return false;
  if (changedIds && changedIds.size > 0 && result !== undefined && typeof result !== "string") {
    const text = JSON.stringify(result) ?? "";
    if ([...changedIds].some((id) => text.includes(`"${id}"`)) && !READ_VERB.test(tool)) return true;
  }
  return !READ_VERB.test(tool) && !READ_NOUN.test(tool);
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
