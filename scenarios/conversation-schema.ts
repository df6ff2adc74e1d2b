import { z } from "zod";
import { FaultKind, ToolCallRecord, ToolOutcome, WorldSession } from "../tools/index.ts";

/** Milliseconds from the start of the call, on the simulated clock. */
const At = z.number().nonnegative();

export const CallerSpeechEvent = z.object({
  type: z.literal("caller_speech"),
  turn: z.number().int().positive(),
  /** What the caller said. */
  said: z.string(),
  /** What the speech recogniser passed to the agent (ASR noise applied). */
  heard: z.string(),
  /** Keypad digits, when the caller typed instead of speaking. */
  dtmf: z.string().optional(),
  /** The caller started talking over the agent's previous turn. */
  bargedIn: z.boolean().default(false),
  at: At,
  durationMs: z.number().nonnegative(),
});

export const AgentSpeechEvent = z.object({
  type: z.literal("agent_speech"),
  turn: z.number().int().positive(),
  said: z.string(),
  /** What the caller heard before cutting in; equals `said` when not interrupted. */
  callerHeard: z.string(),
  interrupted: z.boolean().default(false),
  at: At,
  durationMs: z.number().nonnegative(),
});

export const ToolCallEvent = z.object({
  type: z.literal("tool_call"),
  turn: z.number().int().positive(),
  callId: z.string(),
  tool: z.string(),
  args: z.unknown(),
  at: At,
});

export const ToolResultEvent = z.object({
  type: z.literal("tool_result"),
  turn: z.number().int().positive(),
  callId: z.string(),
  tool: z.string(),
  outcome: ToolOutcome,
  fault: FaultKind.optional(),
  latencyMs: z.number().nonnegative(),
  at: At,
});

export const SilenceEvent = z.object({
  type: z.literal("silence"),
  turn: z.number().int().positive(),
  /** Who was expected to speak: caller silence, or dead air while the agent waits on a tool. */
  who: z.enum(["caller", "agent"]),
  durationMs: z.number().positive(),
  at: At,
});

export const EndReason = z.enum([
  "caller_hung_up",
  "caller_satisfied",
  "agent_ended",
  "handoff",
  "turn_limit",
  "silence_timeout",
  "error",
]);
export type EndReason = z.infer<typeof EndReason>;

export const EndEvent = z.object({
  type: z.literal("end"),
  turn: z.number().int().nonnegative(),
  reason: EndReason,
  note: z.string().optional(),
  at: At,
});

export const ConversationEvent = z.discriminatedUnion("type", [
  CallerSpeechEvent,
  AgentSpeechEvent,
  ToolCallEvent,
  ToolResultEvent,
  SilenceEvent,
  EndEvent,
]);
export type ConversationEvent = z.infer<typeof ConversationEvent>;
export type CallerSpeechEvent = z.infer<typeof CallerSpeechEvent>;
export type AgentSpeechEvent = z.infer<typeof AgentSpeechEvent>;
export type ToolCallEvent = z.infer<typeof ToolCallEvent>;
export type ToolResultEvent = z.infer<typeof ToolResultEvent>;
export type SilenceEvent = z.infer<typeof SilenceEvent>;
export type EndEvent = z.infer<typeof EndEvent>;

/** One changed record of the tool world: final state = pack fixtures + these changes. */
export const WorldChange = z.object({
  collection: z.string(),
  id: z.string(),
  op: z.enum(["create", "update", "delete"]),
  before: z.record(z.string(), z.unknown()).optional(),
  after: z.record(z.string(), z.unknown()).optional(),
});
export type WorldChange = z.infer<typeof WorldChange>;

export const TokenUsage = z.object({
  promptTokens: z.number().int().nonnegative().default(0),
  completionTokens: z.number().int().nonnegative().default(0),
  modelCalls: z.number().int().nonnegative().default(0),
  /** Calls answered from the response cache (cost nothing). */
  cachedCalls: z.number().int().nonnegative().default(0),
});
export type TokenUsage = z.infer<typeof TokenUsage>;

export const Timing = z.object({
  durationMs: z.number().nonnegative(),
  agentTalkMs: z.number().nonnegative(),
  callerTalkMs: z.number().nonnegative(),
  /** Silence, and dead air while tools run. */
  deadAirMs: z.number().nonnegative(),
  toolLatencyMs: z.number().nonnegative(),
});

/**
 * Wall-clock latency of one agent turn of an external agent (measured, so not reproducible by
 * seed): how long the caller waited for the first words after it stopped talking, and how long
 * each tool step held the line (from the agent asking for the tool to its next move).
 */
export const TurnLatency = z.object({
  turn: z.number().int().nonnegative(),
  firstSpeechMs: z.number().nonnegative().optional(),
  tools: z.array(z.object({ tool: z.string(), callId: z.string(), ms: z.number().nonnegative() })).default([]),
});
export type TurnLatency = z.infer<typeof TurnLatency>;

export const Conversation = z.object({
  id: z.string(),
  scenarioId: z.string(),
  packId: z.string(),
  /** Which of the N candidates of this scenario (0-based). */
  candidate: z.number().int().nonnegative(),
  seed: z.number().int(),
  /** Backend ids, e.g. "scripted" or "openai:gpt-4o-mini". */
  backends: z.object({ caller: z.string(), agent: z.string() }),
  /** Flaws injected into the scripted agent for this call, if any. */
  injectedFlaws: z.array(z.string()).default([]),
  events: z.array(ConversationEvent),
  timing: Timing,
  worldChanges: z.array(WorldChange),
  session: WorldSession,
  toolLog: z.array(ToolCallRecord),
  usage: z.object({ caller: TokenUsage, agent: TokenUsage }),
  status: z.enum(["completed", "failed"]),
  endReason: EndReason,
  /** Why the conversation failed (model error after retries, ...); absent when completed. */
  error: z.string().optional(),
  /** Per-turn latency, for agents that run outside voicesim (WebSocket, HTTP). */
  agentLatency: z.array(TurnLatency).optional(),
});
export type Conversation = z.infer<typeof Conversation>;

/** K alternative agent replies sampled from one checkpoint of a conversation (preference data). */
export const ForkedReplies = z.object({
  id: z.string(),
  conversationId: z.string(),
  scenarioId: z.string(),
  /** Index of the last event before the fork; the replies continue from there. */
  afterEvent: z.number().int().nonnegative(),
  reason: z.enum(["after_fault", "after_refusal_trap", "after_ambiguity", "chosen"]),
  replies: z.array(
    z.object({
      /** 0 is the call's own reply; 1.. are alternatives sampled from the same checkpoint. */
      index: z.number().int().nonnegative(),
      /** The agent's reply: tool calls, their results and speech until the caller's next turn. */
      events: z.array(ConversationEvent),
      injectedFlaws: z.array(z.string()).default([]),
    }),
  ),
});
export type ForkedReplies = z.infer<typeof ForkedReplies>;
