import { Conversation, ForkedReplies, type Manifest, Reject, type Scenario, type ScenarioPack, type ScenarioRecord, type Score } from "../scenarios/index.ts";
import { RUN_FILES, type RunnablePack, type RunStore } from "../sim/index.ts";
import { type CallSummary, type ExportTotals, exportRows } from "./export/export-dataset.ts";
import { type CallFilter, createCallFilter } from "./filter/filter-calls.ts";
import type { Rewriter } from "./filter/rewrite.ts";
import { passHatKTable } from "./judge/pass-hat-k.ts";
import { type LatencySummary, latencySummary } from "./report/agent-latency.ts";
import { type ComplicationOutcome, complicationOutcomes, coverageOfOutcomes } from "./report/complication-coverage.ts";
import { type ReportData, renderReport } from "./report/render-report.ts";

import { addTokens, type Tokens, tokensOf } from "./recorded-usage.ts";

export type { Tokens };

export interface FinishRunInput {
  source: RunnablePack;
  store: RunStore;
  manifest: Manifest;
  seed: number;
  records: ReadonlyMap<string, ScenarioRecord>;
  scores: ReadonlyMap<string, Score>;
  rounds: ReportData["rounds"];
  tokens: Tokens;
  backends: ReportData["backends"];
  addReject: (reject: Reject) => void;
  onStage?: (event: { stage: string; type: "start" | "done"; total?: number; summary?: string }) => void;
  dedupThreshold?: number | undefined;
  minDomainScore?: number | undefined;
  rewriter?: Rewriter | undefined;
  splitToolSpeech?: boolean | undefined;
}

export interface FinishRunResult {
  funnel: ReportData["funnel"];
  acceptedConversations: number;
  sftRows: number;
  preferenceRows: number;
  manifest: Manifest;
}

/**
 * Step 6 and the report, from what the run directory holds: filter, export, reject pile, report and
 * manifest. `runPipeline` ends with it, and `voicesim judge` calls it again after re-judging, so
 * both write the same files from the same scores.
 */
