import { Annotation, Command, END, type LangGraphRunnableConfig, START, StateGraph } from "@langchain/langgraph";
import { installLeanContext } from "./lean-context.ts";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import type { AgentBackend, AgentFlaw, CallerBackend, JsonValue } from "../agents/index.ts";
import type {
  ConversationEvent,
  EndReason,
  Persona,
  Scenario,
  ScenarioPack,
  TokenUsage,
} from "../scenarios/index.ts";
import { worldConfig } from "../scenarios/index.ts";
import { Rng, SimClock, type ToolDefinition, ToolWorld, type WorldSnapshot } from "../tools/index.ts";
import { addDisfluencies, bargeIn, channelSettings, recognise, speechDurationMs } from "./voice-channel.ts";

/** Everything one conversation needs that is not state: injected, never reached for globally. */
export interface ConversationDeps {
  conversationId: string;
  seed: number;
  pack: ScenarioPack;
  scenario: Scenario;
  persona: Persona;
  tools: readonly ToolDefinition[];
  caller: CallerBackend;
  agent: AgentBackend;
  flaws: readonly AgentFlaw[];
  limits: ConversationLimits;
  /** Names the recogniser may mishear (from fixtures). */
  names: readonly string[];
}

export interface ConversationLimits {
  /** Caller turns before the call is cut as too long. */
  maxCallerTurns: number;
  /** Agent steps (tool rounds + speech) within one caller turn, a guard against loops. */
  maxAgentStepsPerTurn: number;
  /** Caller silence after which the call is dropped. */
  maxSilenceMs: number;
}

export const DEFAULT_LIMITS: ConversationLimits = { maxCallerTurns: 30, maxAgentStepsPerTurn: 8, maxSilenceMs: 20_000 };

const emptyUsage = (): TokenUsage => ({ promptTokens: 0, completionTokens: 0, modelCalls: 0, cachedCalls: 0 });
const addUsage = (a: TokenUsage, b: TokenUsage): TokenUsage => ({
  promptTokens: a.promptTokens + b.promptTokens,
  completionTokens: a.completionTokens + b.completionTokens,
  modelCalls: a.modelCalls + b.modelCalls,
  cachedCalls: a.cachedCalls + b.cachedCalls,
});

/** The state of a call: plain data only, so a checkpoint can hold it and a fork can continue it. */
export interface ConversationStateValue {
  events: ConversationEvent[];
  world: WorldSnapshot;
  callerMemory: JsonValue;
  agentMemory: JsonValue;
  /** Caller turns taken so far. */
  turn: number;
  /** Agent steps since the caller last spoke. */
  agentSteps: number;
  /** Simulated milliseconds since the call started. */
  elapsedMs: number;
  callerUsage: TokenUsage;
  agentUsage: TokenUsage;
  /** Set when the call is over. */
  endReason: EndReason | null;
  /** Which fork this branch is (0 = the original call); forks sample other agent replies. */
  forkIndex: number;
  /** Flaws the scripted agent commits on this branch (a fork may differ from the original). */
  flaws: AgentFlaw[];
  /** Why the call failed (a model error after retries); the call ends with reason "error". */
  failure: string | null;
}

/** What a node function returns: the events it produced (appended) and the keys it replaces. */
export type ConversationUpdate = Partial<ConversationStateValue>;
type Update = ConversationUpdate;

/**
 * The state after a node's update, folded as the graph folds it: events appended, every other key
 * replaced (an undefined value leaves the key alone).
 */
export function applyUpdate(state: ConversationStateValue, update: ConversationUpdate): ConversationStateValue {
  const next: Record<string, unknown> = { ...state };
  for (const [key, value] of Object.entries(update)) {
    if (value === undefined) continue;
    next[key] = key === "events" ? state.events.concat(value as ConversationEvent[]) : value;
  }
  return next as unknown as ConversationStateValue;
}

/**
 * The graph's one channel: the whole call state, replaced by each super-step. LangGraph keeps
 * versions, triggers, reads and writes per channel at every step; with a channel per key that
 * bookkeeping cost more than a scripted turn, and the keys always change together anyway.
 */
