import { type AgentFlaw, ModelCallError } from "../agents/index.ts";
import {
  Conversation,
  ForkedReplies,
  type Manifest,
  Reject,
  type Scenario,
  ScenarioRecord,
  Score,
  validateScenarioReferences,
} from "../scenarios/index.ts";
import {
  type Backends,
  type BatchItem,
  type BatchProgress,
  type CallExecutor,
  candidateItems,
  conversationId,
  type LiveEventChunk,
  newManifest,
  RUN_FILES,
  type RunnablePack,
  RunStore,
  assertSameSettings,
  runBatch,
} from "../sim/index.ts";
import { critiqueFeedback } from "./critique/critique-feedback.ts";
import { createCallFilter } from "./filter/filter-calls.ts";
import { createScriptedCritic, type ScenarioCritic } from "./critique/scripted-critic.ts";
import { finishRun } from "./finish-run.ts";
import { addTokens, recordedTokens, type Tokens } from "./recorded-usage.ts";
import { Pseudonymizer } from "./filter/pii.ts";
import { judgeCalls } from "./judge/judge-calls.ts";
import { type Rewriter, } from "./filter/rewrite.ts";
import { describeDroppedSeed, droppedSeeds } from "./gate/dropped-seeds.ts";
import { gateScenarios } from "./gate/gate.ts";
import type { GenerationFeedback, ScenarioGenerator } from "./generate/generator.ts";
import { createScriptedGenerator, scenarioSignature } from "./generate/scripted-generator.ts";
import type { RubricJudge } from "./judge/llm-judge.ts";
import type { ReportData } from "./report/render-report.ts";

export interface RunPipelineOptions {
  out: string;
  seed: number;
  /** Scenarios to accept in the first round (later rounds top up). */
  scenarios: number;
  /** Candidate conversations per accepted scenario (best-of-N, pass^k). */
  candidates: number;
  /** Alternative agent replies sampled at each fork point (preference pairs). */
  forks: number;
  /** Generation rounds (critic feedback flows into the next one). */
  rounds: number;
  /** Keep running rounds until the dataset holds this many accepted conversations. */
  accepted?: number;
  /** Stop starting rounds once this many scenarios were tried, or model tokens spent. */
  budget?: { scenarios?: number; tokens?: number };
  concurrency: number;
  flawRate: number;
  backends: Backends;
  /** Runs the calls in worker threads or on a queue instead of this process. */
  executor?: CallExecutor;
  generator?: ScenarioGenerator;
  critic?: ScenarioCritic;
  judge?: RubricJudge;
  dedupThreshold?: number;
  /** Rewrites agent turns that do not fit the pack's voice style (recorded in dataset/rewrites.jsonl). */
  rewriter?: Rewriter;
  minDomainScore?: number;
  /** Speech and tool calls as separate assistant messages in every export (Hermes, Llama 3.1 templates). */
  splitToolSpeech?: boolean;
  resume: boolean;
  /** On resume, simulate again the calls recorded as failed (default true). */
  retryFailed?: boolean;
  config?: Record<string, unknown>;
  signal?: AbortSignal;
  onStage?: (event: StageEvent) => void;
  onEvent?: (chunk: LiveEventChunk) => void;
}

export type StageEvent =
  | { stage: string; type: "start"; total: number; done: number }
  | { stage: string; type: "progress"; done: number; total: number; failed: number; tokens: number }
  | { stage: string; type: "done"; summary: string };

export interface RunPipelineResult {
  runDir: string;
  funnel: ReportData["funnel"];
  acceptedConversations: number;
  sftRows: number;
  preferenceRows: number;
  /** Calls in the run and how many of them failed (a model that never answered). */
  calls: { total: number; failed: number; firstFailure?: string };
  aborted: boolean;
  manifest: Manifest;
}

const FORK_FLAWS: Record<ForkedReplies["reason"], AgentFlaw> = {
  after_fault: "claim_success_after_failure",
  after_refusal_trap: "comply_out_of_policy",
  after_ambiguity: "wrong_slot",
  chosen: "markup_in_speech",
};


/** Calls judged per slice of a round (at least four per concurrent judge): what memory holds of them at once. */
const JUDGE_SLICE = 256;

