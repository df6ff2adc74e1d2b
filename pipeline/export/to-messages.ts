import { AGENT_NOTES, CALL_CONNECTED_NOTE, chatToolCallId } from "../../agents/index.ts";
import type { ConversationEvent, EndReason, OpenAIMessage, OpenAISftRow, Score, TrlMessage, TrlSftRow } from "../../scenarios/index.ts";

type AssistantMessage = Extract<OpenAIMessage, { role: "assistant" }>;
type ToolCall = NonNullable<AssistantMessage["tool_calls"]>[number];

/** How rows are shaped for the chat templates that will read them (README, "Dataset formats"). */
export interface ChatShapeOptions {
  /** Seeds the tool-call ids (`chatToolCallId(conversationId, n)`), so a rerun writes the same bytes. */
  conversationId?: string;
  /**
   * Speech and tool calls as separate assistant messages, and one tool call per message, each
   * followed by its result: for templates that render only the calls of a message that has both
   * (Hermes, Llama 3.1, which also takes one call per message). Off by default: Qwen 2.5/3 and
   * OpenAI render both, and Mistral's user/assistant alternation rejects two plain assistant
   * messages around a tool call.
   */
  splitToolSpeech?: boolean;
}

export interface EventsToMessagesOptions extends ChatShapeOptions {
  /** A weight of 0 or 1 for each agent speech turn, in order. */
  weights?: readonly (0 | 1)[];
  /**
   * Close the call with an `end_call` tool call on the final assistant message, as the agent
   * should have ended it, when the call ended normally (the agent's goodbye, the caller's, or
   * silence). The recorded end_call and its result, if any, move there.
   */
  closeWithEndCall?: boolean;
}

/** Ends after which the agent hangs up; a hand-off, a turn limit or an error is no goodbye. */
const CLOSING_ENDS: ReadonlySet<EndReason> = new Set(["agent_ended", "caller_satisfied", "caller_hung_up", "silence_timeout"]);

/**
 * Events to OpenAI chat messages, as the agent lived the call: a "[call connected]" user turn
 * first (the same one the live agent gets), the caller's words as heard (the model must learn
 * from what ASR gives it), its own words as said (an interrupted turn is kept whole: that is what
 * it meant to say), tool calls with their results, silences and keypad input as notes. Turns of
 * one role in a row are merged, so user and plain assistant messages alternate (Mistral); tool
 * call ids are nine alphanumerics (Mistral), the same ones the live agent saw.
 */
export function eventsToOpenAIMessages(events: readonly ConversationEvent[], options: EventsToMessagesOptions = {}): OpenAIMessage[] {
  const conversationId = options.conversationId ?? "";
  const messages: OpenAIMessage[] = [{ role: "user", content: CALL_CONNECTED_NOTE }];
  const ids = new Map<string, string>();
  let callIndex = 0;
  let speechIndex = 0;
  let endCall: ToolCall | undefined;
  const endCallIds = new Set<string>();
  const lastAssistant = (): AssistantMessage | undefined => {
    const last = messages.at(-1);
    return last?.role === "assistant" ? last : undefined;
  };
  for (const event of events) {
    if (event.type === "caller_speech" || (event.type === "silence" && event.who === "caller")) {
      const text = event.type === "caller_speech" ? (event.dtmf ? AGENT_NOTES.keypad(event.dtmf) : event.heard) : AGENT_NOTES.silence(Math.round(event.durationMs / 1000));
      const last = messages.at(-1);
      if (last?.role === "user") last.content = `${last.content} ${text}`;
      else messages.push({ role: "user", content: text });
    } else if (event.type === "agent_speech") {
      const weight = options.weights?.[speechIndex++];
      const last = lastAssistant();
      if (last?.tool_calls?.length && !last.content) {
        // Words said while calling tools belong to that assistant turn.
        last.content = event.said;
        if (weight !== undefined) last.weight = Math.min(last.weight ?? 1, weight) as 0 | 1;
      } else if (last && !last.tool_calls?.length) {
        // Speech after speech with nothing heard between is one turn; a bad part spoils it.
        last.content = `${last.content ?? ""} ${event.said}`.trim();
        if (weight !== undefined) last.weight = Math.min(last.weight ?? 1, weight) as 0 | 1;
      } else {
        messages.push({ role: "assistant", content: event.said, ...(weight !== undefined ? { weight } : {}) });
      }
    } else if (event.type === "tool_call") {
      const call: ToolCall = { id: chatToolCallId(conversationId, callIndex++), type: "function", function: { name: event.tool, arguments: JSON.stringify(event.args ?? {}) } };
      ids.set(event.callId, call.id);
      if (options.closeWithEndCall && event.tool === "end_call") {
        endCall = call;
        endCallIds.add(event.callId);
        continue;
      }
      const last = lastAssistant();
      if (last) last.tool_calls = [...(last.tool_calls ?? []), call];
      else messages.push({ role: "assistant", content: null, tool_calls: [call] });
    } else if (event.type === "tool_result") {
      if (endCallIds.has(event.callId)) continue;
      const content = event.outcome.ok
        ? typeof event.outcome.result === "string"
          ? event.outcome.result
          : JSON.stringify(event.outcome.result)
        : JSON.stringify({ error: event.outcome.error.code, message: event.outcome.error.message });
      messages.push({ role: "tool", tool_call_id: ids.get(event.callId) ?? chatToolCallId(conversationId, callIndex++), content });
    } else if (event.type === "end" && options.closeWithEndCall && (endCall || CLOSING_ENDS.has(event.reason))) {
      const call = endCall ?? { id: chatToolCallId(conversationId, callIndex++), type: "function" as const, function: { name: "end_call", arguments: JSON.stringify({ reason: event.reason === "silence_timeout" ? "caller silent" : "caller done" }) } };
      const last = lastAssistant();
      if (last) last.tool_calls = [...(last.tool_calls ?? []), call];
      else messages.push({ role: "assistant", content: null, tool_calls: [call] });
      endCall = undefined;
    }
  }
  return options.splitToolSpeech ? splitToolSpeech(messages) : messages;
}