export const ConversationGraphState = Annotation.Root({ call: Annotation<ConversationStateValue>() });

/** Emitted on the LangGraph custom stream for every event, so a live viewer can follow a call. */
export interface LiveEventChunk {
  conversationId: string;
  index: number;
  event: ConversationEvent;
}

/** Where a node reports the events it produced (the graph's custom stream, or a plain callback). */
export type EventSink = ((chunk: LiveEventChunk) => void) | undefined;

function emit(sink: EventSink, conversationId: string, startIndex: number, events: ConversationEvent[]) {
  if (!sink) return;
  events.forEach((event, offset) => {
    sink({ conversationId, index: startIndex + offset, event });
  });
}

/** The initial state of a conversation. */
export function initialConversationState(deps: ConversationDeps): ConversationStateValue {
  const world = ToolWorld.create({
    fixtures: deps.pack.fixtures,
    tools: deps.tools,
    config: worldConfig(deps.pack),
    now: deps.scenario.clock.now,
    timezone: deps.scenario.clock.timezone,
    faultPlan: deps.scenario.faultPlan,
    seed: deps.seed,
  });
  return {
    events: [],
    world: world.snapshot(),
    callerMemory: null,
    agentMemory: null,
    turn: 0,
    agentSteps: 0,
    elapsedMs: 0,
    callerUsage: emptyUsage(),
    agentUsage: emptyUsage(),
    endReason: null,
    forkIndex: 0,
    flaws: [...deps.flaws],
    failure: null,
  };
}

/**
 * The scenario's "now" plus the simulated time so far, as ISO text. The start is parsed once per
 * call (parsing it at every step was a measurable share of a scripted call's CPU).
 */
function clockReader(deps: ConversationDeps): (elapsedMs: number) => string {
  const start = new SimClock(deps.scenario.clock.now, deps.scenario.clock.timezone);
  return (elapsedMs) => start.isoAfter(elapsedMs);
}

function endEvent(state: ConversationStateValue, reason: EndReason, at: number, note?: string): ConversationEvent {
  return note === undefined
    ? { type: "end", turn: state.turn, reason, at }
    : { type: "end", turn: state.turn, reason, note, at };
}

/** A node: reads the state, returns an update, reports its events. */
/** A step of the call; `signal` (the run's Ctrl-C) reaches the backends' model requests. */
export type ConversationNode = (state: ConversationStateValue, sink: EventSink, signal?: AbortSignal) => Promise<Update>;

/** The call's steps and the routing between them, as plain functions the graph wires up. */
export interface ConversationNodes {
  caller: ConversationNode;
  agent: ConversationNode;
  tools: ConversationNode;
  guard: ConversationNode;
  afterAgent(state: ConversationStateValue): "tools" | "caller" | "end";
  afterTools(state: ConversationStateValue): "agent" | "guard";
  afterCaller(state: ConversationStateValue): "agent" | "end";
}

/**
 * The steps of one call: the caller speaks through the voice channel, the agent answers with
 * speech or tool calls, tools run against the world, until someone hangs up, the agent ends or
 * hands off, or a limit is hit. Plain functions of the state, so the graph and a plain loop (the
 * benchmark's yardstick) run exactly the same code.
 */