/**
 * The whole pipeline: generate → critique → gate → simulate N candidates (with forks) → judge →
 * filter and export. Every step writes its output to the run directory as it goes, keyed by id,
 * so `resume` redoes only what is missing.
 */
export async function runPipeline(source: RunnablePack, options: RunPipelineOptions): Promise<RunPipelineResult> {
  const { pack } = source;
  const stage = (event: StageEvent) => options.onStage?.(event);
  const store = RunStore.open(options.out, { resume: options.resume, onWarning: (summary) => stage({ stage: "warning", type: "done", summary }) });
  try {
    const previous = store.readManifest();
    const generator = options.generator ?? createScriptedGenerator();
    const critic = options.critic ?? createScriptedCritic();
    // Everything that decides what the run holds, so a resume with other settings is refused.
    const settings = {
      scenarios: options.scenarios,
      candidates: options.candidates,
      forks: options.forks,
      rounds: options.rounds,
      // Unset is recorded as null, so that a resume which sets it differs from the run.
      accepted: options.accepted ?? null,
      budgetScenarios: options.budget?.scenarios ?? null,
      budgetTokens: options.budget?.tokens ?? null,
      flawRate: options.flawRate,
      agent: options.backends.agent.id,
      caller: options.backends.caller.id,
      generator: generator.id,
      critic: critic.id,
      judge: options.judge?.id ?? "scripted",
      dedup: options.dedupThreshold ?? null,
      minDomainScore: options.minDomainScore ?? null,
      rewrite: options.rewriter?.id ?? "none",
      splitToolSpeech: options.splitToolSpeech ?? false,
    };
    let manifest = newManifest("run", source, { out: options.out, seed: options.seed, config: { ...settings, ...options.config } }, previous);
    assertSameSettings(options.out, previous, manifest);
    store.writeManifest(manifest);

    const records = new Map((await store.readAll(RUN_FILES.scenarios, ScenarioRecord)).map((r) => [r.scenario.id, r]));
    const rejectKey = (reject: Reject) => `${reject.kind}|${reject.id}|${reject.stage}`;
    const rejectKeys = new Set((await store.readAll(RUN_FILES.rejects, Reject)).map(rejectKey));
    // Rejects the rounds decide; on resume they are decided again (and found written already).
    const roundRejectKeys = new Set<string>();
    // Reasons quote speech and persona ids ("kevin-planner"): the reject pile is exported too.
    const rejectPseudonymizer = new Pseudonymizer(pack, "rejects", { seed: options.seed });
    const addReject = (reject: Reject) => {
      const key = rejectKey(reject);
      if (!finishing) roundRejectKeys.add(key);
      if (rejectKeys.has(key)) return;
      rejectKeys.add(key);
      store.append(RUN_FILES.rejects, { ...reject, reason: rejectPseudonymizer.text(reject.reason) });
    };
    let finishing = false;
    let firstFailure: string | undefined;
    const scores = new Map((await store.readAll(RUN_FILES.scores, Score)).map((s) => [s.conversationId, s]));
    const rounds: ReportData["rounds"] = [];
    let feedback: GenerationFeedback | undefined;
    let aborted = false;
    // Generation and simulation; the critic's and judge's are added from the records at the end.
    let tokens: Tokens = { prompt: 0, completion: 0, modelCalls: 0, cachedCalls: 0 };

    const maxRounds = options.accepted ? Math.max(options.rounds, 10) : options.rounds;
    /** What the dataset would hold after the last round (a yield target sizes the next round by it). */
    let datasetSoFar = 0;
    for (let round = 1; round <= maxRounds; round++) {
      if (options.signal?.aborted) {
        aborted = true;
        break;
      }
      // 1. Generate: the seeds themselves in round 1, then variants toward the target.
      // Only earlier rounds: a resumed run finds later rounds' records already loaded.
      const accepted = [...records.values()].filter((r) => r.accepted && r.round < round).map((r) => r.scenario);
      // Toward a yield target, a round asks for what the missing calls need (half again for what
      // the critic, the gate and the judge drop), within twice the first round's size.
      const base = Math.max(2, Math.ceil(options.scenarios / 2));
      const missing = options.accepted === undefined ? 0 : options.accepted - datasetSoFar;
      const want = round === 1 ? options.scenarios : Math.min(Math.max(base, Math.ceil((missing / options.candidates) * 1.5)), options.scenarios * 2);
      stage({ stage: `generate r${round}`, type: "start", total: want, done: 0 });
      let generated: Awaited<ReturnType<ScenarioGenerator["generate"]>>;
      try {
        generated = await generator.generate({ pack, round, count: Math.ceil(want * 1.5), seed: options.seed, ...(feedback ? { feedback } : {}) });
      } catch (error) {
        // A generator model that fails after its retries costs this round its variants, not the run.
        if (!(error instanceof ModelCallError)) throw error;
        stage({ stage: `generate r${round}`, type: "done", summary: `generator failed (${error.message}); this round uses the seeds only` });
        generated = { scenarios: [], usage: { promptTokens: 0, completionTokens: 0, modelCalls: 0, cachedCalls: 0 } };
      }
      tokens.prompt += generated.usage.promptTokens;
      tokens.completion += generated.usage.completionTokens;
      tokens.modelCalls += generated.usage.modelCalls;
      tokens.cachedCalls += generated.usage.cachedCalls;
      const proposals: Scenario[] = round === 1 ? [...pack.scenarios.map((s) => ({ ...s, packId: pack.id })), ...generated.scenarios] : generated.scenarios;
      stage({ stage: `generate r${round}`, type: "done", summary: `${proposals.length} proposed` });

      // 2–3. Critique and gate, recording every verdict. A resumed round decides its scenarios
      // again from the same inputs, reusing the critiques it recorded, and writes only the missing.
      const fresh = proposals.filter((s) => (records.get(s.id)?.round ?? round) === round);
      const recorded = new Map(fresh.flatMap((s) => { const r = records.get(s.id); return r ? [[s.id, r] as const] : []; }));
      const critiques = new Map<string, ScenarioRecord["critique"]>();
      stage({ stage: `critique r${round}`, type: "start", total: fresh.length, done: 0 });
      for (const [i, scenario] of fresh.entries()) {
        const known = recorded.get(scenario.id);
        critiques.set(scenario.id, known ? known.critique : await critic.critique(scenario, { pack, existing: [...accepted, ...fresh.slice(0, i)] }));
      }
      stage({ stage: `critique r${round}`, type: "done", summary: `${[...critiques.values()].filter((c) => c?.ok).length}/${fresh.length} passed` });
      const passedCritic = fresh.filter((s) => critiques.get(s.id)?.ok);
      const targetCount = options.scenarios + (round - 1) * Math.ceil(options.scenarios / 2);
      const verdicts = new Map(
        gateScenarios(passedCritic, {
          pack,
          accepted,
          targetCount,
          validate: (scenario) => validateScenarioReferences(scenario, pack, { packToolNames: source.tools.map((t) => t.name) }).map((i) => `${i.path}: ${i.message}`),
          ...(options.minDomainScore !== undefined ? { minDomainScore: options.minDomainScore } : {}),
        }).map((v) => [v.scenarioId, v]),
      );
      let acceptedThisRound = 0;
      for (const scenario of fresh) {
        const critique = critiques.get(scenario.id);
        const gate = verdicts.get(scenario.id);
        const known = recorded.get(scenario.id);
        const ok = known ? known.accepted : Boolean(critique?.ok && gate?.ok && acceptedThisRound < want);
        if (ok) acceptedThisRound++;
        if (!known) {
          const record: ScenarioRecord = {
            scenario,
            round,
            ...(critique ? { critique } : {}),
            ...(gate ? { gate: { ok: gate.ok && ok, ...(gate.reason ? { reason: `${gate.check}: ${gate.reason}` } : !ok && gate.ok ? { reason: "quota: round quota reached" } : {}) } } : {}),
            accepted: ok,
          };
          records.set(scenario.id, record);
          store.append(RUN_FILES.scenarios, record);
        }
        if (!critique?.ok) addReject({ kind: "scenario", id: scenario.id, stage: "critique", reason: critique?.flags.map((f) => `${f.kind}: ${f.reason}`).join("; ") ?? "no critique" });
        else if (!ok) addReject({ kind: "scenario", id: scenario.id, stage: "gate", reason: gate?.reason ? `${gate.check}: ${gate.reason}` : "quota: round quota reached" });
      }
      const freshRecords = fresh.map((s) => records.get(s.id)).filter((r): r is ScenarioRecord => r !== undefined);
      const gateDrops = new Map<string, number>();
      for (const r of freshRecords.filter((r) => r.critique?.ok && !r.accepted)) {
        const check = (r.gate?.reason ?? "quota").split(":")[0] ?? "gate";
        gateDrops.set(check, (gateDrops.get(check) ?? 0) + 1);
      }
      stage({
        stage: `gate r${round}`,
        type: "done",
        summary: `${freshRecords.filter((r) => r.accepted).length}/${passedCritic.length} accepted${gateDrops.size ? `; dropped ${[...gateDrops].map(([check, n]) => `${n} ${check}`).join(", ")}` : ""}`,
      });
      // A dropped seed changes what the run covers: say it, not only in rejects.jsonl.
      const seedDrops = droppedSeeds(freshRecords, new Set(pack.scenarios.map((s) => s.id)));
      for (const drop of seedDrops.filter((d) => d.stage !== "quota")) stage({ stage: "warning", type: "done", summary: describeDroppedSeed(drop) });
      const overQuota = seedDrops.filter((d) => d.stage === "quota").map((d) => d.seedId);
      if (overQuota.length > 0) {
        stage({ stage: "warning", type: "done", summary: `${overQuota.length} seed scenario${overQuota.length === 1 ? "" : "s"} not run: the round takes ${want} (${overQuota.join(", ")})` });
      }
      const roundScenarios = [...records.values()].filter((r) => r.round === round && r.accepted).map((r) => r.scenario);

      // 4. Simulate N candidates per accepted scenario, forking at the informative turns.
      const items: BatchItem[] = candidateItems(roundScenarios, options.candidates);
      const simStage = `simulate r${round}`;
      const batch = await runBatch(source, items, store, {
        seed: options.seed,
        concurrency: options.concurrency,
        caller: options.backends.caller,
        agent: options.backends.agent,
        flawRate: options.flawRate,
        retryFailed: options.retryFailed ?? true,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onEvent ? { onEvent: options.onEvent } : {}),
        onProgress: (event: BatchProgress) => {
          if (event.type === "start") stage({ stage: simStage, type: "start", total: event.total, done: event.alreadyDone });
          else if (event.type === "conversation" || event.type === "lost") stage({ stage: simStage, type: "progress", done: event.done, total: event.total, failed: event.failed, tokens: event.tokens });
        },
        // Every candidate forks: pairs come from the moments that differ between calls, and one
        // candidate alone left most shipped packs under the ten pairs a fine-tuning job needs.
        // Reply 0 is the call's own; each alternative carries one flaw that shows at that moment.
        ...(options.forks >= 2 ? { forkPlan: { replies: options.forks, maxPoints: 3, flawByReason: FORK_FLAWS } } : {}),
        ...(options.executor ? { executor: options.executor } : {}),
      });
      tokens.prompt += batch.usage.agent.promptTokens + batch.usage.caller.promptTokens;
      tokens.completion += batch.usage.agent.completionTokens + batch.usage.caller.completionTokens;
      tokens.modelCalls += batch.usage.agent.modelCalls + batch.usage.caller.modelCalls;
      tokens.cachedCalls += batch.usage.agent.cachedCalls + batch.usage.caller.cachedCalls;
      stage({ stage: simStage, type: "done", summary: `${batch.total} calls, ${batch.failed} failed` });
      firstFailure ??= batch.firstFailure;
      if (batch.aborted) {
        aborted = true;
        break;
      }

      // A retried call is judged anew: its old score judged the failure.
      if (batch.retriedIds.length > 0) {
        const retried = new Set(batch.retriedIds);
        for (const id of retried) scores.delete(id);
        await store.drop(RUN_FILES.scores, Score, (s) => retried.has(s.conversationId));
      }

      // 5. Judge every conversation of this round that has no score yet, read by the offsets the
      // batch's canonical rewrite found them at, a slice at a time: only the calls being judged
      // are held, and the file is not scanned again.
      const written = batch.conversationLines;
      const toJudge = [...written].filter(([id]) => !scores.has(id)).map(([, span]) => span);
      // The batch writes every call it finished; one that is still missing is named, never silently lost.
      const lostReasons = new Map(batch.lost.map((l) => [l.id, l.reason]));
      for (const item of items) {
        const id = conversationId(item);
        if (!written.has(id)) addReject({ kind: "conversation", id, stage: "simulate", reason: lostReasons.get(id) ?? "no conversation was recorded for this call" });
      }
      const judgeStage = `judge r${round}`;
      stage({ stage: judgeStage, type: "start", total: toJudge.length, done: 0 });
      const scenarioById = new Map([...records.values()].map((r) => [r.scenario.id, r.scenario]));
      const slice = Math.max(JUDGE_SLICE, 4 * options.concurrency);
      for (let from = 0; from < toJudge.length; from += slice) {
        const judged = await judgeCalls({
          conversations: store.readSpans<Conversation>(RUN_FILES.conversations, toJudge.slice(from, from + slice)),
          scenarios: scenarioById,
          pack,
          judge: options.judge,
          concurrency: options.concurrency,
          onScore: (_score, doneInSlice) => {
            const done = from + doneInSlice;
            if (done % 10 === 0 || done === toJudge.length) stage({ stage: judgeStage, type: "progress", done, total: toJudge.length, failed: 0, tokens: 0 });
          },
        });
        for (const score of judged) {
          scores.set(score.conversationId, score);
          store.append(RUN_FILES.scores, score);
        }
      }
      await putScoresInRunOrder(store, records);
      // Calls of this round and earlier ones: a resumed run already holds later rounds' scores.
      const roundOf = new Map([...records.values()].map((r) => [r.scenario.id, r.round]));
      const judgedAccepted = [...scores.values()].filter((s) => s.verdict === "accept" && s.callerFidelity.ok && (roundOf.get(s.scenarioId) ?? 0) <= round).length;
      // A yield target counts what the dataset will hold: the judge's accepted calls after the
      // filters (near-duplicates, PII, toxicity, domain), as the export will see them.
      const acceptedCalls = options.accepted === undefined ? judgedAccepted : await datasetCalls(store, records, scores, round, pack, options);
      datasetSoFar = acceptedCalls;
      stage({ stage: `judge r${round}`, type: "done", summary: options.accepted === undefined ? `${acceptedCalls} accepted so far` : `${judgedAccepted} accepted so far, ${acceptedCalls} for the dataset` });
      // Everything about the round comes from its records, so a resumed run steers the next
      // round exactly as an uninterrupted one would.
      const roundRecords = [...records.values()].filter((r) => r.round === round);
      const flagged = roundRecords.filter((r) => !r.accepted).map((r) => r.scenario);
      const redundant = roundRecords.filter((r) => r.critique?.flags.some((f) => f.kind === "redundant") || r.gate?.reason?.startsWith("duplicate")).length;
      rounds.push({
        round,
        proposed: roundRecords.length,
        accepted: roundScenarios.length,
        conversations: items.length,
        acceptedConversations: acceptedCalls,
        feedback: feedback?.summary ?? "",
      });
      feedback = {
        summary: critiqueFeedback(
          roundRecords.flatMap((r) => (r.critique ? [r.critique] : [])),
          roundRecords.flatMap((r) => (r.critique?.ok && !r.accepted && r.gate?.reason ? [r.gate.reason.split(":")[0] ?? "gate"] : [])),
        ),
        avoidSignatures: flagged.map(scenarioSignature),
        redundantShare: roundRecords.length ? redundant / roundRecords.length : 0,
      };
      const triedScenarios = [...records.values()].filter((r) => r.round <= round).length;
      const spent = tokens.prompt + tokens.completion;
      if (options.accepted !== undefined) {
        if (acceptedCalls >= options.accepted) break;
        if (options.budget?.scenarios !== undefined && triedScenarios >= options.budget.scenarios) break;
        if (options.budget?.tokens !== undefined && spent >= options.budget.tokens) break;
      } else if (round >= options.rounds) break;
    }

    if (aborted) {
      // Exports are derived from the whole run: write none from half of it; --resume finishes.
      manifest = { ...manifest, updatedAt: new Date().toISOString(), tokens: addTokens(tokens, recordedTokens(records.values(), scores.values())), finished: false };
      store.writeManifest(manifest);
      store.flush();
      return { runDir: options.out, funnel: [], acceptedConversations: 0, sftRows: 0, preferenceRows: 0, calls: { total: 0, failed: 0 }, aborted: true, manifest };
    }

    // The critic and the judge spend tokens too: summed from their verdicts and scores, so the
    // calls of a killed process count once, as in an uninterrupted run.
    tokens = addTokens(tokens, recordedTokens(records.values(), scores.values()));

    // 6. Filter, pseudonymise, de-duplicate and export; then the report and the manifest. Rejects
    // from a finish that was killed (or from calls retried since) are decided again, not kept.
    finishing = true;
    const stale = await store.drop(RUN_FILES.rejects, Reject, (r) => !roundRejectKeys.has(rejectKey(r)));
    if (stale > 0) {
      // Every round's key was added to both sets: what stays known is exactly the rounds' keys.
      rejectKeys.clear();
      for (const key of roundRejectKeys) rejectKeys.add(key);
    }
    const finished = await finishRun({
      source,
      store,
      manifest,
      seed: options.seed,
      records,
      scores,
      rounds,
      tokens,
      backends: { agent: options.backends.agent.id, caller: options.backends.caller.id, judge: options.judge?.id ?? "scripted", critic: critic.id },
      addReject,
      onStage: (event) => (event.type === "start" ? stage({ stage: event.stage, type: "start", total: event.total ?? 0, done: 0 }) : stage({ stage: event.stage, type: "done", summary: event.summary ?? "" })),
      dedupThreshold: options.dedupThreshold,
      minDomainScore: options.minDomainScore,
      rewriter: options.rewriter,
      splitToolSpeech: options.splitToolSpeech,
    });
    const simulated = finished.manifest.stages.find((s) => s.name === "simulate")?.counts ?? {};
    return { runDir: options.out, aborted: false, calls: { total: simulated.conversations ?? 0, failed: simulated.failed ?? 0, ...(firstFailure ? { firstFailure } : {}) }, ...finished };
  } finally {
    store.close();
  }
}

