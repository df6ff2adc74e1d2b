import type { ConversationEvent } from "../../scenarios/index.ts";
import type { ChatMessage } from "../model/model-client.ts";
import { CALL_CONNECTED_NOTE, chatToolCallId } from "./chat-shape.ts";

/** The bracketed notes the agent model meets in user turns; the agent prompt explains each. */
export const AGENT_NOTES = {
  silence: (seconds: number | "N") => `[caller silent for ${seconds} seconds]`,
  keypad: (digits: string) => `[keypad: ${digits}]`,
  interrupted: "[interrupted]",
} as const;

/**
 * The call as the agent's model sees it: a "[call connected]" user turn first, what it heard from
 * the caller (not what was said), its own words, its tool calls with their results, and silences
 * and keypad input as bracketed notes. Roles alternate as strict templates (Mistral) want: caller
 * turns in a row become one user message, and speech turns in a row one assistant message. Tool
 * call ids are rewritten to `chatToolCallId(conversationId, n)`, and tool messages carry only the
 * fields the Chat Completions schema has (no `name`).
 */
export function eventsToAgentMessages(events: readonly ConversationEvent[], conversationId = ""): ChatMessage[] {
  const messages: ChatMessage[] = [{ role: "user", content: CALL_CONNECTED_NOTE }];
  const ids = new Map<string, string>();
  let callIndex = 0;
  const pushUser = (text: string) => {
    const last = messages.at(-1);
    if (last?.role === "user") last.content = `${last.content} ${text}`;
    else messages.push({ role: "user", content: text });
  };
  for (const event of events) {
    if (event.type === "caller_speech") pushUser(event.dtmf ? AGENT_NOTES.keypad(event.dtmf) : event.heard);
    else if (event.type === "silence" && event.who === "caller") pushUser(AGENT_NOTES.silence(Math.round(event.durationMs / 1000)));
    else if (event.type === "agent_speech") {
      const text = event.interrupted ? `${event.callerHeard} ${AGENT_NOTES.interrupted}` : event.said;
      const last = messages.at(-1);
      // Speech said while calling tools belongs to that same assistant turn; speech after speech
      // (nothing heard in between) is one turn too.
      if (last?.role === "assistant" && last.toolCalls?.length && !last.content) last.content = text;
      else if (last?.role === "assistant" && !last.toolCalls?.length) last.content = `${last.content} ${text}`.trim();
      else messages.push({ role: "assistant", content: text });
    } else if (event.type === "tool_call") {
      const id = chatToolCallId(conversationId, callIndex++);
      ids.set(event.callId, id);
      const last = messages.at(-1);
      const call = { id, name: event.tool, arguments: JSON.stringify(event.args ?? {}) };
      if (last?.role === "assistant") last.toolCalls = [...(last.toolCalls ?? []), call];
      else messages.push({ role: "assistant", content: "", toolCalls: [call] });
    } else if (event.type === "tool_result") {
      const content = event.outcome.ok ? (typeof event.outcome.result === "string" ? event.outcome.result : JSON.stringify(event.outcome.result)) : JSON.stringify({ error: event.outcome.error });
      messages.push({ role: "tool", toolCallId: ids.get(event.callId) ?? chatToolCallId(conversationId, callIndex++), content });
    }
  }
  return messages;
}
