import { MemorySaver } from "@langchain/langgraph";
import type { AgentCallReport, AgentFlaw } from "../agents/index.ts";
import { type Conversation, type ConversationEvent, type ForkedReplies, worldConfig } from "../scenarios/index.ts";
import { ToolWorld } from "../tools/index.ts";
import { replyAsItWent } from "./fork-points.ts";
import {
  buildConversationGraph,
  type ConversationGraph,
  callConfigurable,
  type ConversationDeps,
  GRAPH_NODES,
  type ConversationStateValue,
  initialConversationState,
  type LiveEventChunk,
  sharedConversationGraph,
} from "./conversation-graph.ts";

export interface SimulateOptions {
  signal?: AbortSignal;
  /** Keep the states the agent acted on so the call can be forked afterwards (dispose when done). */
  keepCheckpoints?: boolean;
  /** Receives every event as it is produced (LangGraph custom stream). */
  onEvent?: (chunk: LiveEventChunk) => void;
}

/** A finished call; when checkpoints were kept, it can be forked at any agent turn. */
export interface SimulatedCall {
  conversation: Conversation;
  /** Reply 0 (the call as it went) and up to K alternative agent replies from the checkpoint after event `afterEvent`. */
  forkAt(afterEvent: number, k: number, options?: ForkOptions): Promise<ForkedReplies>;
  /** Drops the checkpoints of this call. */
  dispose(): Promise<void>;
}

export interface ForkOptions {
  reason?: ForkedReplies["reason"];
  /** Flaws the agent commits on attempt k (1-based), so a fork set holds good and bad replies. */
  flawsFor?: (k: number) => AgentFlaw[];
  /**
   * Keep only replies a listener could tell apart from the call's own and from each other, trying
   * up to this many attempts to find K of them (a flaw that does not show at this moment gives
   * the same reply as the call). Without it every attempt is kept.
   */
  distinctWithin?: number;
}

/** A "values" chunk of the graph's stream (an interrupt comes as a chunk without the call). */
type GraphValues = { call?: ConversationStateValue };

function recursionLimitFor(deps: ConversationDeps): number {
  // A call takes one super-step per exchange; the limit guards against a routing bug only, so it
  // is as loose as one step per node function would need.
  return deps.limits.maxCallerTurns * (2 * deps.limits.maxAgentStepsPerTurn + 2) + 10;
}

/** Runs one conversation to its end and assembles the Conversation record. */
export async function simulateConversation(deps: ConversationDeps, options: SimulateOptions = {}): Promise<SimulatedCall> {
  // The call itself runs without a checkpointer (serialising the whole state at every step cost
  // more than the step). A call that may be forked keeps the states its agent acted on instead:
  // they are immutable graph states, so keeping them costs references, not copies.
  const anchors = options.keepCheckpoints ? new Map<number, ConversationStateValue>() : undefined;
  const graph = sharedConversationGraph();
  const call = callConfigurable(deps, {
    isLive: options.onEvent !== undefined,
    ...(anchors ? { onAgentTurn: (state) => (state.forkIndex === 0 ? anchors.set(state.events.length - 1, state) : undefined) } : {}),
  });
  const config = {
    recursionLimit: recursionLimitFor(deps),
    configurable: { thread_id: deps.conversationId, ...call },
    ...(options.signal ? { signal: options.signal } : {}),
  };
  let finalState: ConversationStateValue | undefined;
  let agentReport: AgentCallReport = {};
  try {
    if (options.onEvent) {
      const stream = await graph.stream({ call: initialConversationState(deps) }, { ...config, streamMode: ["values", "custom"] });
      for await (const [mode, chunk] of stream as AsyncIterable<[string, unknown]>) {
        if (mode === "values") finalState = (chunk as GraphValues).call ?? finalState;
        else if (mode === "custom") options.onEvent(chunk as LiveEventChunk);
      }
    } else {
      // Nobody follows the call live: no custom stream to carry.
      finalState = (await graph.invoke({ call: initialConversationState(deps) }, config)).call;
    }
  } finally {
    // An agent with a session per call (a WebSocket) hears that the call is over, however it ended.
    if (deps.agent.endCall) agentReport = await deps.agent.endCall(deps.conversationId, finalState?.endReason ?? "aborted");
  }
  if (!finalState) throw new Error(`conversation ${deps.conversationId} produced no state`);
  const conversation = toConversation(deps, finalState);
  if (agentReport.latency) conversation.agentLatency = agentReport.latency;
  let forkGraph: { graph: ConversationGraph; checkpointer: MemorySaver; call: Record<string, unknown> } | undefined;

  return {
    conversation,
    async forkAt(afterEvent, k, forkOptions = {}) {
      if (!anchors) throw new Error("forkAt needs a call simulated with keepCheckpoints: true");
      const anchor = anchors.get(afterEvent);
      if (!anchor) throw new Error(`no agent turn follows event ${afterEvent}: fork after a caller turn or a tool result`);
      if (!forkGraph) {
        const checkpointer = new MemorySaver();
        forkGraph = { checkpointer, graph: buildConversationGraph({ checkpointer, entry: "fork" }), call: callConfigurable(deps) };
      }
      const { graph: branches, checkpointer, call: forkCall } = forkGraph;
      // Reply 0 is the call as it went, so a pair's preferred side can be a turn of a judged call.
      const replies: ForkedReplies["replies"] = [{ index: 0, events: replyAsItWent(conversation.events, afterEvent), injectedFlaws: [...deps.flaws] }];
      const seen = new Set([visibleReply(replies[0]?.events ?? [])]);
      const attempts = forkOptions.distinctWithin ?? k;
      for (let attempt = 1; attempt <= attempts && replies.length <= k; attempt++) {
        const flaws = forkOptions.flawsFor?.(attempt) ?? [...deps.flaws];
        // Each fork is a thread whose first checkpoint is the anchor (with this attempt's index and
        // flaws): the agent takes its turn from there and the graph stops before the caller's next.
        const threadId = `${deps.conversationId}~fork@${afterEvent}#${attempt}`;
        let state: ConversationStateValue | undefined;
        for await (const chunk of await branches.stream(
          { call: { ...anchor, forkIndex: attempt, flaws } },
          { ...config, configurable: { thread_id: threadId, ...forkCall }, streamMode: "values", interruptBefore: [GRAPH_NODES.exchange] },
        )) {
          // The interrupt before the exchange arrives as a chunk without state; keep the last real one.
          state = (chunk as GraphValues).call ?? state;
        }
        await checkpointer.deleteThread(threadId);
        const events = (state?.events ?? []).slice(afterEvent + 1) as ConversationEvent[];
        if (forkOptions.distinctWithin !== undefined) {
          const visible = visibleReply(events);
          if (seen.has(visible)) continue;
          seen.add(visible);
        }
        replies.push({ index: replies.length, events, injectedFlaws: flaws });
      }
      return {
        id: `${deps.conversationId}~fork@${afterEvent}`,
        conversationId: deps.conversationId,
        scenarioId: deps.scenario.id,
        afterEvent,
        reason: forkOptions.reason ?? "chosen",
        replies,
      };
    },
    async dispose() {
      anchors?.clear();
      forkGraph = undefined;
    },
  };
}