export function conversationNodes(deps: ConversationDeps): ConversationNodes {
  const settings = channelSettings(deps.persona, deps.scenario);
  const nowIsoAt = clockReader(deps);

  const callerNode = async (state: ConversationStateValue, sink: EventSink, signal?: AbortSignal): Promise<Update> => {
    const turn = state.turn + 1;
    if (turn > deps.limits.maxCallerTurns) {
      const events = [endEvent(state, "turn_limit", state.elapsedMs, `no resolution after ${deps.limits.maxCallerTurns} caller turns`)];
      emit(sink, deps.conversationId, state.events.length, events);
      return { events, endReason: "turn_limit" };
    }
    const rng = Rng.derive(deps.seed, deps.conversationId, "caller", turn, state.forkIndex);
    let callerTurn: Awaited<ReturnType<CallerBackend["nextTurn"]>>;
    try {
      callerTurn = await deps.caller.nextTurn(
        { pack: deps.pack, scenario: deps.scenario, persona: deps.persona, events: state.events, turn, memory: state.callerMemory, ...(signal ? { signal } : {}) },
        rng,
      );
    } catch (error) {
      return failWith(state, sink, error, "caller");
    }
    const events: ConversationEvent[] = [];
    let at = state.elapsedMs;
    const lastAgent = state.events.findLast((e) => e.type === "agent_speech");
    const bargedIn = lastAgent?.type === "agent_speech" && lastAgent.interrupted && state.events.at(-1) === lastAgent;
    if (callerTurn.silenceMs && callerTurn.silenceMs > 0) {
      events.push({ type: "silence", turn, who: "caller", durationMs: callerTurn.silenceMs, at });
      at += callerTurn.silenceMs;
    }
    const utterance = callerTurn.utterance.trim();
    if (callerTurn.dtmf) {
      const said = utterance || `[keypad ${callerTurn.dtmf.split("").join(" ")}]`;
      const durationMs = 400 * callerTurn.dtmf.length;
      events.push({ type: "caller_speech", turn, said, heard: callerTurn.dtmf, dtmf: callerTurn.dtmf, bargedIn, at, durationMs });
      at += durationMs;
    } else if (utterance) {
      const said = addDisfluencies(utterance, settings.disfluencyRate, rng);
      const { heard } = recognise(said, { wer: settings.wer, names: deps.names, rng });
      const durationMs = speechDurationMs(said, settings.speakingRateWpm);
      events.push({ type: "caller_speech", turn, said, heard, bargedIn, at, durationMs });
      at += durationMs;
    }
    let endReason: EndReason | null = null;
    const silenceSoFar = trailingCallerSilenceMs([...state.events, ...events]);
    if (callerTurn.hangUp) {
      endReason = callerTurn.hangUpReason === "satisfied" ? "caller_satisfied" : "caller_hung_up";
      if (callerTurn.hangUpReason === "silence") endReason = "silence_timeout";
    } else if (silenceSoFar >= deps.limits.maxSilenceMs) {
      endReason = "silence_timeout";
    }
    if (endReason) events.push(endEvent({ ...state, turn }, endReason, at, callerTurn.hangUpReason));
    emit(sink, deps.conversationId, state.events.length, events);
    return {
      events,
      turn,
      agentSteps: 0,
      elapsedMs: at,
      callerMemory: callerTurn.memory,
      callerUsage: addUsage(state.callerUsage, callerTurn.usage),
      endReason,
    };
  };

  const agentNode = async (state: ConversationStateValue, sink: EventSink, signal?: AbortSignal): Promise<Update> => {
    const rng = Rng.derive(deps.seed, deps.conversationId, "agent", state.turn, state.agentSteps, state.forkIndex);
    let step: Awaited<ReturnType<AgentBackend["nextStep"]>>;
    try {
      step = await deps.agent.nextStep(
      {
        pack: deps.pack,
        now: nowIsoAt(state.elapsedMs),
        timezone: deps.scenario.clock.timezone,
        events: state.events,
        turn: Math.max(1, state.turn),
        memory: state.agentMemory,
        flaws: state.flaws,
        conversationId: deps.conversationId,
        ...(signal ? { signal } : {}),
      },
      rng,
    );
    } catch (error) {
      return failWith(state, sink, error, "agent");
    }
    const turn = Math.max(1, state.turn);
    const events: ConversationEvent[] = [];
    let at = state.elapsedMs;
    const action = step.action;
    const agentUsage = addUsage(state.agentUsage, step.usage);
    const agentSteps = state.agentSteps + 1;
    if (action.kind === "tool_calls" && action.calls.length > 0) {
      if (action.text?.trim()) {
        const said = action.text.trim();
        const durationMs = speechDurationMs(said, deps.pack.agent.voice.speakingRateWpm);
        events.push({ type: "agent_speech", turn, said, callerHeard: said, interrupted: false, at, durationMs });
        at += durationMs;
      }
      for (const call of action.calls) {
        events.push({ type: "tool_call", turn, callId: call.callId, tool: call.tool, args: call.args, at });
      }
      emit(sink, deps.conversationId, state.events.length, events);
      return { events, elapsedMs: at, agentMemory: step.memory, agentUsage, agentSteps };
    }
    const said = action.kind === "speak" ? action.text.trim() : "";
    const durationMs = speechDurationMs(said, deps.pack.agent.voice.speakingRateWpm);
    const willEnd = action.kind === "speak" && action.endCall === true;
    const session = state.world.session;
    const endReason: EndReason | null = session.transferredTo
      ? "handoff"
      : willEnd || session.endedBy === "agent"
        ? "agent_ended"
        : null;
    // Nobody barges in on a goodbye: the caller has nothing left to say. Nor twice running: a
    // caller who cut the agent off and said "sorry, go ahead" listens to the line said again
    // (the draw is made all the same, so the rest of the call's chances stay where they were).
    const drawn = bargeIn(said, { rate: settings.bargeInRate, rng });
    const cutOffLastTime = state.events.findLast((event) => event.type === "agent_speech")?.interrupted === true;
    const cut = endReason || cutOffLastTime ? { interrupted: false, callerHeard: said } : drawn;
    const spokenMs = cut.interrupted ? speechDurationMs(cut.callerHeard, deps.pack.agent.voice.speakingRateWpm) : durationMs;
    events.push({ type: "agent_speech", turn, said, callerHeard: cut.callerHeard, interrupted: cut.interrupted, at, durationMs: spokenMs });
    at += spokenMs;
    if (endReason) events.push(endEvent(state, endReason, at));
    emit(sink, deps.conversationId, state.events.length, events);
    return { events, elapsedMs: at, agentMemory: step.memory, agentUsage, agentSteps, endReason };
  };

  const toolsNode = async (state: ConversationStateValue, sink: EventSink): Promise<Update> => {
    const pending = pendingToolCalls(state.events);
    let at = state.elapsedMs;
    const world = ToolWorld.continueFrom(
      { ...state.world, clockNow: nowIsoAt(at) },
      { tools: deps.tools, config: worldConfig(deps.pack), faultPlan: deps.scenario.faultPlan, seed: deps.seed, ...(deps.agent.allowedTools ? { allowedTools: deps.agent.allowedTools } : {}) },
    );
    const events: ConversationEvent[] = [];
    const turn = Math.max(1, state.turn);
    for (const call of pending) {
      const record = world.call(call.tool, call.args, call.callId);
      // A slow backend is dead air on the line: the caller hears nothing while it runs.
      if (record.latencyMs >= 2_000) events.push({ type: "silence", turn, who: "agent", durationMs: record.latencyMs, at });
      at += record.latencyMs;
      events.push({
        type: "tool_result",
        turn,
        callId: call.callId,
        tool: call.tool,
        outcome: record.outcome,
        ...(record.fault ? { fault: record.fault } : {}),
        latencyMs: record.latencyMs,
        at,
      });
    }
    emit(sink, deps.conversationId, state.events.length, events);
    return { events, elapsedMs: at, world: world.handOver() };
  };

  /** A model that failed after its retries ends this call as failed; the batch goes on. */
  const failWith = (state: ConversationStateValue, sink: EventSink, error: unknown, role: string): Update => {
    if (!isModelFailure(error)) throw error;
    // An agent outside voicesim is not a model of ours: say which kind failed (its message starts with its address).
    const endpoint = role === "agent" ? deps.agent.endpoint : undefined;
    const who = endpoint ? `agent failed: ${/^wss?:/i.test(endpoint) ? "ws" : "http"} agent` : `${role} model failed:`;
    const message = `${who} ${(error as Error).message}`;
    const events = [endEvent(state, "error", state.elapsedMs, message)];
    emit(sink, deps.conversationId, state.events.length, events);
    return { events, endReason: "error", failure: message };
  };

  // A guard ends a call whose agent keeps calling tools without ever speaking.
  const guardNode = async (state: ConversationStateValue, sink: EventSink): Promise<Update> => {
    const events = [endEvent(state, "error", state.elapsedMs, `agent made ${state.agentSteps} steps without speaking`)];
    emit(sink, deps.conversationId, state.events.length, events);
    return { events, endReason: "error" };
  };

  return {
    caller: callerNode,
    agent: agentNode,
    tools: toolsNode,
    guard: guardNode,
    afterAgent: (state) => {
      if (state.endReason) return "end";
      if (pendingToolCalls(state.events).length > 0) return "tools";
      return "caller";
    },
    afterTools: (state) => (state.agentSteps >= deps.limits.maxAgentStepsPerTurn ? "guard" : "agent"),
    afterCaller: (state) => (state.endReason ? "end" : "agent"),
  };
}

