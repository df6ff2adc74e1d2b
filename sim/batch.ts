import { setMaxListeners } from "node:events";
import pLimit from "p-limit";
import { AGENT_FLAWS, type AgentBackend, type AgentFlaw, type CallerBackend } from "../agents/index.ts";
import {
  Conversation,
  type ForkedReplies,
  type Persona,
  type Scenario,
  type ScenarioPack,
  type TokenUsage,
  VoicesimError,
} from "../scenarios/index.ts";
import { hashToSeed, Rng, type ToolDefinition } from "../tools/index.ts";
import { type ConversationDeps, type ConversationLimits, DEFAULT_LIMITS, type LiveEventChunk } from "./conversation-graph.ts";
import { writeConversationsInOrder } from "./canonical-order.ts";
import { recordableConversation } from "./recordable-conversation.ts";
import { RUN_FILES, type RunStore } from "./run-store.ts";
import { type SimulatedCall, simulateConversation } from "./simulate-conversation.ts";

/** What a batch needs of a pack: the parsed pack and the tools its agent can call. */
export interface PackForRun {
  pack: ScenarioPack;
  tools: readonly ToolDefinition[];
}

export interface BatchItem {
  scenario: Scenario;
  candidate: number;
}

export interface BatchOptions {
  seed: number;
  concurrency: number;
  caller: CallerBackend;
  agent: AgentBackend;
  /** Probability that a call's scripted agent gets one injected flaw. */
  flawRate: number;
  limits?: Partial<ConversationLimits>;
  signal?: AbortSignal;
  onProgress?: (event: BatchProgress) => void;
  onEvent?: (chunk: LiveEventChunk) => void;
  /**
   * Called with each finished call before its checkpoints are dropped (forks happen here).
   * Whatever it returns is written to forks.jsonl.
   */
  afterCall?: (call: SimulatedCall, item: BatchItem) => Promise<ForkedReplies[]>;
}

export type BatchProgress =
  | { type: "start"; total: number; alreadyDone: number }
  | { type: "conversation"; done: number; total: number; failed: number; tokens: number; conversation: Conversation }
  | { type: "done"; done: number; total: number; failed: number; tokens: number; aborted: boolean };

export interface BatchResult {
  total: number;
  /** Finished in this invocation. */
  simulated: number;
  /** Found already finished in the run directory (resume). */
  resumed: number;
  failed: number;
  aborted: boolean;
  usage: { caller: TokenUsage; agent: TokenUsage };
}

/** N candidate calls for each scenario, in scenario order. */
export function candidateItems(scenarios: readonly Scenario[], perScenario: number): BatchItem[] {
  return scenarios.flatMap((scenario) => Array.from({ length: perScenario }, (_, candidate) => ({ scenario, candidate })));
}

/** Conversation ids are `<scenario>#<candidate>`: stable, so resume can tell what is finished. */
export const conversationId = (item: BatchItem): string => `${item.scenario.id}#${item.candidate}`;

/** The seed of one call, derived from the run seed and its id (independent of order and concurrency). */
export const conversationSeed = (runSeed: number, id: string): number => hashToSeed(`${runSeed}:${id}`);