/** What a listener or a trainer sees of a reply: the words, the tools and their arguments, a hang-up. */
function visibleReply(events: readonly ConversationEvent[]): string {
  return JSON.stringify(
    events.flatMap((e): unknown[] => (e.type === "agent_speech" ? [e.said] : e.type === "tool_call" ? [[e.tool, e.args]] : e.type === "end" ? [e.reason] : [])),
  );
}

/** The Conversation record of a finished state (the graph's or a plain loop's). */
export function toConversation(deps: ConversationDeps, state: ConversationStateValue): Conversation {
  const world = ToolWorld.fromSnapshot(state.world, {
    tools: deps.tools,
    config: worldConfig(deps.pack),
    faultPlan: deps.scenario.faultPlan,
    seed: deps.seed,
  });
  const initial = ToolWorld.create({
    fixtures: deps.pack.fixtures,
    tools: deps.tools,
    config: worldConfig(deps.pack),
    now: deps.scenario.clock.now,
    timezone: deps.scenario.clock.timezone,
    faultPlan: [],
    seed: deps.seed,
  }).snapshot().collections;
  const events = state.events;
  const sum = (pick: (e: ConversationEvent) => number) => events.reduce((total, e) => total + pick(e), 0);
  const snapshot = world.snapshot();
  const endReason = state.endReason ?? "error";
  return {
    id: deps.conversationId,
    scenarioId: deps.scenario.id,
    packId: deps.pack.id,
    candidate: candidateOf(deps.conversationId),
    seed: deps.seed,
    backends: { caller: deps.caller.id, agent: deps.agent.id },
    injectedFlaws: [...deps.flaws],
    events,
    timing: {
      durationMs: state.elapsedMs,
      agentTalkMs: sum((e) => (e.type === "agent_speech" ? e.durationMs : 0)),
      callerTalkMs: sum((e) => (e.type === "caller_speech" ? e.durationMs : 0)),
      deadAirMs: sum((e) => (e.type === "silence" ? e.durationMs : 0)),
      toolLatencyMs: sum((e) => (e.type === "tool_result" ? e.latencyMs : 0)),
    },
    worldChanges: world.changesSince(initial),
    session: snapshot.session,
    toolLog: snapshot.log,
    usage: { caller: state.callerUsage, agent: state.agentUsage },
    status: state.failure ? "failed" : "completed",
    endReason,
    ...(state.failure ? { error: state.failure } : {}),
  };
}

/** Conversation ids end in `#<candidate>`. */
function candidateOf(conversationId: string): number {
  const match = /#(\d+)$/.exec(conversationId);
  return match ? Number(match[1]) : 0;
}
