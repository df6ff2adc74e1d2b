import { MemorySaver } from "@langchain/langgraph";
import type { AgentCallReport, AgentFlaw } from "../agents/index.ts";
import type { Conversation, ConversationEvent, ForkedReplies } from "../scenarios/index.ts";
import { ToolWorld } from "../tools/index.ts";
import { replyAsItWent } from "./fork-points.ts";
import {
  buildConversationGraph,
  type ConversationDeps,
  type ConversationStateValue,
  initialConversationState,
  type LiveEventChunk,
} from "./conversation-graph.ts";

export interface SimulateOptions {
  signal?: AbortSignal;
  /** Keep LangGraph checkpoints so the call can be forked afterwards (costs memory; dispose when done). */
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

function recursionLimitFor(deps: ConversationDeps): number {
  // Each caller turn is one caller step plus up to maxAgentStepsPerTurn agent/tool round trips.
  return deps.limits.maxCallerTurns * (2 * deps.limits.maxAgentStepsPerTurn + 2) + 10;
}

/** Runs one conversation to its end and assembles the Conversation record. */
export async function simulateConversation(deps: ConversationDeps, options: SimulateOptions = {}): Promise<SimulatedCall> {
  const checkpointer = options.keepCheckpoints ? new MemorySaver() : undefined;
  const graph = buildConversationGraph(deps, checkpointer);
  const threadId = deps.conversationId;
  const config = {
    recursionLimit: recursionLimitFor(deps),
    configurable: { thread_id: threadId },
    ...(options.signal ? { signal: options.signal } : {}),
  };
  let finalState: ConversationStateValue | undefined;
  let agentReport: AgentCallReport = {};
  try {
    const stream = await graph.stream(initialConversationState(deps), {
      ...config,
      streamMode: ["values", "custom"],
    });
    for await (const [mode, chunk] of stream as AsyncIterable<[string, unknown]>) {
      if (mode === "values") finalState = chunk as ConversationStateValue;
      else if (mode === "custom") options.onEvent?.(chunk as LiveEventChunk);
    }
  } finally {
    // An agent with a session per call (a WebSocket) hears that the call is over, however it ended.
    if (deps.agent.endCall) agentReport = await deps.agent.endCall(deps.conversationId, finalState?.endReason ?? "aborted");
  }
  if (!finalState) throw new Error(`conversation ${deps.conversationId} produced no state`);
  const conversation = toConversation(deps, finalState);
  if (agentReport.latency) conversation.agentLatency = agentReport.latency;

  return {
    conversation,
    async forkAt(afterEvent, k, forkOptions = {}) {
      if (!checkpointer) throw new Error("forkAt needs a call simulated with keepCheckpoints: true");
      const anchor = await findAgentCheckpoint(graph, threadId, afterEvent);
      // Reply 0 is the call as it went, so a pair's preferred side can be a turn of a judged call.
      const replies: ForkedReplies["replies"] = [{ index: 0, events: replyAsItWent(conversation.events, afterEvent), injectedFlaws: [...deps.flaws] }];
      const seen = new Set([visibleReply(replies[0]?.events ?? [])]);
      const attempts = forkOptions.distinctWithin ?? k;
      for (let attempt = 1; attempt <= attempts && replies.length <= k; attempt++) {
        const flaws = forkOptions.flawsFor?.(attempt) ?? [...deps.flaws];
        const branch = await graph.updateState(anchor.config, { forkIndex: attempt, flaws });
        let state: ConversationStateValue | undefined;
        for await (const chunk of await graph.stream(null, {
          ...config,
          configurable: branch.configurable ?? {},
          streamMode: "values",
          interruptBefore: ["caller"],
        })) {
          // The interrupt before the caller arrives as a chunk without state; keep the last real one.
          if (Array.isArray((chunk as Partial<ConversationStateValue>).events)) state = chunk as ConversationStateValue;
        }
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
      await checkpointer?.deleteThread(threadId);
    },
  };
}

/** What a listener or a trainer sees of a reply: the words, the tools and their arguments, a hang-up. */
function visibleReply(events: readonly ConversationEvent[]): string {
  return JSON.stringify(
    events.flatMap((e): unknown[] => (e.type === "agent_speech" ? [e.said] : e.type === "tool_call" ? [[e.tool, e.args]] : e.type === "end" ? [e.reason] : [])),
  );
}

/** The checkpoint where the agent is about to act right after event `afterEvent`. */
async function findAgentCheckpoint(graph: ReturnType<typeof buildConversationGraph>, threadId: string, afterEvent: number) {
  for await (const snapshot of graph.getStateHistory({ configurable: { thread_id: threadId } })) {
    const state = snapshot.values as ConversationStateValue;
    // Only the original branch (fork 0) anchors forks; earlier fork branches live in the same thread.
    if (snapshot.next.includes("agent") && state.events?.length === afterEvent + 1 && state.forkIndex === 0) {
      return snapshot;
    }
  }
  throw new Error(`no agent turn follows event ${afterEvent}: fork after a caller turn or a tool result`);
}

function toConversation(deps: ConversationDeps, state: ConversationStateValue): Conversation {
  const world = ToolWorld.fromSnapshot(state.world, {
    tools: deps.tools,
    config: deps.pack.toolsConfig,
    faultPlan: deps.scenario.faultPlan,
    seed: deps.seed,
  });
  const initial = ToolWorld.create({
    fixtures: deps.pack.fixtures,
    tools: deps.tools,
    config: deps.pack.toolsConfig,
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