/** Called with the state the agent is about to act on (fork anchors are taken from these). */
export type AgentTurnObserver = (state: ConversationStateValue) => void;

export interface CallOptions {
  onAgentTurn?: AgentTurnObserver;
  /** Someone follows the call on the custom stream; otherwise nodes report no events at all. */
  isLive?: boolean;
}

/** The graph's nodes: an exchange (a call's steps), and the agent's turn alone (a fork's first step). */
export const GRAPH_NODES = { agentTurn: "agent", exchange: "exchange" } as const;

/** Where a call's own functions travel in the invoke config's `configurable`. */
const CALL_KEY = "voicesim_call";

interface CallContext {
  nodes: ConversationNodes;
  onAgentTurn: AgentTurnObserver | undefined;
  isLive: boolean;
}

/**
 * The `configurable` entries that make a shared graph run one call: its node functions (closed
 * over its deps) and its observer. Merge them into the config of `invoke` or `stream`.
 */
export function callConfigurable(deps: ConversationDeps, options: CallOptions = {}): Record<string, unknown> {
  const call: CallContext = { nodes: conversationNodes(deps), onAgentTurn: options.onAgentTurn, isLive: options.isLive === true };
  return { [CALL_KEY]: call };
}

function callOf(config: LangGraphRunnableConfig): CallContext {
  const call = config.configurable?.[CALL_KEY] as CallContext | undefined;
  if (!call) throw new Error("the conversation graph runs a call given by callConfigurable(deps) in its config");
  return call;
}