/**
 * Each assistant message that holds speech and tool calls becomes the speech, then one message
 * per call followed by that call's result; weights stay with every part.
 */
function splitToolSpeech(messages: readonly OpenAIMessage[]): OpenAIMessage[] {
  const out: OpenAIMessage[] = [];
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i] as OpenAIMessage;
    if (message.role !== "assistant" || !message.tool_calls?.length) {
      out.push(message);
      continue;
    }
    const weight = message.weight !== undefined ? { weight: message.weight } : {};
    const results: Extract<OpenAIMessage, { role: "tool" }>[] = [];
    while (messages[i + 1]?.role === "tool") results.push(messages[++i] as Extract<OpenAIMessage, { role: "tool" }>);
    if (message.content) out.push({ role: "assistant", content: message.content, ...weight });
    for (const call of message.tool_calls) {
      out.push({ role: "assistant", content: null, tool_calls: [call], ...weight });
      out.push(...results.filter((r) => r.tool_call_id === call.id));
    }
    out.push(...results.filter((r) => !message.tool_calls?.some((c) => c.id === r.tool_call_id)));
  }
  return out;
}

/**
 * One OpenAI SFT row: system prompt, the call, tools; bad turns weighted 0. When the tools hold
 * `end_call`, a normally ended call closes with it on the final assistant message.
 */
export function toSftRow(
  events: readonly ConversationEvent[],
  score: Pick<Score, "agentTurnWeights"> & { conversationId?: string },
  systemPrompt: string,
  tools: OpenAISftRow["tools"],
  options: ChatShapeOptions = {},
): OpenAISftRow {
  const conversationId = options.conversationId ?? score.conversationId;
  const messages = eventsToOpenAIMessages(events, {
    ...options,
    ...(conversationId !== undefined ? { conversationId } : {}),
    weights: score.agentTurnWeights,
    closeWithEndCall: tools.some((t) => t.function.name === "end_call"),
  });
  // A row must end on an assistant turn: trailing caller words with no answer teach nothing.
  while (messages.length > 0 && messages.at(-1)?.role !== "assistant") messages.pop();
  return { messages: [{ role: "system", content: systemPrompt }, ...messages], tools };
}

/**
 * The same messages in TRL's conversational shape: arguments as objects; tool calls keep their
 * ids and tool messages their `tool_call_id` (Mistral's template checks them) and `name`.
 */
export function toTrlMessages(messages: readonly OpenAIMessage[]): TrlMessage[] {
  const toolNames = new Map<string, string>();
  return messages.map((m): TrlMessage => {
    if (m.role === "assistant") {
      for (const call of m.tool_calls ?? []) toolNames.set(call.id, call.function.name);
      return {
        role: "assistant",
        content: m.content ?? "",
        ...(m.tool_calls?.length ? { tool_calls: m.tool_calls.map((c) => ({ id: c.id, type: "function" as const, function: { name: c.function.name, arguments: parseObject(c.function.arguments) } })) } : {}),
      };
    }
    if (m.role === "tool") return { role: "tool", name: toolNames.get(m.tool_call_id) ?? "tool", tool_call_id: m.tool_call_id, content: m.content };
    return { role: m.role, content: m.content };
  });
}

export function toTrlSftRow(row: OpenAISftRow): TrlSftRow {
  return { messages: toTrlMessages(row.messages), tools: row.tools };
}

function parseObject(text: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : { value };
  } catch {
    return { raw: text };
  }
}
