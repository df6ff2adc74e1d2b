import { existsSync } from "node:fs";
import { join } from "node:path";
import { Conversation, Reject, type Scenario, ScenarioRecord, Score, VoicesimError } from "../scenarios/index.ts";
import { RUN_FILES, type RunnablePack, RunStore } from "../sim/index.ts";
import { type FinishRunResult, finishRun } from "./finish-run.ts";
import type { Rewriter } from "./filter/rewrite.ts";
import { judgeCalls } from "./judge/judge-calls.ts";
import type { RubricJudge } from "./judge/llm-judge.ts";
import type { ReportData } from "./report/render-report.ts";
import { addTokens, recordedTokens } from "./recorded-usage.ts";

export interface RejudgeOptions {
  /** A model judge for the rubric; the scripted one when absent. */
  judge?: RubricJudge | undefined;
  concurrency?: number;
  rewriter?: Rewriter | undefined;
  splitToolSpeech?: boolean | undefined;
  onStage?: (event: { stage: string; type: "start" | "done" | "progress"; total?: number; done?: number; summary?: string }) => void;
}

export interface RejudgeResult extends FinishRunResult {
  /** Calls whose verdict changed. */
  changed: number;
  judged: number;
}

// Stages decided before judging stay; everything from the judge on is decided again.
const KEPT_STAGES = new Set<Reject["stage"]>(["critique", "gate"]);

/**
 * `voicesim judge <run-dir>`: judges a run's recorded calls again — after the judge improved, or a
 * pack's expectations changed — and rewrites scores.jsonl and everything that depends on it (the
 * reject pile from the judge on, the dataset, the report, the manifest). Seed scenarios take the
 * pack's current expectations; generated variants keep the ones they were simulated with.
 */
export async function rejudgeRun(runDir: string, source: RunnablePack, options: RejudgeOptions = {}): Promise<RejudgeResult> {
  if (!existsSync(join(runDir, RUN_FILES.conversations))) {
    throw new VoicesimError("run_dir_conflict", `${runDir} holds no recorded calls (no ${RUN_FILES.conversations})`, { hint: "point at a run directory written by `voicesim run` or `voicesim simulate`" });
  }
  const store = RunStore.open(runDir, { resume: true });
  try {
    const previous = store.readManifest();
    if (!previous) throw new VoicesimError("run_dir_conflict", `${runDir} has no manifest.json`, { hint: "point at a run directory written by `voicesim run`" });
    if (previous.packId !== source.pack.id) {
      throw new VoicesimError("run_dir_conflict", `${runDir} was made from pack ${previous.packId}, not ${source.pack.id}`, { hint: `pass the pack the run was made from (${previous.packDir})` });
    }
    const stage = options.onStage ?? (() => {});
    const current = new Map(source.pack.scenarios.map((s) => [s.id, s]));
    const stored = await store.readAll(RUN_FILES.scenarios, ScenarioRecord);
    // A `simulate` run has no scenario records: its scenarios are the pack's own.
    const records = new Map<string, ScenarioRecord>(
      stored.length > 0
        ? stored.map((r) => {
            const seed = current.get(r.scenario.id);
            return [r.scenario.id, seed ? { ...r, scenario: { ...r.scenario, expectations: seed.expectations } } : r];
          })
        : source.pack.scenarios.map((scenario) => [scenario.id, { scenario: { ...scenario, packId: source.pack.id }, round: 1, accepted: true }]),
    );
    const scenarios = new Map<string, Scenario>([...records.values()].map((r) => [r.scenario.id, r.scenario]));
    const conversations = await store.readAll(RUN_FILES.conversations, Conversation);
    const before = new Map((await store.readAll(RUN_FILES.scores, Score)).map((s) => [s.conversationId, s.verdict]));

    stage({ stage: "judge", type: "start", total: conversations.length, done: 0 });
    const judged = await judgeCalls({
      conversations,
      scenarios,
      pack: source.pack,
      judge: options.judge,
      concurrency: options.concurrency ?? 4,
      onScore: (_score, done, total) => {
        if (done % 10 === 0 || done === total) stage({ stage: "judge", type: "progress", done, total });
      },
    });
    store.rewrite(RUN_FILES.scores, judged);
    const changed = judged.filter((s) => before.has(s.conversationId) && before.get(s.conversationId) !== s.verdict).length;
    stage({ stage: "judge", type: "done", summary: `${judged.length} calls judged, ${judged.filter((s) => s.verdict === "accept").length} accepted, ${changed} verdicts changed` });

    const rejects = (await store.readAll(RUN_FILES.rejects, Reject)).filter((r) => KEPT_STAGES.has(r.stage));
    store.rewrite(RUN_FILES.rejects, rejects);
    const keys = new Set(rejects.map((r) => `${r.kind}|${r.id}|${r.stage}`));
    const addReject = (reject: Reject) => {
      const key = `${reject.kind}|${reject.id}|${reject.stage}`;
      if (keys.has(key)) return;
      keys.add(key);
      store.append(RUN_FILES.rejects, reject);
    };
    // What this judging cost, from the scores it wrote (cached answers at their original tokens), so
    // a re-judge that was killed and run again adds up to the same figure as one that was not.
    const tokens = addTokens(previous.tokens, recordedTokens([], judged));
    const finished = await finishRun({
      source,
      store,
      manifest: { ...previous, packHash: source.hash, config: { ...previous.config, judge: options.judge?.id ?? "scripted", rejudgedAt: new Date().toISOString() } },
      seed: previous.seed,
      records,
      scores: new Map(judged.map((s) => [s.conversationId, s])),
      rounds: roundsOf([...records.values()], conversations, judged),
      tokens,
      backends: {
        agent: conversations[0]?.backends.agent ?? "scripted",
        caller: conversations[0]?.backends.caller ?? "scripted",
        judge: options.judge?.id ?? "scripted",
        critic: stored.find((r) => r.critique)?.critique?.critic ?? "scripted",
      },
      addReject,
      onStage: (event) => stage({ ...event }),
      dedupThreshold: typeof previous.config.dedup === "number" ? previous.config.dedup : undefined,
      rewriter: options.rewriter,
      splitToolSpeech: options.splitToolSpeech ?? previous.config.splitToolSpeech === true,
    });
    return { ...finished, changed, judged: judged.length };
  } finally {
    store.close();
  }
}

/** The per-round table of the report, rebuilt from the run's records. */
function roundsOf(records: readonly ScenarioRecord[], conversations: readonly Conversation[], scores: ReadonlyArray<{ conversationId: string; verdict: string; callerFidelity: { ok: boolean } }>): ReportData["rounds"] {
  const roundOf = new Map(records.map((r) => [r.scenario.id, r.round]));
  const accepted = new Set(scores.filter((s) => s.verdict === "accept" && s.callerFidelity.ok).map((s) => s.conversationId));
  const rounds = [...new Set(records.map((r) => r.round))].sort((a, b) => a - b);
  return rounds.map((round) => {
    const calls = conversations.filter((c) => roundOf.get(c.scenarioId) === round);
    return {
      round,
      proposed: records.filter((r) => r.round === round).length,
      accepted: records.filter((r) => r.round === round && r.accepted).length,
      conversations: calls.length,
      acceptedConversations: calls.filter((c) => accepted.has(c.id)).length,
      feedback: "",
    };
  });
}
