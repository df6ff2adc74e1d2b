import { z } from "zod";
import type { ChatMessage } from "../model/model-client.ts";
import { AGENT_PROTOCOL, ProtocolTool } from "./protocol.ts";

/** An OpenAI Chat Completions message as it goes over the wire. */
export const WireMessage = z.object({
  role: z.enum(["system", "user", "assistant", "tool"]),
  content: z.string().nullable(),
  tool_calls: z.array(z.object({ id: z.string(), type: z.literal("function"), function: z.object({ name: z.string(), arguments: z.string() }) })).optional(),
  tool_call_id: z.string().optional(),
});
export type WireMessage = z.infer<typeof WireMessage>;

/** The body of one POST: the call so far in OpenAI chat shape, the tools, and the scenario clock. */
export const HttpAgentRequest = z.object({
  protocol: z.literal(AGENT_PROTOCOL),
  callId: z.string(),
  turn: z.number().int(),
  clock: z.object({ now: z.string(), timezone: z.string() }),
  messages: z.array(WireMessage),
  tools: z.array(ProtocolTool),
  /** The same tools over MCP, at a URL of this call's own. */
  mcp: z.object({ url: z.string() }).optional(),
});
export type HttpAgentRequest = z.infer<typeof HttpAgentRequest>;

const AnswerToolCall = z.object({
  id: z.string().optional(),
  type: z.literal("function").optional(),
  function: z.object({ name: z.string().min(1), arguments: z.union([z.string(), z.record(z.string(), z.unknown())]) }),
});

/** The answer: an assistant message (speech and/or tool calls), bare or as a chat completion's first choice. */
const AssistantAnswer = z.object({
  content: z.string().nullable().optional(),
  tool_calls: z.array(AnswerToolCall).optional(),
  /** Hang up after `content`. */
  end_call: z.boolean().optional(),
});
export const HttpAgentAnswer = z.union([
  // The wrapped form first: every field of a bare message is optional, so a chat completion would match it empty.
  z.object({ choices: z.array(z.object({ message: AssistantAnswer })).min(1) }).transform((c) => c.choices[0]?.message as z.infer<typeof AssistantAnswer>),
  AssistantAnswer,
]);
export type HttpAgentAnswer = z.infer<typeof AssistantAnswer>;

/** voicesim's chat messages in the wire shape (snake_case, `type: "function"`). */
export function toWireMessages(messages: readonly ChatMessage[]): WireMessage[] {
  return messages.map((m) => ({
    role: m.role,
    content: m.content,
    ...(m.toolCalls?.length ? { tool_calls: m.toolCalls.map((c) => ({ id: c.id, type: "function" as const, function: { name: c.name, arguments: c.arguments } })) } : {}),
    ...(m.toolCallId ? { tool_call_id: m.toolCallId } : {}),
  }));
}
