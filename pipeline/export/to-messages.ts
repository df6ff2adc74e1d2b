import type { ConversationEvent, OpenAIMessage, OpenAISftRow, Score, TrlMessage, TrlSftRow } from "../../scenarios/index.ts";

type AssistantMessage = Extract<OpenAIMessage, { role: "assistant" }>;

/**
 * Events to OpenAI chat messages, as the agent lived the call: the caller's words as heard
 * (the model must learn from what ASR gives it), its own words as said (an interrupted turn is
 * kept whole: that is what it meant to say), tool calls with their results, silences as notes.
 * `weights` gives each agent speech turn, in order, a weight of 0 or 1.
 */
export function eventsToOpenAIMessages(events: readonly ConversationEvent[], weights?: readonly (0 | 1)[]): OpenAIMessage[] {
  const messages: OpenAIMessage[] = [];
  let speechIndex = 0;
  const lastAssistant = (): AssistantMessage | undefined => {
    const last = messages.at(-1);
    return last?.role === "assistant" ? last : undefined;
  };
  for (const event of events) {
    if (event.type === "caller_speech" || (event.type === "silence" && event.who === "caller")) {
      const text = event.type === "caller_speech" ? (event.dtmf ? `[keypad: ${event.dtmf}]` : event.heard) : `[caller silent for ${Math.round(event.durationMs / 1000)} seconds]`;
      const last = messages.at(-1);
      if (last?.role === "user") last.content = `${last.content} ${text}`;
      else messages.push({ role: "user", content: text });
    } else if (event.type === "agent_speech") {
      const weight = weights?.[speechIndex++];
      const last = lastAssistant();
      // Words said while calling tools belong to that assistant turn.
      if (last && last.content === null && last.tool_calls?.length && !messages.some((m, i) => i > messages.indexOf(last) && m.role === "tool")) {
        last.content = event.said;
      } else {
        messages.push({ role: "assistant", content: event.said, ...(weight !== undefined ? { weight } : {}) });
      }
    } else if (event.type === "tool_call") {
      const call = { id: event.callId, type: "function" as const, function: { name: event.tool, arguments: JSON.stringify(event.args ?? {}) } };
      const last = lastAssistant();
      if (last) last.tool_calls = [...(last.tool_calls ?? []), call];
      else messages.push({ role: "assistant", content: null, tool_calls: [call] });
    } else if (event.type === "tool_result") {
      const content = event.outcome.ok
        ? typeof event.outcome.result === "string"
          ? event.outcome.result
          : JSON.stringify(event.outcome.result)
        : JSON.stringify({ error: event.outcome.error.code, message: event.outcome.error.message });
      messages.push({ role: "tool", tool_call_id: event.callId, content });
    }
  }
  return messages;
}

/** One OpenAI SFT row: system prompt, the call, tools; bad turns weighted 0. */
export function toSftRow(events: readonly ConversationEvent[], score: Pick<Score, "agentTurnWeights">, systemPrompt: string, tools: OpenAISftRow["tools"]): OpenAISftRow {
  const messages = eventsToOpenAIMessages(events, score.agentTurnWeights);
  // A row must end on an assistant turn: trailing caller words (a goodbye) teach nothing.
  while (messages.length > 0 && messages.at(-1)?.role !== "assistant") messages.pop();
  return { messages: [{ role: "system", content: systemPrompt }, ...messages], tools };
}

/** The same messages in TRL's conversational shape: arguments as objects, tool messages named. */
export function toTrlMessages(messages: readonly OpenAIMessage[]): TrlMessage[] {
  const toolNames = new Map<string, string>();
  return messages.map((m): TrlMessage => {
    if (m.role === "assistant") {
      for (const call of m.tool_calls ?? []) toolNames.set(call.id, call.function.name);
      return {
        role: "assistant",
        content: m.content ?? "",
        ...(m.tool_calls?.length ? { tool_calls: m.tool_calls.map((c) => ({ type: "function" as const, function: { name: c.function.name, arguments: parseObject(c.function.arguments) } })) } : {}),
      };
    }
    if (m.role === "tool") return { role: "tool", name: toolNames.get(m.tool_call_id) ?? "tool", content: m.content };
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
