import { addUsage, agentSystemPrompt, noUsage } from "../../agents/index.ts";
import type { Conversation, ForkedReplies, OpenAIPreferenceRow, OpenAISftRow, Reject, Scenario, ScenarioPack, Score, TokenUsage, TrlPreferenceRow, TrlSftRow } from "../../scenarios/index.ts";
import { createHash } from "node:crypto";
import type { JudgedCall, KeptCall } from "../filter/filter-calls.ts";
import { Pseudonymizer } from "../filter/pii.ts";
import { type Rewrite, type Rewriter, rewriteConversation } from "../filter/rewrite.ts";
import { candidatePair, judgeFork, preferencePair } from "./preferences.ts";
import { toSftRow, toTrlSftRow } from "./to-messages.ts";

export interface ExportInput {
  final: readonly JudgedCall[];
  conversations: readonly Conversation[];
  forks: readonly ForkedReplies[];
  scores: ReadonlyMap<string, Score>;
  scenarios: ReadonlyMap<string, Scenario>;
  pack: ScenarioPack;
  tools: NonNullable<OpenAIPreferenceRow["input"]["tools"]>;
  seed: number;
  rewriter?: Rewriter | undefined;
  splitToolSpeech?: boolean | undefined;
}

/** Which forked reply won, for reviewers (the viewer shows it beside the replies). */
export interface ForkVerdict {
  forkId: string;
  conversationId: string;
  preferred: number;
  rejected: number;
  reasons: string[];
}

export interface ExportOutput {
  sft: OpenAISftRow[];
  trlSft: TrlSftRow[];
  dpo: OpenAIPreferenceRow[];
  trlDpo: TrlPreferenceRow[];
  pairs: ForkVerdict[];
  rewrites: Rewrite[];
  /** What rewriting the dataset's agent turns cost (a model rewriter's tokens; nothing offline). */
  rewriteUsage: TokenUsage;
  piiReplacements: number;
  candidatePairs: number;
  rejects: Reject[];
}

/** Where the export writes its rows, one at a time, in the order the files hold them. */
export interface ExportSink {
  sft(row: OpenAISftRow): void;
  trlSft(row: TrlSftRow): void;
  dpo(row: OpenAIPreferenceRow): void;
  trlDpo(row: TrlPreferenceRow): void;
  pair(verdict: ForkVerdict): void;
  rewrite(rewrite: Rewrite): void;
}

/** One call of the run as best-vs-worst pairing ranks it (its events are read again by id). */
export interface CallSummary {
  id: string;
  scenarioId: string;
  status: Conversation["status"];
}

export interface ExportSource extends Omit<ExportInput, "final" | "conversations" | "forks"> {
  /** The calls the dataset holds, in order. */
  final: readonly KeptCall[];
  /** Every call of the run in file order. */
  calls: readonly CallSummary[];
  /** A call by id (the last line of that id, as a map built from the file would hold). */
  conversation: (id: string) => Conversation | undefined;
  forks: AsyncIterable<ForkedReplies> | Iterable<ForkedReplies>;
}

/** What exportRows wrote, counted, and what it dropped. */
export interface ExportTotals {
  sft: number;
  dpo: number;
  rewrites: number;
  rewriteFailures: number;
  rewriteUsage: TokenUsage;
  piiReplacements: number;
  candidatePairs: number;
  rejects: Reject[];
}

/**
 * Step 6b: the dataset. Kept calls are pseudonymised (one entity map per call), optionally
 * rewritten to the pack's voice, and written as SFT rows; forks of calls the judge accepted and
 * best-vs-worst candidates become preference pairs. Rows go to `sink` as they are made and calls
 * are read by id when needed, so memory holds no more than one call and its rows at a time.
 */
