import { addUsage, agentSystemPrompt, noUsage } from "../../agents/index.ts";
import type { Conversation, ForkedReplies, OpenAIPreferenceRow, OpenAISftRow, Reject, Scenario, ScenarioPack, Score, TokenUsage, TrlPreferenceRow, TrlSftRow } from "../../scenarios/index.ts";
import type { JudgedCall } from "../filter/filter-calls.ts";
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

/**
 * Step 6b: the dataset. Kept calls are pseudonymised (one entity map per call), optionally
 * rewritten to the pack's voice, and written as SFT rows; forks of calls the judge accepted and
 * best-vs-worst candidates become preference pairs.
 */
export async function exportDataset(input: ExportInput): Promise<ExportOutput> {
  const { final, conversations, forks, scores, scenarios, pack, tools, rewriter } = input;
  const chatShape = input.splitToolSpeech ? { splitToolSpeech: true } : {};
  const prompt = (scenario: Scenario) => agentSystemPrompt(pack, scenario.clock.now, scenario.clock.timezone);
  const out: ExportOutput = { sft: [], trlSft: [], dpo: [], trlDpo: [], pairs: [], rewrites: [], rewriteUsage: noUsage(), piiReplacements: 0, candidatePairs: 0, rejects: [] };

  const pseudonymizerFor = (id: string, scenario: Scenario) => new Pseudonymizer(pack, id, { hiddenFacts: scenario.hiddenFacts, seed: input.seed });
  for (const { conversation, score, scenario } of final) {
    const pseudonymizer = pseudonymizerFor(conversation.id, scenario);
    let clean = pseudonymizer.conversation(conversation);
    if (rewriter) {
      const rewritten = await rewriteConversation(clean, pack, rewriter);
      clean = rewritten.conversation;
      out.rewrites.push(...rewritten.rewrites);
      addUsage(out.rewriteUsage, rewritten.usage);
    }
    out.piiReplacements += pseudonymizer.changes.length;
    const row = toSftRow(clean.events, score, prompt(scenario), tools, chatShape);
    out.sft.push(row);
    out.trlSft.push(toTrlSftRow(row));
  }

  // A fork's preferred reply is the call's own, so the call must be one the judge accepted: a pair
  // cut from a call that failed elsewhere would teach its other mistakes as the preferred way.
  const byId = new Map(conversations.map((c) => [c.id, c]));
  // Candidates of one scenario often share the moment a fork is cut at: one row per prompt and pair.
  const pairIds = new Map<string, string>();
  const firstWith = (row: OpenAIPreferenceRow, id: string) => {
    const key = JSON.stringify(row);
    const first = pairIds.get(key);
    if (first === undefined) pairIds.set(key, id);
    return first;
  };
  for (const fork of forks) {
    const conversation = byId.get(fork.conversationId);
    const scenario = scenarios.get(fork.scenarioId);
    const score = scores.get(fork.conversationId);
    if (!conversation || !scenario || !score) continue;
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
    out.dpo.push(pair.openai);
    out.trlDpo.push(pair.trl);
    out.pairs.push({ forkId: fork.id, conversationId: fork.conversationId, preferred: choice.preferred.index, rejected: choice.rejected.index, reasons: choice.rejected.reasons });
  }

  // Best-vs-worst candidates of a scenario, where they share a prefix up to the agent's turn.
  const keptIds = new Set(final.map((f) => f.conversation.id));
  const byScenario = new Map<string, Conversation[]>();
  for (const c of conversations) byScenario.set(c.scenarioId, [...(byScenario.get(c.scenarioId) ?? []), c]);
  for (const [scenarioId, candidates] of byScenario) {
    const scenario = scenarios.get(scenarioId);
    const ranked = candidates.filter((c) => scores.has(c.id)).sort((x, y) => (scores.get(y.id)?.weightedScore ?? 0) - (scores.get(x.id)?.weightedScore ?? 0));
    const best = ranked.find((c) => keptIds.has(c.id));
    // The losing side must be the agent's fault: a call spoilt by the simulated caller teaches nothing.
    const worst = [...ranked].reverse().find((c) => scores.get(c.id)?.verdict === "reject" && scores.get(c.id)?.callerFidelity.ok && c.status === "completed");
    if (!scenario || !best || !worst) continue;
    // One entity map for both sides, so the pair names the same fake caller.
    const pseudonymizer = pseudonymizerFor(best.id, scenario);
    pseudonymizer.learn(worst);
    const pair = candidatePair(pseudonymizer.conversation(best), pseudonymizer.conversation(worst), prompt(scenario), tools, { ...chatShape, conversationId: best.id });
    if ("skipped" in pair || firstWith(pair.openai, `${best.id} vs ${worst.id}`) !== undefined) continue;
    out.candidatePairs++;
    out.dpo.push(pair.openai);
    out.trlDpo.push(pair.trl);
  }
  return out;
}