/** The flaws one call's agent commits: at most one, drawn with probability flawRate. */
export function flawsFor(runSeed: number, id: string, flawRate: number): AgentFlaw[] {
  const rng = Rng.derive(runSeed, id, "flaws");
  return rng.chance(flawRate) ? [rng.pick(AGENT_FLAWS)] : [];
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
 * Simulates every item that the run directory does not already hold, `concurrency` at a time,
 * appending each finished conversation as one line. Finished lines are never rewritten or
 * duplicated: a killed or aborted batch resumes with the items still missing.
 */
export async function runBatch(
  source: PackForRun,
  items: readonly BatchItem[],
  store: RunStore,
  options: BatchOptions,
): Promise<BatchResult> {
  const personas = new Map<string, Persona>(source.pack.personas.map((p) => [p.id, p]));
  // Only what the totals need: a resumed round must not hold every earlier call in memory.
  const finished = new Map<string, Pick<Conversation, "status" | "usage">>();
  for await (const conversation of store.read(RUN_FILES.conversations, Conversation)) {
    finished.set(conversation.id, { status: conversation.status, usage: conversation.usage });
  }
  const todo = items.filter((item) => !finished.has(conversationId(item)));
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const names = namesInFixtures(source.pack);
  const usage = { caller: zeroUsage(), agent: zeroUsage() };
  for (const conversation of finished.values()) addInto(usage, conversation);

  let done = items.length - todo.length;
  let failed = [...finished.values()].filter((c) => c.status === "failed").length;
  let simulated = 0;
  options.onProgress?.({ type: "start", total: items.length, alreadyDone: done });

  // Every call in flight listens on the one signal; that is by design, not a leak.
  if (options.signal) setMaxListeners(0, options.signal);
  const limit = pLimit(Math.max(1, options.concurrency));
  const runOne = async (item: BatchItem) => {
    // Scripted calls never wait on I/O; yielding to the event loop here lets Ctrl-C (a signal,
    // delivered only in the loop's poll phase) and the viewer's sockets get a turn between calls.
    await new Promise((resolve) => setImmediate(resolve));
    if (options.signal?.aborted) return;
    const id = conversationId(item);
    const persona = personas.get(item.scenario.persona);
    if (!persona) {
      throw new VoicesimError("pack_invalid", `scenario ${item.scenario.id} names unknown persona ${item.scenario.persona}`, {
        hint: "run `voicesim validate` on the pack",
      });
    }
    const seed = conversationSeed(options.seed, id);
    const deps: ConversationDeps = {
      conversationId: id,
      seed,
      pack: source.pack,
      scenario: item.scenario,
      persona,
      tools: source.tools,
      caller: options.caller,
      agent: options.agent,
      flaws: flawsFor(options.seed, id, options.flawRate),
      limits,
      names,
    };
    let call: SimulatedCall;
    try {
      call = await simulateConversation(deps, {
        keepCheckpoints: options.afterCall !== undefined,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      });
    } catch (error) {
      // An aborted call is simply not finished; resume does it again.
      if (options.signal?.aborted) return;
      throw error;
    }
    const conversation = recordableConversation(call.conversation);
    try {
      // A call that could not be recorded as it happened is not forked: there is nothing valid to pair.
      const forks = options.afterCall && conversation === call.conversation ? await options.afterCall(call, item) : [];
      if (options.signal?.aborted) return;
      // Forks first: a conversation line means "this item and its forks are done".
      for (const fork of forks) store.append(RUN_FILES.forks, fork);
      store.append(RUN_FILES.conversations, conversation);
    } finally {
      await call.dispose();
    }
    done++;
    simulated++;
    if (conversation.status === "failed") failed++;
    addInto(usage, conversation);
    options.onProgress?.({
      type: "conversation",
      done,
      total: items.length,
      failed,
      tokens: totalTokens(usage),
      conversation,
    });
  };
  await Promise.all(todo.map((item) => limit(() => runOne(item))));
  const aborted = options.signal?.aborted ?? false;
  if (!aborted) await canonicalise(store, items);
  store.flush();
  options.onProgress?.({ type: "done", done, total: items.length, failed, tokens: totalTokens(usage), aborted });
  return { total: items.length, simulated, resumed: items.length - todo.length, failed, aborted, usage };
}

/**
 * Concurrency finishes calls in any order; once all are in, the file is rewritten in item order
 * so the same seed gives a byte-identical conversations.jsonl however the batch was scheduled.
 */
async function canonicalise(store: RunStore, items: readonly BatchItem[]): Promise<void> {
  const order = new Map(items.map((item, index) => [conversationId(item), index]));
  await store.rewriteWith(RUN_FILES.conversations, (tmp) => writeConversationsInOrder(store.path(RUN_FILES.conversations), order, tmp));
}

function zeroUsage(): TokenUsage {
  return { promptTokens: 0, completionTokens: 0, modelCalls: 0, cachedCalls: 0 };
}

function addInto(total: { caller: TokenUsage; agent: TokenUsage }, conversation: Pick<Conversation, "usage">): void {
  for (const role of ["caller", "agent"] as const) {
    const u = conversation.usage[role];
    total[role].promptTokens += u.promptTokens;
    total[role].completionTokens += u.completionTokens;
    total[role].modelCalls += u.modelCalls;
    total[role].cachedCalls += u.cachedCalls;
  }
}

export function totalTokens(usage: { caller: TokenUsage; agent: TokenUsage }): number {
  return usage.caller.promptTokens + usage.caller.completionTokens + usage.agent.promptTokens + usage.agent.completionTokens;
}