/** The agent acts until it speaks to the caller, ends the call or hits its step limit. */
async function agentTurn(call: CallContext, start: ConversationStateValue, sink: EventSink, signal?: AbortSignal): Promise<ConversationStateValue> {
  const { nodes, onAgentTurn } = call;
  let state = start;
  for (;;) {
    onAgentTurn?.(state);
    state = applyUpdate(state, await nodes.agent(state, sink, signal));
    if (nodes.afterAgent(state) !== "tools") return state;
    state = applyUpdate(state, await nodes.tools(state, sink));
    if (nodes.afterTools(state) === "guard") return applyUpdate(state, await nodes.guard(state, sink));
  }
}

export interface GraphOptions {
  /** Saves the checkpoints forks are run from. */
  checkpointer?: BaseCheckpointSaver;
  /**
   * Where a run enters: a call enters at the exchange (which opens with the agent's greeting), a
   * fork at the agent's turn alone, from the state it branches off.
   */
  entry?: "call" | "fork";
}

/**
 * The LangGraph for a call over `conversationNodes`, one super-step per exchange: the node
 * `exchange` is the caller's turn and the agent's whole answer to it (its tool round trips
 * included; a call that has not started opens with the agent's greeting), `agent` the agent's
 * turn alone (where a fork continues). Every LangGraph step costs config plumbing, task
 * bookkeeping and a checkpoint record; a step per node function made the graph cost 4x the
 * functions themselves. The steps inside a turn run in the order the routing functions give,
 * folded with `applyUpdate`, so the events are the same as a loop over the single functions
 * (test/sim/graph-identity.test.ts).
 *
 * The graph holds no call: each run names its call with `callConfigurable(deps)` in the config,
 * so one compiled graph serves every call (compiling one per call was a share of its cost).
 */
