import { setMaxListeners } from "node:events";
import pLimit from "p-limit";
import { AGENT_FLAWS, type AgentBackend, type AgentFlaw, addUsage, type CallerBackend, noUsage } from "../agents/index.ts";
import { Conversation, ForkedReplies, type Scenario, type ScenarioPack, type TokenUsage } from "../scenarios/index.ts";
import { hashToSeed, Rng, type ToolDefinition } from "../tools/index.ts";
import { type ConversationLimits, DEFAULT_LIMITS, type LiveEventChunk } from "./conversation-graph.ts";
import type { CallRequest, ForkPlan } from "./dispatch/call-request.ts";
import type { CallExecutor } from "./dispatch/executor.ts";
import { callContext, runCall } from "./dispatch/run-call.ts";
import { type LineSpan, putConversationsInOrder } from "./canonical-order.ts";
import { RUN_FILES, type RunStore } from "./run-store.ts";
import type { SimulatedCall } from "./simulate-conversation.ts";

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
  /** Simulate again the calls a previous invocation recorded as failed (an outage); default true. */
  retryFailed?: boolean;
  signal?: AbortSignal;
  onProgress?: (event: BatchProgress) => void;
  onEvent?: (chunk: LiveEventChunk) => void;
  /**
   * Called with each finished call before its checkpoints are dropped (forks happen here).
   * Whatever it returns is written to forks.jsonl.
   */
  afterCall?: (call: SimulatedCall, item: BatchItem) => Promise<ForkedReplies[]>;
  /** Where each call forks, as data: what an executor in another thread or process can carry out. */
  forkPlan?: ForkPlan;
  /** Runs the calls elsewhere (worker threads, a queue); in this process, `concurrency` at a time, when omitted. */
  executor?: CallExecutor;
}

export type BatchProgress =
  | { type: "start"; total: number; alreadyDone: number }
  | { type: "conversation"; done: number; total: number; failed: number; tokens: number; conversation: Conversation }
  /** A call an executor gave up on (a queued job that failed every attempt): counted done and failed. */
  | { type: "lost"; done: number; total: number; failed: number; tokens: number; id: string; reason: string }
  | { type: "done"; done: number; total: number; failed: number; tokens: number; aborted: boolean };

export interface BatchResult {
  total: number;
  /** Finished in this invocation. */
  simulated: number;
  /** Found already finished in the run directory (resume). */
  resumed: number;
  failed: number;
  /** Calls recorded as failed by an earlier invocation and simulated again in this one. */
  retriedIds: string[];
  /** Why the first failed call (in item order) failed, to name the cause when all of them did. */
  firstFailure: string | undefined;
  aborted: boolean;
  usage: { caller: TokenUsage; agent: TokenUsage };
  /** Calls an executor gave up on (a queued job that failed every attempt), each with the reason. */
  lost: Array<{ id: string; reason: string }>;
  /** Where each of the batch's calls sits in conversations.jsonl once the batch is done (none when aborted). */
  conversationLines: ReadonlyMap<string, LineSpan>;
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
  // Only this batch's calls count: a pipeline's conversations.jsonl holds every round's, and a
  // resumed round must add up exactly what it would have uninterrupted.
  const wanted = new Set(items.map(conversationId));
  // Only what the totals need: a resumed round must not hold every earlier call in memory.
  const finished = new Map<string, Pick<Conversation, "id" | "status" | "usage" | "error">>();
  for await (const conversation of store.read(RUN_FILES.conversations, Conversation, (id) => wanted.has(id))) {
    if (wanted.has(conversation.id) && !finished.has(conversation.id)) {
      finished.set(conversation.id, { id: conversation.id, status: conversation.status, usage: conversation.usage, ...(conversation.error !== undefined ? { error: conversation.error } : {}) });
    }
  }
  const retriedIds = options.retryFailed === false ? [] : [...finished.values()].filter((c) => c.status === "failed").map((c) => c.id);
  if (retriedIds.length > 0) {
    const retried = new Set(retriedIds);
    await store.drop(RUN_FILES.conversations, Conversation, (c) => retried.has(c.id));
    for (const id of retriedIds) finished.delete(id);
  }
  const todo = items.filter((item) => !finished.has(conversationId(item)));
  // Forks are written before their call's line; a kill between the two left forks of a call that
  // is done again now, and they would be there twice. Only forks an earlier process wrote can be
  // such leftovers, so forks.jsonl is read for them once per store, not at every batch.
  const leftovers = await earlierForks(store);
  const stale = new Set(todo.map(conversationId).filter((id) => leftovers.has(id)));
  if (stale.size > 0) {
    await store.drop(RUN_FILES.forks, ForkedReplies, (fork) => stale.has(fork.conversationId));
    for (const id of stale) leftovers.delete(id);
  }
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const usage = { caller: noUsage(), agent: noUsage() };
  for (const conversation of finished.values()) addInto(usage, conversation);
  const failures = new Map<string, string>();
  for (const conversation of finished.values()) if (conversation.status === "failed") failures.set(conversation.id, conversation.error ?? "failed");