export async function finishRun(input: FinishRunInput): Promise<FinishRunResult> {
  const { source, store, records, scores, seed } = input;
  const { pack } = source;
  const stage = input.onStage ?? (() => {});
  const scenarios = new Map<string, Scenario>([...records.values()].map((r) => [r.scenario.id, r.scenario]));

  // One streamed pass over the calls decides the filter and keeps what the export and the report
  // need of each (where its line is, a MinHash signature, its complication outcomes); the export
  // then reads back by offset only the calls it writes. Memory holds that index, not the run.
  stage({ stage: "filter", type: "start", total: scores.size });
  const filter = createCallFilter({ scores, scenarios, pack, dedupThreshold: input.dedupThreshold, minDomainScore: input.minDomainScore });
  const lines = new Map<string, IndexedLine>();
  const calls: CallSummary[] = [];
  const outcomes: Array<{ id: string; outcomes: ComplicationOutcome[] }> = [];
  const latencies: Array<Pick<Conversation, "id" | "agentLatency">> = [];
  for await (const { record: conversation, offset, length, isVerbatim } of store.readIndexed(RUN_FILES.conversations, Conversation)) {
    lines.set(conversation.id, { offset, length, isVerbatim });
    calls.push({ id: conversation.id, scenarioId: conversation.scenarioId, status: conversation.status });
    filter.add(conversation);
    const scenario = scenarios.get(conversation.scenarioId);
    if (scenario) outcomes.push({ id: conversation.id, outcomes: complicationOutcomes({ conversation, scenario, pack }) });
    if (conversation.agentLatency) latencies.push({ id: conversation.id, agentLatency: conversation.agentLatency });
  }
  const filtered = filter.finish();
  for (const reject of filtered.rejects) input.addReject(reject);
  stage({ stage: "filter", type: "done", summary: `${filtered.final.length} of ${calls.length} kept` });

  const files = {
    sft: store.replacement(RUN_FILES.sft),
    dpo: store.replacement(RUN_FILES.dpo),
    trlSft: store.replacement("dataset/trl/sft.jsonl"),
    trlDpo: store.replacement("dataset/trl/preference.jsonl"),
    rewrites: store.replacement("dataset/rewrites.jsonl"),
    pairs: store.replacement("dataset/pairs.jsonl"),
  };
  let exported: ExportTotals;
  try {
    exported = await exportRows(
      {
        final: filtered.final,
        calls,
        conversation: (id) => {
          const line = lines.get(id);
          return line ? readConversation(store, line) : undefined;
        },
        forks: store.read(RUN_FILES.forks, ForkedReplies),
        scores,
        scenarios,
        pack,
        tools: source.tools.map((t) => t.openAISchema()),
        seed,
        rewriter: input.rewriter,
        splitToolSpeech: input.splitToolSpeech,
      },
      {
        sft: (row) => files.sft.append(row),
        trlSft: (row) => files.trlSft.append(row),
        dpo: (row) => files.dpo.append(row),
        trlDpo: (row) => files.trlDpo.append(row),
        pair: (verdict) => files.pairs.append(verdict),
        rewrite: (rewrite) => files.rewrites.append(rewrite),
      },
    );
  } catch (error) {
    for (const file of Object.values(files)) file.abort();
    throw error;
  }
  for (const file of Object.values(files)) file.commit();
  for (const reject of exported.rejects) input.addReject(reject);
  stage({ stage: "export", type: "done", summary: `${exported.sft} SFT rows, ${exported.dpo} preference pairs (${exported.candidatePairs} from best-vs-worst candidates)` });

  // A model rewriter spends tokens at export, after the batch totals were summed.
  const tokens = addTokens(input.tokens, tokensOf(exported.rewriteUsage));
  const seen: CallsSeen = { count: calls.length, outcomes, latencies };
  const data = reportData({ ...input, tokens }, pack, seen, filtered, exported, await store.readAll(RUN_FILES.rejects, Reject));
  const { html, markdown } = renderReport(data);
  store.writeText(RUN_FILES.reportHtml, html);
  store.writeText(RUN_FILES.reportMd, markdown);
  if (data.refusals.correct === 0) stage({ stage: "warning", type: "done", summary: "no accepted conversation contains a correct refusal: add refusal traps to the pack's scenarios" });

  const allRecords = [...records.values()];
  const scoreList = [...scores.values()];
  const manifest: Manifest = {
    ...input.manifest,
    updatedAt: new Date().toISOString(),
    stages: [
      { name: "generate", status: "done", counts: { proposed: allRecords.length } },
      { name: "critique", status: "done", counts: { passed: allRecords.filter((r) => r.critique?.ok).length } },
      { name: "gate", status: "done", counts: { accepted: allRecords.filter((r) => r.accepted).length } },
      { name: "simulate", status: "done", counts: { conversations: calls.length, failed: filtered.counts.failed } },
      { name: "judge", status: "done", counts: { accepted: scoreList.filter((s) => s.verdict === "accept").length, rejected: scoreList.filter((s) => s.verdict === "reject").length, callerFaults: scoreList.filter((s) => !s.callerFidelity.ok).length } },
      { name: "filter", status: "done", counts: { ...filtered.counts } },
      { name: "export", status: "done", counts: { sft: exported.sft, preference: exported.dpo } },
    ],
    tokens,
    estimatedCostUsd: data.estimatedCostUsd,
    finished: true,
  };
  store.writeManifest(manifest);
  store.flush();
  return { funnel: data.funnel, acceptedConversations: filtered.final.length, sftRows: exported.sft, preferenceRows: exported.dpo, manifest };
}