export function buildConversationGraph(options: GraphOptions = {}) {
  installLeanContext();
  // LangGraph gives every node a writer, custom stream or not: a call nobody follows skips it.
  const sinkOf = (config: LangGraphRunnableConfig): EventSink => (callOf(config).isLive ? (config.writer as EventSink) : undefined);
  // Each node names its successor with a Command: a conditional edge would be a runnable of its
  // own per step, reading a fresh copy of every channel (with a new checkpoint id) to decide.
  const step = (state: ConversationStateValue) =>
    new Command({ update: { call: state }, goto: state.endReason ? END : GRAPH_NODES.exchange });
  const ends = [GRAPH_NODES.exchange, END];
  const agentNode = async ({ call: state }: GraphState, config: LangGraphRunnableConfig) =>
    step(await agentTurn(callOf(config), state, sinkOf(config), config.signal));
  const exchangeNode = async ({ call: state }: GraphState, config: LangGraphRunnableConfig) => {
    const call = callOf(config);
    const sink = sinkOf(config);
    let after = state;
    // The greeting shares the first exchange's step: one super-step fewer per call.
    if (hasNotStarted(after)) {
      after = await agentTurn(call, after, sink, config.signal);
      if (after.endReason) return step(after);
    }
    after = applyUpdate(after, await call.nodes.caller(after, sink, config.signal));
    if (call.nodes.afterCaller(after) !== "end") after = await agentTurn(call, after, sink, config.signal);
    return step(after);
  };
  // A graph that never enters the agent's turn alone has no such node (LangGraph refuses unreachable ones).
  const graph = new StateGraph(ConversationGraphState).addNode(GRAPH_NODES.exchange, exchangeNode, { ends });
  if (options.entry === "fork") graph.addNode(GRAPH_NODES.agentTurn, agentNode, { ends }).addEdge(START, GRAPH_NODES.agentTurn);
  else graph.addEdge(START, GRAPH_NODES.exchange);
  return options.checkpointer ? graph.compile({ checkpointer: options.checkpointer }) : graph.compile();
}

type GraphState = typeof ConversationGraphState.State;

/** Nobody has spoken yet: the agent answers the phone before the caller's first turn. */
const hasNotStarted = (state: ConversationStateValue) => state.turn === 0 && state.events.length === 0;

export type ConversationGraph = ReturnType<typeof buildConversationGraph>;

let sharedGraph: ConversationGraph | undefined;

/** The graph every call without a checkpointer runs on, compiled once per process. */
export function sharedConversationGraph(): ConversationGraph {
  sharedGraph ??= buildConversationGraph();
  return sharedGraph;
}

/** Tool calls of the agent's latest step that have no result yet. */
export function pendingToolCalls(events: readonly ConversationEvent[]) {
  const answered = new Set<string>();
  const pending: Array<{ callId: string; tool: string; args: Record<string, unknown> }> = [];
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i];
    if (!event) continue;
    if (event.type === "tool_result") answered.add(event.callId);
    else if (event.type === "tool_call") {
      if (!answered.has(event.callId)) pending.unshift({ callId: event.callId, tool: event.tool, args: asArgs(event.args) });
    } else if (event.type !== "silence") break;
  }
  return pending;
}

/** Model errors are recorded as a failed call; anything else is a bug and stays loud. */
function isModelFailure(error: unknown): boolean {
  return error instanceof Error && (error.name === "ModelCallError" || (error as { code?: unknown }).code === "model_failed");
}

function asArgs(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function trailingCallerSilenceMs(events: readonly ConversationEvent[]): number {
  let total = 0;
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i];
    if (event?.type === "silence" && event.who === "caller") total += event.durationMs;
    else if (event?.type === "agent_speech") continue;
    else break;
  }
  return total;
}