/**
 * scores.jsonl in run order (round by round, each in its calls' order), as an uninterrupted run
 * appends it; a resumed or retried run appends in another order and is put right here. Rewritten
 * only when it is not so already: out of order, a torn or invalid line, or a line that is not what
 * the schema reads back (whichever process wrote it).
 */
async function putScoresInRunOrder(store: RunStore, records: ReadonlyMap<string, ScenarioRecord>): Promise<void> {
  const rank = new Map<string, number>();
  for (const record of records.values()) if (record.accepted) rank.set(record.scenario.id, rank.size);
  const scenarioRank = (s: Score) => rank.get(s.scenarioId) ?? Number.MAX_SAFE_INTEGER;
  await store.putInOrder(RUN_FILES.scores, Score, (a, b) => scenarioRank(a) - scenarioRank(b) || conversationCandidate(a.conversationId) - conversationCandidate(b.conversationId));
}

/** The candidate index of a conversation id `<scenario>#<candidate>`. */
function conversationCandidate(id: string): number {
  return Number(id.slice(id.lastIndexOf("#") + 1)) || 0;
}

/** Calls of rounds up to `round` that pass every filter: what the dataset would hold now. */
async function datasetCalls(
  store: RunStore,
  records: ReadonlyMap<string, ScenarioRecord>,
  scores: ReadonlyMap<string, Score>,
  round: number,
  pack: RunnablePack["pack"],
  options: Pick<RunPipelineOptions, "dedupThreshold" | "minDomainScore">,
): Promise<number> {
  const scenarios = new Map([...records.values()].filter((r) => r.round <= round).map((r) => [r.scenario.id, r.scenario]));
  // Streamed: the filter holds a signature per kept call, not the calls.
  const filter = createCallFilter({ scores, scenarios, pack, dedupThreshold: options.dedupThreshold, minDomainScore: options.minDomainScore });
  for await (const conversation of store.read(RUN_FILES.conversations, Conversation)) if (scenarios.has(conversation.scenarioId)) filter.add(conversation);
  return filter.finish().final.length;
}
