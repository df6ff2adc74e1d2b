import type { ConversationEvent } from "../../scenarios/index.ts";
import type { ChatMessage } from "../model/model-client.ts";

/**
 * The call as the agent's model sees it: what it heard from the caller (not what was said),
 * its own words, its tool calls with their results, and silences as bracketed notes.
 */
export function eventsToAgentMessages(events: readonly ConversationEvent[]): ChatMessage[] {
  const messages: ChatMessage[] = [];
  for (const event of events) {
    if (event.type === "caller_speech") messages.push({ role: "user", content: event.dtmf ? `[keypad: ${event.dtmf}]` : event.heard });
    else if (event.type === "silence" && event.who === "caller") messages.push({ role: "user", content: `[caller silent for ${Math.round(event.durationMs / 1000)} seconds]` });
    else if (event.type === "agent_speech") {
      const last = messages.at(-1);
      // Speech said while calling tools belongs to that same assistant turn.
      if (last?.role === "assistant" && last.toolCalls?.length && !last.content) last.content = event.said;
      else messages.push({ role: "assistant", content: event.interrupted ? `${event.callerHeard} [interrupted]` : event.said });
    } else if (event.type === "tool_call") {
      const last = messages.at(-1);
      const call = { id: event.callId, name: event.tool, arguments: JSON.stringify(event.args ?? {}) };
      if (last?.role === "assistant") last.toolCalls = [...(last.toolCalls ?? []), call];
      else messages.push({ role: "assistant", content: "", toolCalls: [call] });
    } else if (event.type === "tool_result") {
      const content = event.outcome.ok ? (typeof event.outcome.result === "string" ? event.outcome.result : JSON.stringify(event.outcome.result)) : JSON.stringify({ error: event.outcome.error });
      messages.push({ role: "tool", toolCallId: event.callId, name: event.tool, content });
    }
  }
  return messages;
}
