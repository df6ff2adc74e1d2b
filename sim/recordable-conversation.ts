import { Conversation, ConversationEvent, WorldChange } from "../scenarios/index.ts";
import { ToolCallRecord } from "../tools/index.ts";

/**
 * The conversation as it can be written to conversations.jsonl. Lines are read back through the
 * Conversation schema and an invalid one is skipped as torn, so a call that breaks the schema
 * would vanish from the run and from every count. Instead it is written as a failed call that
 * keeps every part that is valid and says what was not — the batch totals then always add up.
 */
export function recordableConversation(conversation: Conversation): Conversation {
  const checked = Conversation.safeParse(conversation);
  if (checked.success && isJson(conversation)) return conversation;
  const issues = checked.success
    ? ["the conversation holds values JSON cannot write"]
    : checked.error.issues.slice(0, 5).map((issue) => `${issue.path.join(".") || "(conversation)"}: ${issue.message}`);
  const keep = <T>(items: unknown, schema: { safeParse(value: unknown): { success: boolean } }): T[] =>
    Array.isArray(items) ? (items.filter((item) => schema.safeParse(item).success && isJson(item)) as T[]) : [];
  const salvaged: Conversation = {
    ...conversation,
    events: keep(conversation.events, ConversationEvent),
    toolLog: keep(conversation.toolLog, ToolCallRecord),
    worldChanges: keep(conversation.worldChanges, WorldChange),
    status: "failed",
    endReason: "error",
    error: `the call could not be recorded as it happened (${issues.join("; ")})`,
  };
  if (Conversation.safeParse(salvaged).success && isJson(salvaged)) return salvaged;
  // Even the frame is broken (a backend id, the timing): keep only what identifies the call.
  const zero = { promptTokens: 0, completionTokens: 0, modelCalls: 0, cachedCalls: 0 };
  return {
    id: String(conversation.id),
    scenarioId: String(conversation.scenarioId),
    packId: String(conversation.packId),
    candidate: Number.isInteger(conversation.candidate) && conversation.candidate >= 0 ? conversation.candidate : 0,
    seed: Number.isInteger(conversation.seed) ? conversation.seed : 0,
    backends: { caller: String(conversation.backends?.caller), agent: String(conversation.backends?.agent) },
    injectedFlaws: [],
    events: [],
    timing: { durationMs: 0, agentTalkMs: 0, callerTalkMs: 0, deadAirMs: 0, toolLatencyMs: 0 },
    worldChanges: [],
    session: { verifiedCustomerIds: [], failedVerifications: 0 },
    toolLog: [],
    usage: { caller: zero, agent: zero },
    status: "failed",
    endReason: "error",
    error: salvaged.error ?? "the call could not be recorded",
  };
}

function isJson(value: unknown): boolean {
  try {
    JSON.stringify(value);
    return true;
  } catch {
    return false;
  }
}