  let done = items.length - todo.length;
  let failed = failures.size;
  let simulated = 0;
  const lost: BatchResult["lost"] = [];
  options.onProgress?.({ type: "start", total: items.length, alreadyDone: done });

  // Every call in flight listens on the one signal; that is by design, not a leak.
  if (options.signal) setMaxListeners(0, options.signal);
  const { afterCall } = options;
  const executor = options.executor && todo.length >= (options.executor.minBatch ?? 0) ? options.executor : undefined;
  if (executor && afterCall) throw new Error("runBatch: afterCall is a closure and runs in-process only; give a forkPlan to an executor");
  const context = executor ? undefined : callContext(source.pack, source.tools, { caller: options.caller, agent: options.agent });
  const limit = pLimit(executor ? executor.capacity : Math.max(1, options.concurrency));
  const runOne = async (item: BatchItem) => {
    // Scripted calls never wait on I/O; yielding to the event loop here lets Ctrl-C (a signal,
    // delivered only in the loop's poll phase) and the viewer's sockets get a turn between calls.
    await new Promise((resolve) => setImmediate(resolve));
    if (options.signal?.aborted) return;
    const id = conversationId(item);
    const request: CallRequest = {
      conversationId: id,
      scenario: item.scenario,
      candidate: item.candidate,
      seed: conversationSeed(options.seed, id),
      flaws: flawsFor(options.seed, id, options.flawRate),
      limits,
      ...(options.forkPlan ? { forkPlan: options.forkPlan } : {}),
    };
    const callOptions = {
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    };
    const outcome = context
      ? await runCall(context, request, { ...callOptions, ...(afterCall ? { afterCall: (call: SimulatedCall) => afterCall(call, item) } : {}) })
      : await (executor as CallExecutor).run(request, callOptions);
    if (outcome.kind === "aborted" || options.signal?.aborted) return;
    if (outcome.kind === "lost") {
      // A queued call whose job failed every attempt: named in the result, never blocking the batch.
      lost.push({ id, reason: outcome.reason });
      // It is over, and it failed: the progress bar reaches its total.
      done++;
      failed++;
      options.onProgress?.({ type: "lost", done, total: items.length, failed, tokens: totalTokens(usage), id, reason: outcome.reason });
      return;
    }
    const { conversation, forks } = outcome;
    // Forks first: a conversation line means "this item and its forks are done".
    for (const fork of forks) store.append(RUN_FILES.forks, fork);
    store.append(RUN_FILES.conversations, conversation);
    done++;
    simulated++;
    if (conversation.status === "failed") {
      failed++;
      failures.set(conversation.id, conversation.error ?? "failed");
    }
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
  const conversationLines = aborted ? new Map<string, LineSpan>() : await canonicalise(store, items);
  store.flush();
  options.onProgress?.({ type: "done", done, total: items.length, failed, tokens: totalTokens(usage), aborted });
  const firstFailure = items.map((item) => failures.get(conversationId(item))).find((error) => error !== undefined);
  return { total: items.length, simulated, resumed: items.length - todo.length, failed, retriedIds, firstFailure, aborted, usage, lost, conversationLines };
}

const forksOfEarlierProcesses = new WeakMap<RunStore, Set<string>>();

/** The calls with forks in forks.jsonl when this process first ran a batch into the store. */
async function earlierForks(store: RunStore): Promise<Set<string>> {
  let ids = forksOfEarlierProcesses.get(store);
  if (!ids) {
    ids = new Set<string>();
    for await (const fork of store.read(RUN_FILES.forks, ForkedReplies)) ids.add(fork.conversationId);
    forksOfEarlierProcesses.set(store, ids);
  }
  return ids;
}

/**
 * Concurrency finishes calls in any order; once all are in, the files are put in item order so
 * the same seed gives byte-identical conversations.jsonl and forks.jsonl however the batch was
 * scheduled or resumed, each rewritten only when it is not so already. Lines of other batches (a
 * pipeline's earlier rounds) keep their order after these. Returns where the batch's calls sit.
 */
async function canonicalise(store: RunStore, items: readonly BatchItem[]): Promise<Map<string, LineSpan>> {
  const order = new Map(items.map((item, index) => [conversationId(item), index]));
  const lines = await putConversationsInOrder(store.path(RUN_FILES.conversations), order, (write) => store.rewriteWith(RUN_FILES.conversations, write));
  const rank = (id: string) => order.get(id) ?? Number.MAX_SAFE_INTEGER;
  await store.putInOrder(RUN_FILES.forks, ForkedReplies, (a, b) => rank(a.conversationId) - rank(b.conversationId), (fork) => fork.id);
  return lines;
}

function addInto(total: { caller: TokenUsage; agent: TokenUsage }, conversation: Pick<Conversation, "usage">): void {
  for (const role of ["caller", "agent"] as const) addUsage(total[role], conversation.usage[role]);
}

export function totalTokens(usage: { caller: TokenUsage; agent: TokenUsage }): number {
  return usage.caller.promptTokens + usage.caller.completionTokens + usage.agent.promptTokens + usage.agent.completionTokens;
}
