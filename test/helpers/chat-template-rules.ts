/**
 * Structural rules of the tool-calling chat templates of four model families, written from what
 * each template documents and enforces (not copied from them). A validator gets one row as a
 * list of messages plus its tools and returns the problems the template would raise or the text
 * it would silently lose; [] means the template renders the row faithfully.
 *
 * - Llama 3.1 (meta-llama/Llama-3.1-*-Instruct): tools go into the first user message, taken as
 *   the first message after the system one ("Cannot put tools in the first user message when
 *   there's no first user message!"); one tool call per message ("This model only supports single
 *   tool-calls at once!"); a message with tool calls renders only the call, its text is dropped;
 *   tool results render as `ipython` turns without ids.
 * - Mistral (Instruct v0.3 tool template): after an optional system message, the messages that
 *   are neither tool results nor assistant tool-call messages alternate user/assistant starting
 *   with the user; every tool-call id and `tool_call_id` is exactly nine alphanumerics.
 * - Hermes (NousResearch Hermes 2 Pro / 3 `tool_use`): ChatML; an assistant message with tool
 *   calls renders only `<tool_call>` blocks (its text is dropped); consecutive tool results form
 *   one `tool` turn of `<tool_response>` blocks; other messages need string content.
 * - Qwen 2.5 / 3: ChatML; an assistant message renders its text and then its `<tool_call>`
 *   blocks; tool results become `<tool_response>` blocks in a user turn; Qwen 3 needs at least one
 *   real user message ("No user query found in messages").
 *
 * Rules every family shares (and a trainer relies on): one system message, first; tools are
 * given; a tool result follows the assistant message that made its call (only other results in
 * between) and answers a call of that message, once.
 */

export interface TemplateCall {
  id?: string;
  name: string;
}

/** One message, whatever the export format (OpenAI or TRL). */
export interface TemplateMessage {
  role: string;
  content: string | null;
  toolCalls: TemplateCall[];
  toolCallId?: string;
}

export interface TemplateRow {
  messages: TemplateMessage[];
  tools: readonly unknown[];
}

export type TemplateFamily = "llama3.1" | "mistral" | "hermes" | "qwen";

export type Validator = (row: TemplateRow) => string[];

/** A message of an OpenAI or TRL row in the common shape. */
export function templateMessage(message: { role: string; content?: string | null | undefined; tool_calls?: Array<{ id?: string | undefined; function: { name: string } }> | undefined; tool_call_id?: string | undefined }): TemplateMessage {
  return {
    role: message.role,
    content: message.content ?? null,
    toolCalls: (message.tool_calls ?? []).map((c) => ({ ...(c.id !== undefined ? { id: c.id } : {}), name: c.function.name })),
    ...(message.tool_call_id !== undefined ? { toolCallId: message.tool_call_id } : {}),
  };
}

const hasText = (m: TemplateMessage) => typeof m.content === "string" && m.content.trim() !== "";

function sharedRules(row: TemplateRow): string[] {
  const problems: string[] = [];
  if (row.tools.length === 0) problems.push("no tools given");
  row.messages.forEach((m, i) => {
    if (m.role === "system" && i !== 0) problems.push(`system message at ${i}`);
    if (!["system", "user", "assistant", "tool"].includes(m.role)) problems.push(`unknown role ${m.role} at ${i}`);
  });
  for (let i = 0; i < row.messages.length; i++) {
    const m = row.messages[i] as TemplateMessage;
    if (m.role !== "tool") continue;
    let j = i - 1;
    while (j >= 0 && row.messages[j]?.role === "tool") j--;
    const caller = row.messages[j];
    if (caller?.role !== "assistant" || caller.toolCalls.length === 0) {
      problems.push(`tool result at ${i} does not follow an assistant tool call`);
      continue;
    }
    if (m.toolCallId === undefined) continue;
    if (!caller.toolCalls.some((c) => c.id === m.toolCallId)) problems.push(`tool result at ${i} answers ${m.toolCallId}, not a call of message ${j}`);
    const earlier = row.messages.slice(j + 1, i).filter((r) => r.toolCallId === m.toolCallId);
    if (earlier.length > 0) problems.push(`call ${m.toolCallId} answered twice`);
  }
  return problems;
}

function firstIsUser(row: TemplateRow): string[] {
  const first = row.messages.find((m) => m.role !== "system");
  return first?.role === "user" ? [] : [`first message after the system one is ${first?.role ?? "missing"}, not user`];
}

function droppedText(row: TemplateRow): string[] {
  return row.messages.flatMap((m, i) => (m.role === "assistant" && m.toolCalls.length > 0 && hasText(m) ? [`text beside tool calls at ${i} is dropped: "${m.content?.slice(0, 40)}"`] : []));
}

function stringContent(row: TemplateRow): string[] {
  return row.messages.flatMap((m, i) => (m.toolCalls.length === 0 && typeof m.content !== "string" ? [`message ${i} (${m.role}) has no string content`] : []));
}

export const TEMPLATE_RULES: Readonly<Record<TemplateFamily, Validator>> = {
  "llama3.1": (row) => [
    ...sharedRules(row),
    ...firstIsUser(row),
    ...row.messages.flatMap((m, i) => (m.toolCalls.length > 1 ? [`${m.toolCalls.length} tool calls in message ${i}; one at a time`] : [])),
    ...droppedText(row),
  ],
  mistral: (row) => {
    const problems = [...sharedRules(row)];
    const alternating = row.messages.filter((m) => m.role !== "system" && m.role !== "tool" && m.toolCalls.length === 0);
    alternating.forEach((m, k) => {
      const expected = k % 2 === 0 ? "user" : "assistant";
      if (m.role !== expected) problems.push(`roles must alternate user/assistant: ${m.role} where ${expected} belongs (plain message ${k})`);
    });
    const ids = row.messages.flatMap((m) => [...m.toolCalls.map((c) => c.id), ...(m.role === "tool" ? [m.toolCallId] : [])]);
    for (const id of ids) if (id === undefined || !/^[a-zA-Z0-9]{9}$/.test(id)) problems.push(`tool-call id ${String(id)} is not nine alphanumerics`);
    return problems;
  },
  hermes: (row) => [...sharedRules(row), ...stringContent(row), ...droppedText(row)],
  qwen: (row) => [
    ...sharedRules(row),
    ...stringContent(row),
    ...(row.messages.some((m) => m.role === "user" && hasText(m)) ? [] : ["no user query in the messages"]),
  ],
};
