import { AGENT_FLAWS, type AgentBackend, type AgentFlaw, type CallerBackend } from "../../agents/index.ts";
import { type ForkedReplies, type Persona, type ScenarioPack, VoicesimError } from "../../scenarios/index.ts";
import type { ToolDefinition } from "../../tools/index.ts";
import type { ConversationDeps, LiveEventChunk } from "../conversation-graph.ts";
import { findForkPoints } from "../fork-points.ts";
import { recordableConversation } from "../recordable-conversation.ts";
import { type SimulatedCall, simulateConversation } from "../simulate-conversation.ts";
import type { CallOutcome, CallRequest, ForkPlan } from "./call-request.ts";

/** What every call of a run shares: made once per executor (per worker), not per call. */
export interface CallContext {
  pack: ScenarioPack;
  tools: readonly ToolDefinition[];
  caller: CallerBackend;
  agent: AgentBackend;
  personas: ReadonlyMap<string, Persona>;
  /** Names the recogniser may mishear. */
  names: readonly string[];
}

export interface RunCallOptions {
  signal?: AbortSignal;
  onEvent?: (chunk: LiveEventChunk) => void;
  /** In-process only: a closure that forks the finished call (library callers of runBatch). */
  afterCall?: (call: SimulatedCall) => Promise<ForkedReplies[]>;
}

/** The shared parts of a pack's calls. */
export function callContext(pack: ScenarioPack, tools: readonly ToolDefinition[], backends: { caller: CallerBackend; agent: AgentBackend }): CallContext {
  return { pack, tools, ...backends, personas: new Map(pack.personas.map((p) => [p.id, p])), names: namesInFixtures(pack) };
}

export function namesInFixtures(pack: ScenarioPack): string[] {
  const names = new Set<string>();
  for (const [, records] of Object.entries(pack.fixtures)) {
    for (const record of records as Array<Record<string, unknown>>) {
      if (typeof record.name === "string") names.add(record.name);
    }
  }
  return [...names].sort();
}

/**
 * Simulates one call and its forks. The same function runs in the coordinator, in a worker
 * thread and in a queue worker, so where a call ran never changes what it recorded.
 */
export async function runCall(context: CallContext, request: CallRequest, options: RunCallOptions = {}): Promise<CallOutcome> {
  const persona = context.personas.get(request.scenario.persona);
  if (!persona) {
    throw new VoicesimError("pack_invalid", `scenario ${request.scenario.id} names unknown persona ${request.scenario.persona}`, {
      hint: "run `voicesim validate` on the pack",
    });
  }
  const deps: ConversationDeps = {
    conversationId: request.conversationId,
    seed: request.seed,
    pack: context.pack,
    scenario: request.scenario,
    persona,
    tools: context.tools,
    caller: context.caller,
    agent: context.agent,
    flaws: request.flaws,
    limits: request.limits,
    names: context.names,
  };
  const fork = options.afterCall ?? (request.forkPlan ? forkByPlan(request.forkPlan, request, context.pack) : undefined);
  let call: SimulatedCall;
  try {
    call = await simulateConversation(deps, {
      keepCheckpoints: fork !== undefined,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    });
  } catch (error) {
    // An aborted call is simply not finished; resume does it again.
    if (options.signal?.aborted) return { kind: "aborted" };
    throw error;
  }
  try {
    const conversation = recordableConversation(call.conversation);
    // A call that could not be recorded as it happened is not forked: there is nothing valid to pair.
    const forks = fork && conversation === call.conversation ? await fork(call) : [];
    if (options.signal?.aborted) return { kind: "aborted" };
    return { kind: "done", conversation, forks };
  } finally {
    await call.dispose();
  }
}

function forkByPlan(plan: ForkPlan, request: CallRequest, pack: ScenarioPack) {
  return async (call: SimulatedCall): Promise<ForkedReplies[]> => {
    const points = findForkPoints(call.conversation, request.scenario, pack).slice(0, plan.maxPoints);
    const forks: ForkedReplies[] = [];
    for (const point of points) {
      const flaws = forkFlaws(plan.flawByReason[point.reason]);
      forks.push(
        await call.forkAt(point.afterEvent, plan.replies, {
          reason: point.reason,
          // Reply 0 is the call's own; the alternatives each carry one flaw that shows here.
          flawsFor: (k) => [flaws[k - 1] ?? "markup_in_speech"],
          distinctWithin: flaws.length,
        }),
      );
    }
    return forks;
  };
}

/**
 * The flaws a fork tries in turn: the one this moment invites first, then the others, markup last
 * (it always shows, so it is the fallback rather than the rule). A flaw that does not show at
 * this moment gives the call's own reply back and is passed over.
 */
function forkFlaws(first: AgentFlaw | undefined): AgentFlaw[] {
  const rest = AGENT_FLAWS.filter((f) => f !== first && f !== "markup_in_speech");
  return [...new Set<AgentFlaw>([...(first ? [first] : []), ...rest, "markup_in_speech"])];
}