function reportData(
  input: FinishRunInput,
  pack: ScenarioPack,
  calls: CallsSeen,
  filtered: ReturnType<CallFilter["finish"]>,
  exported: ExportTotals,
  rejects: Reject[],
): ReportData {
  const allRecords = [...input.records.values()];
  const scoreList = [...input.scores.values()];
  // pass^k is the agent's: calls the simulated caller spoilt say nothing about it.
  const passes = new Map<string, { passed: number; total: number }>();
  for (const s of scoreList) {
    if (!s.callerFidelity.ok) continue;
    const entry = passes.get(s.scenarioId) ?? { passed: 0, total: 0 };
    entry.total++;
    if (s.verdict === "accept") entry.passed++;
    passes.set(s.scenarioId, entry);
  }
  const { counts, kept, final } = filtered;
  const keptIds = new Set(final.map((f) => f.id));
  return {
    title: `${pack.name} — ${input.manifest.name}`,
    packId: pack.id,
    seed: input.seed,
    createdAt: input.manifest.createdAt,
    backends: input.backends,
    funnel: [
      { stage: "proposed", count: allRecords.length },
      { stage: "passed critique", count: allRecords.filter((r) => r.critique?.ok).length },
      { stage: "passed gate", count: allRecords.filter((r) => r.accepted).length },
      { stage: "conversations", count: calls.count },
      { stage: "completed", count: calls.count - counts.failed },
      { stage: "caller faithful", count: calls.count - counts.failed - counts.caller },
      { stage: "judge accepted", count: kept.length + counts.toxicity + counts.domain },
      { stage: "clean and in domain", count: kept.length },
      { stage: "unique (dataset)", count: final.length },
    ],
    rounds: input.rounds,
    rubric: scoreList.flatMap((s) => s.rubric.map((r) => ({ dimension: r.dimension, score: r.score }))),
    passHatK: passHatKTable([...passes.values()], input.seed),
    coverage: allRecords.filter((r) => r.accepted).map((r) => ({ intent: r.scenario.goal.intent, difficulty: r.scenario.difficulty, faults: r.scenario.faultPlan.map((f) => f.kind) })),
    complications: coverageOfOutcomes(calls.outcomes, keptIds),
    refusals: { expected: final.filter((f) => f.scenario.expectations.refusalExpected).length, correct: final.filter((f) => f.score.hasCorrectRefusal).length, accepted: final.length },
    fidelityFailures: scoreList.filter((s) => !s.callerFidelity.ok).map((s) => ({ id: s.conversationId, issues: s.callerFidelity.issues })),
    tokens: input.tokens,
    estimatedCostUsd: estimateCost(input.tokens),
    dataset: { sft: exported.sft, preference: exported.dpo, piiReplacements: exported.piiReplacements, rewrites: exported.rewrites, rewriteFailures: exported.rewriteFailures },
    rejects,
    checkFailures: countFailures(scoreList),
    ...agentLatencyOf(calls.latencies),
  };
}

/** Latency only where it was measured (external agents), so other reports stay as they were. */
function agentLatencyOf(conversations: ReadonlyArray<Pick<Conversation, "id" | "agentLatency">>): { agentLatency?: LatencySummary } {
  const summary = latencySummary(conversations);
  return summary ? { agentLatency: summary } : {};
}

/** Where a call's line sits in conversations.jsonl, and whether it reads back as the schema writes it. */
interface IndexedLine {
  offset: number;
  length: number;
  isVerbatim: boolean;
}

/** What the report needs of every call, kept from the one pass over them. */
interface CallsSeen {
  count: number;
  outcomes: ReadonlyArray<{ id: string; outcomes: ComplicationOutcome[] }>;
  latencies: ReadonlyArray<Pick<Conversation, "id" | "agentLatency">>;
}

/** One call read back by offset; a line the schema would write differently is parsed by it again, as the pass read it. */
function readConversation(store: RunStore, line: IndexedLine): Conversation | undefined {
  const [value] = store.readSpans<unknown>(RUN_FILES.conversations, [line]);
  return line.isVerbatim ? (value as Conversation) : Conversation.parse(value);
}

/** Rough list prices (USD per million tokens) of a small hosted model; scripted runs cost nothing. */
function estimateCost(tokens: Tokens): number {
  if (tokens.modelCalls === 0) return 0;
  return Math.round(((tokens.prompt * 0.15 + tokens.completion * 0.6) / 1_000_000) * 10_000) / 10_000;
}

/** Failed checks by kind (`final_state[2]` and `refusal:waive_fee` count as `final_state`, `refusal`). */
function countFailures(scores: readonly Score[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of scores) {
    for (const c of s.checks) {
      if (c.passed) continue;
      const kind = c.id.replace(/\[\d+\]/, "").replace(/:.*/, "");
      out[kind] = (out[kind] ?? 0) + 1;
    }
  }
  return out;
}
