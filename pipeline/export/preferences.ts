import type { Conversation, ConversationEvent, ForkedReplies, OpenAIMessage, OpenAIPreferenceRow, Scenario, ScenarioPack, Score, TrlPreferenceRow } from "../../scenarios/index.ts";
import { replyAsItWent } from "../../sim/index.ts";
import { programmaticChecks } from "../judge/programmatic-checks.ts";
import { hardFailures } from "../judge/scripted-judge.ts";
import { type ChatShapeOptions, eventsToOpenAIMessages, toTrlMessages } from "./to-messages.ts";

/** How the judge saw one reply of a fork, against the call's own reply (index 0). */
export interface ReplyVerdict {
  index: number;
  /** Checks that fail with this reply in place of the call's own, as `id: message`. */
  reasons: string[];
}

export interface ForkChoice {
  preferred: ReplyVerdict;
  rejected: ReplyVerdict;
  /** Every alternative reply's verdict, paired or not, for reviewers. */
  verdicts: ReplyVerdict[];
}

export interface ForkJudgeInput {
  fork: ForkedReplies;
  /** The call the fork was cut from, with real values (the judge checks them against the scenario). */
  conversation: Conversation;
  /** The judge's verdict on that call: its turn weights say whether its own reply was sound. */
  score: Score;
  scenario: Scenario;
  pack: ScenarioPack;
}

/**
 * Which replies of a fork make a pair. The preferred side is the call's own reply (index 0), so it
 * continues into a call the judge accepted and, by its turn weights, did not fault at this turn.
 * Every alternative is judged by the full judge on the call cut after that reply, beside the call's
 * own reply cut the same way: the checks that fail only with the alternative are its faults. The
 * first faulted alternative is the rejected side (alternatives come in the order their flaws were
 * tried, the one the moment invites first, so markup is the fallback rather than the rule); one
 * the judge cannot fault makes no pair, however different it reads.
 */
export function judgeFork(input: ForkJudgeInput): ForkChoice | { skipped: string; verdicts: ReplyVerdict[] } {
  const { fork, conversation, score, scenario, pack } = input;
  const prefix = conversation.events.slice(0, fork.afterEvent + 1);
  const own = fork.replies.find((r) => r.index === 0)?.events ?? replyAsItWent(conversation.events, fork.afterEvent);
  const ownTurns = own.filter((e) => e.type === "agent_speech").length;
  const firstTurn = prefix.filter((e) => e.type === "agent_speech").length;
  if (score.agentTurnWeights.slice(firstTurn, firstTurn + ownTurns).includes(0)) {
    return { skipped: "the judge faulted the call's own reply at this turn", verdicts: [] };
  }
  const failing = (events: readonly ConversationEvent[]) =>
    hardFailures(programmaticChecks({ conversation: { ...conversation, events: [...prefix, ...events] }, scenario, pack }), pack);
  const ownFailures = new Set(failing(own).map((c) => c.id));
  const verdicts = fork.replies
    .filter((r) => r.index !== 0)
    .map((r) => ({ index: r.index, reasons: failing(r.events).filter((c) => !ownFailures.has(c.id)).map((c) => `${c.id}: ${c.message}`) }));
  const worst = verdicts.find((v) => v.reasons.length > 0);
  if (!worst) return { skipped: `the judge finds none of the ${verdicts.length} alternative replies worse than the call's own`, verdicts };
  return { preferred: { index: 0, reasons: [] }, rejected: worst, verdicts };
}

export interface PreferencePair {
  openai: OpenAIPreferenceRow;
  trl: TrlPreferenceRow;
}

/**
 * The one way a fork becomes preference data: the replies `judgeFork` chose, as rows in both
 * formats. The prompt is the call up to the fork plus whatever the two replies share; the outputs
 * are the first assistant messages where they differ. Pass the pseudonymised fork and call.
 */
export function preferencePair(
  fork: ForkedReplies,
  conversation: Conversation,
  choice: Pick<ForkChoice, "preferred" | "rejected">,
  systemPrompt: string,
  tools: OpenAIPreferenceRow["input"]["tools"],
  options: ChatShapeOptions = {},
): PreferencePair | { skipped: string } {
  const prefix = conversation.events.slice(0, fork.afterEvent + 1);
  const replyOf = (index: number) => (index === 0 ? (fork.replies.find((r) => r.index === 0)?.events ?? replyAsItWent(conversation.events, fork.afterEvent)) : fork.replies.find((r) => r.index === index)?.events);
  const good = replyOf(choice.preferred.index);
  const bad = replyOf(choice.rejected.index);
  if (!good || !bad) return { skipped: "replies missing" };
  const shape = { ...options, conversationId: options.conversationId ?? conversation.id };
  const pair = pairAtDivergence(eventsToOpenAIMessages([...prefix, ...good], shape), eventsToOpenAIMessages([...prefix, ...bad], shape), systemPrompt, tools);
  if ("skipped" in pair) return { skipped: pair.skipped === DIVERGE_EARLY ? "the replies do not differ in an assistant turn" : pair.skipped };
  return pair;
}

const DIVERGE_EARLY = "the candidates diverge before the agent does";

/**
 * Best-vs-worst candidates of one scenario as a preference pair: where the two calls' messages
 * share a prefix that ends on the caller's turn and the agents' next messages differ, that turn
 * is the pair. Candidates that diverge before the agent does (different callers) give none.
 * Both calls take their tool-call ids from one conversation id, so a shared prefix stays shared.
 */
export function candidatePair(
  best: { events: readonly ConversationEvent[] },
  worst: { events: readonly ConversationEvent[] },
  systemPrompt: string,
  tools: OpenAIPreferenceRow["input"]["tools"],
  options: ChatShapeOptions = {},
): PreferencePair | { skipped: string } {
  return pairAtDivergence(eventsToOpenAIMessages(best.events, options), eventsToOpenAIMessages(worst.events, options), systemPrompt, tools);
}

/** Rows for two message lists that agree up to an assistant message where they differ. */
function pairAtDivergence(a: readonly OpenAIMessage[], b: readonly OpenAIMessage[], systemPrompt: string, tools: OpenAIPreferenceRow["input"]["tools"]): Pick<PreferencePair, "openai" | "trl"> | { skipped: string } {
  let shared = 0;
  while (shared < a.length && shared < b.length && JSON.stringify(a[shared]) === JSON.stringify(b[shared])) shared++;
  const preferred = a[shared];
  const rejected = b[shared];
  if (preferred?.role !== "assistant" || rejected?.role !== "assistant") return { skipped: DIVERGE_EARLY };
  const strip = (m: typeof preferred) => ({ role: "assistant" as const, content: m.content, ...(m.tool_calls ? { tool_calls: m.tool_calls } : {}) });
  const prompt: OpenAIMessage[] = [{ role: "system", content: systemPrompt }, ...a.slice(0, shared)];
  const [chosen] = toTrlMessages([...prompt, strip(preferred)]).slice(-1);
  const [rejectedTrl] = toTrlMessages([...prompt, strip(rejected)]).slice(-1);
  if (!chosen || !rejectedTrl) return { skipped: "conversion failed" };
  return {
    openai: { input: { messages: prompt, ...(tools ? { tools } : {}) }, preferred_output: [strip(preferred)], non_preferred_output: [strip(rejected)] },
    trl: { prompt: toTrlMessages(prompt), chosen: [chosen], rejected: [rejectedTrl], tools: tools ?? [] },
  };
}