export async function exportRows(input: ExportSource, sink: ExportSink): Promise<ExportTotals> {
  const { final, calls, scores, scenarios, pack, tools, rewriter } = input;
  const chatShape = input.splitToolSpeech ? { splitToolSpeech: true } : {};
  const prompt = (scenario: Scenario) => agentSystemPrompt(pack, scenario.clock.now, scenario.clock.timezone);
  const out: ExportTotals = { sft: 0, dpo: 0, rewrites: 0, rewriteFailures: 0, rewriteUsage: noUsage(), piiReplacements: 0, candidatePairs: 0, rejects: [] };
  const addPair = (openai: OpenAIPreferenceRow, trl: TrlPreferenceRow) => {
    out.dpo++;
    sink.dpo(openai);
    sink.trlDpo(trl);
  };

  const pseudonymizerFor = (id: string, scenario: Scenario) => new Pseudonymizer(pack, id, { hiddenFacts: scenario.hiddenFacts, seed: input.seed });
  for (const { id, score, scenario } of final) {
    const conversation = input.conversation(id);
    if (!conversation) continue;
    const pseudonymizer = pseudonymizerFor(conversation.id, scenario);
    let clean = pseudonymizer.conversation(conversation);
    if (rewriter) {
      const rewritten = await rewriteConversation(clean, pack, rewriter);
      clean = rewritten.conversation;
      for (const rewrite of rewritten.rewrites) {
        sink.rewrite(rewrite);
        if (rewrite.error) out.rewriteFailures++;
        else out.rewrites++;
      }
      addUsage(out.rewriteUsage, rewritten.usage);
    }
    out.piiReplacements += pseudonymizer.changes.length;
    const row = toSftRow(clean.events, score, prompt(scenario), tools, chatShape);
    out.sft++;
    sink.sft(row);
    sink.trlSft(toTrlSftRow(row));
  }

  // A fork's preferred reply is the call's own, so the call must be one the judge accepted: a pair
  // cut from a call that failed elsewhere would teach its other mistakes as the preferred way.
  // Candidates of one scenario often share the moment a fork is cut at: one row per prompt and
  // pair, known by a digest of the row rather than the row itself.
  const pairIds = new Map<string, string>();
  const firstWith = (row: OpenAIPreferenceRow, id: string) => {
    const key = createHash("sha256").update(JSON.stringify(row)).digest("base64");
    const first = pairIds.get(key);
    if (first === undefined) pairIds.set(key, id);
    return first;
  };
  for await (const fork of input.forks) {
    const scenario = scenarios.get(fork.scenarioId);
    const score = scores.get(fork.conversationId);
    if (!scenario || !score) continue;
    const conversation = input.conversation(fork.conversationId);
    if (!conversation) continue;
    if (score.verdict !== "accept" || !score.callerFidelity.ok) {
      out.rejects.push({ kind: "reply", id: fork.id, stage: "judge", reason: "the call it forks from was rejected" });
      continue;
    }
    const choice = judgeFork({ fork, conversation, score, scenario, pack });
    const pseudonymizer = pseudonymizerFor(conversation.id, scenario);
    pseudonymizer.learn(fork);
    const pair = "skipped" in choice ? choice : preferencePair(pseudonymizer.value(fork) as ForkedReplies, pseudonymizer.conversation(conversation), choice, prompt(scenario), tools, chatShape);
    if ("skipped" in pair || "skipped" in choice) {
      out.rejects.push({ kind: "reply", id: fork.id, stage: "judge", reason: "skipped" in pair ? pair.skipped : "" });
      continue;
    }
    const same = firstWith(pair.openai, fork.id);
    if (same !== undefined) {
      out.rejects.push({ kind: "reply", id: fork.id, stage: "dedup", reason: `the same pair as ${same}` });
      continue;
    }
    addPair(pair.openai, pair.trl);
    sink.pair({ forkId: fork.id, conversationId: fork.conversationId, preferred: choice.preferred.index, rejected: choice.rejected.index, reasons: choice.rejected.reasons });
  }

  // Best-vs-worst candidates of a scenario, where they share a prefix up to the agent's turn.
  const keptIds = new Set(final.map((f) => f.id));
  const byScenario = new Map<string, CallSummary[]>();
  for (const c of calls) {
    const candidates = byScenario.get(c.scenarioId);
    if (candidates) candidates.push(c);
    else byScenario.set(c.scenarioId, [c]);
  }
  for (const [scenarioId, candidates] of byScenario) {
    const scenario = scenarios.get(scenarioId);
    const ranked = candidates.filter((c) => scores.has(c.id)).sort((x, y) => (scores.get(y.id)?.weightedScore ?? 0) - (scores.get(x.id)?.weightedScore ?? 0));
    const bestCall = ranked.find((c) => keptIds.has(c.id));
    // The losing side must be the agent's fault: a call spoilt by the simulated caller teaches nothing.
    const worstCall = [...ranked].reverse().find((c) => scores.get(c.id)?.verdict === "reject" && scores.get(c.id)?.callerFidelity.ok && c.status === "completed");
    if (!scenario || !bestCall || !worstCall) continue;
    const best = input.conversation(bestCall.id);
    const worst = input.conversation(worstCall.id);
    if (!best || !worst) continue;
    // One entity map for both sides, so the pair names the same fake caller.
    const pseudonymizer = pseudonymizerFor(best.id, scenario);
    pseudonymizer.learn(worst);
    const pair = candidatePair(pseudonymizer.conversation(best), pseudonymizer.conversation(worst), prompt(scenario), tools, { ...chatShape, conversationId: best.id });
    if ("skipped" in pair || firstWith(pair.openai, `${best.id} vs ${worst.id}`) !== undefined) continue;
    out.candidatePairs++;
    addPair(pair.openai, pair.trl);
  }
  return out;
}

/** Step 6b over calls held in memory (see exportRows, which streams). */
export async function exportDataset(input: ExportInput): Promise<ExportOutput> {
  const out: ExportOutput = { sft: [], trlSft: [], dpo: [], trlDpo: [], pairs: [], rewrites: [], rewriteUsage: noUsage(), piiReplacements: 0, candidatePairs: 0, rejects: [] };
  const byId = new Map(input.conversations.map((c) => [c.id, c]));
  const totals = await exportRows(
    {
      ...input,
      final: input.final.map(({ conversation, score, scenario }) => ({ id: conversation.id, score, scenario })),
      calls: input.conversations.map(({ id, scenarioId, status }) => ({ id, scenarioId, status })),
      conversation: (id) => byId.get(id),
      forks: input.forks,
    },
    {
      sft: (row) => out.sft.push(row),
      trlSft: (row) => out.trlSft.push(row),
      dpo: (row) => out.dpo.push(row),
      trlDpo: (row) => out.trlDpo.push(row),
      pair: (verdict) => out.pairs.push(verdict),
      rewrite: (rewrite) => out.rewrites.push(rewrite),
    },
  );
  return { ...out, rewriteUsage: totals.rewriteUsage, piiReplacements: totals.piiReplacements, candidatePairs: totals.candidatePairs, rejects: totals.rejects };
}
