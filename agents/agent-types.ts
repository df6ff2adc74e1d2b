import type { Rng } from "../tools/index.ts";
import type { ConversationEvent, Persona, Scenario, ScenarioPack, TokenUsage, TurnLatency } from "../scenarios/index.ts";

/** Plain JSON: agent memory lives in LangGraph state, so it must survive a checkpoint. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** What the simulated caller knows when it takes a turn. */
export interface CallerView {
  pack: ScenarioPack;
  scenario: Scenario;
  persona: Persona;
  /** The call so far. The caller hears `agent_speech.callerHeard`, not `said`. */
  events: readonly ConversationEvent[];
  /** 1-based number of the turn the caller is about to take. */
  turn: number;
  /** The caller's own memory from its previous turn (null on the first). */
  memory: JsonValue;
  /** Aborts when the run is stopped (Ctrl-C): a model caller drops its request or retry wait at once. */
  signal?: AbortSignal;
}

export interface CallerTurn {
  /** What the caller says; empty when silent. */
  utterance: string;
  /** Digits typed on the keypad instead of speech. */
  dtmf?: string;
  /** The caller stays silent this long before (or instead of) speaking. */
  silenceMs?: number;
  /** The caller hangs up after this utterance. */
  hangUp: boolean;
  /** Why the caller hangs up (goal met, patience ran out, ...). */
  hangUpReason?: "satisfied" | "gave_up" | "silence";
  memory: JsonValue;
  usage: TokenUsage;
}

/** The simulated caller (user persona). Scripted: agenda-based; LLM: persona prompt. */
export interface CallerBackend {
  readonly id: string;
  nextTurn(view: CallerView, rng: Rng): Promise<CallerTurn>;
}

/** What the candidate agent knows: the pack and the heard call, never the scenario. */
export interface AgentView {
  pack: ScenarioPack;
  /** Simulated "now" (ISO with offset) and timezone, from the scenario clock. */
  now: string;
  timezone: string;
  /** The call so far; the agent reads `caller_speech.heard`, never `said`. */
  events: readonly ConversationEvent[];
  turn: number;
  memory: JsonValue;
  /** Flaws injected for this call (scripted agent only), e.g. "skip_verification". */
  flaws: readonly AgentFlaw[];
  /** The conversation's id: the seed of the tool-call ids a model sees, so reruns send the same bytes. */
  conversationId?: string;
  /** Aborts when the run is stopped (Ctrl-C): a model agent drops its request or retry wait at once. */
  signal?: AbortSignal;
}

export interface ToolCallRequest {
  callId: string;
  tool: string;
  args: Record<string, unknown>;
}

export type AgentAction =
  | { kind: "speak"; text: string; endCall?: boolean }
  | { kind: "tool_calls"; calls: ToolCallRequest[]; text?: string };

export interface AgentStep {
  action: AgentAction;
  memory: JsonValue;
  usage: TokenUsage;
}

/** What an agent with a life per call reports once the call is over. */
export interface AgentCallReport {
  latency?: TurnLatency[];
}

/** The agent under test. Scripted: procedure follower with slot filling; LLM: tools as functions; or the user's own (agents/external). */
export interface AgentBackend {
  readonly id: string;
  nextStep(view: AgentView, rng: Rng): Promise<AgentStep>;
  /**
   * Called once when a call ends, however it ended (`reason` is its end reason). Agents that
   * hold a session per call (a WebSocket) close it here and report what they measured.
   */
  endCall?(conversationId: string, reason: string): Promise<AgentCallReport>;
  /**
   * False for agents that keep their own state per call: a checkpoint cannot rewind them, so
   * they get no forked replies.
   */
  readonly canFork?: boolean;
  /** Where an agent outside voicesim listens (ws://, http://): checked before a batch starts. Never shown as is. */
  readonly endpoint?: string;
  /** The only tools this agent may run (an agent file's `tools:`); a call to another gets unknown_tool. Default all. */
  readonly allowedTools?: readonly string[];
}

/** Defects the scripted agent can be told to commit, so offline runs yield bad calls too. */
export const AGENT_FLAWS = [
  "skip_verification",
  "skip_disclosure",
  "claim_success_after_failure",
  "wrong_slot",
  "markup_in_speech",
  "comply_out_of_policy",
] as const;
export type AgentFlaw = (typeof AGENT_FLAWS)[number];
