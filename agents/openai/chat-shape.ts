import { createHash } from "node:crypto";

/**
 * The user turn that opens every conversation the agent model sees, live and in the exports.
 * Chat templates want a user message before the first assistant one (Llama 3.1 puts the tools
 * into the first user message and fails without one; Mistral demands user/assistant alternation
 * that starts with the user), and on a phone line the connection really is the first thing
 * that happens before the agent greets.
 */
export const CALL_CONNECTED_NOTE = "[call connected]";

/**
 * The tool-call id the model sees for the `index`-th tool call (0-based, in event order) of a
 * conversation: nine base-36 characters derived from the conversation id, so a rerun with the
 * same seed sends and exports the same bytes whatever ids the server invented. Nine alphanumerics
 * is what Mistral's templates demand (exactly nine); OpenAI, vLLM, Hermes and Qwen accept any
 * string.
 */
export function chatToolCallId(conversationId: string, index: number): string {
  const digest = createHash("sha256").update(`${conversationId}\u0000${index}`).digest();
  // 48 bits are more than 36^9 (≈ 2^46.5); the remainder keeps exactly nine digits after padding.
  const value = digest.readUIntBE(0, 6) % 36 ** 9;
  return value.toString(36).padStart(9, "0");
}

/** A tool call's arguments as a model or an agent sent them (JSON text or an object); unparsable text is kept as `_raw`. */
export function parseToolArgs(value: string | Record<string, unknown>): Record<string, unknown> {
  if (typeof value !== "string") return value;
  try {
    const parsed = JSON.parse(value) as unknown;
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : { _raw: value };
  } catch {
    return { _raw: value };
  }
}
