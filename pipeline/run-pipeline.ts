import type { AgentFlaw } from "../agents/index.ts";
import { agentSystemPrompt, ModelCallError } from "../agents/index.ts";
import {
  Conversation,
  ForkedReplies,
  type Manifest,
  type OpenAIPreferenceRow,
  type OpenAISftRow,
  Reject,
  type Scenario,
  ScenarioRecord,
  Score,
  type TrlPreferenceRow,
  type TrlSftRow,
  VoicesimError,
  validateScenarioReferences,
} from "../scenarios/index.ts";
import {
  type Backends,
  type BatchItem,
  type BatchProgress,
  candidateItems,
  findForkPoints,
  type LiveEventChunk,
  newManifest,
  RUN_FILES,
  type RunnablePack,
  RunStore,
  runBatch,
} from "../sim/index.ts";
import { createScriptedCritic, type ScenarioCritic } from "./critique/scripted-critic.ts";
import { candidatePair, preferencePair } from "./export/preferences.ts";
import { toSftRow, toTrlSftRow } from "./export/to-messages.ts";
import { domainScore } from "./filter/domain.ts";
import { nearDuplicateGroups } from "./filter/minhash.ts";
import { Pseudonymizer } from "./filter/pii.ts";
import { type Rewrite, type Rewriter, rewriteConversation } from "./filter/rewrite.ts";
import { toxicityOf } from "./filter/toxicity.ts";
import { gateScenarios } from "./gate/gate.ts";
import type { GenerationFeedback, ScenarioGenerator } from "./generate/generator.ts";
import { createScriptedGenerator, scenarioSignature } from "./generate/scripted-generator.ts";
import type { RubricJudge } from "./judge/llm-judge.ts";
import { passHatK } from "./judge/pass-hat-k.ts";
import { scoreConversation } from "./judge/scripted-judge.ts";
import { type ReportData, renderReport } from "./report/render-report.ts";

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
  generator?: ScenarioGenerator;
  critic?: ScenarioCritic;
  judge?: RubricJudge;
  dedupThreshold?: number;
  /** Rewrites agent turns that do not fit the pack's voice style (recorded in dataset/rewrites.jsonl). */
  rewriter?: Rewriter;
  minDomainScore?: number;
  resume: boolean;
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
  aborted: boolean;
  manifest: Manifest;
}

const FORK_FLAWS: Record<ForkedReplies["reason"], AgentFlaw> = {
  after_fault: "claim_success_after_failure",
  after_refusal_trap: "comply_out_of_policy",
  after_ambiguity: "wrong_slot",
  chosen: "markup_in_speech",
};

/**
 * The whole pipeline: generate → critique → gate → simulate N candidates (with forks) → judge →
 * filter and export. Every step writes its output to the run directory as it goes, keyed by id,
 * so `resume` redoes only what is missing.
 */
export async function runPipeline(source: RunnablePack, options: RunPipelineOptions): Promise<RunPipelineResult> {
  const { pack } = source;
  const store = RunStore.open(options.out, { resume: options.resume });
  try {
    const previous = store.readManifest();
    if (previous && previous.packHash !== source.hash) {
      throw new VoicesimError("run_dir_conflict", `${options.out} was made from a different version of pack ${previous.packId}`, {
        hint: "resume with the same pack, or start a new run with another --out",
      });
    }
    let manifest = newManifest("run", source, { out: options.out, seed: options.seed, config: options.config ?? {} }, previous);
    store.writeManifest(manifest);
    const generator = options.generator ?? createScriptedGenerator();
    const critic = options.critic ?? createScriptedCritic();
    const stage = (event: StageEvent) => options.onStage?.(event);

    const records = new Map((await store.readAll(RUN_FILES.scenarios, ScenarioRecord)).map((r) => [r.scenario.id, r]));
    const rejectKeys = new Set((await store.readAll(RUN_FILES.rejects, Reject)).map((r) => `${r.kind}|${r.id}|${r.stage}`));
    // Reasons quote speech and persona ids ("kevin-planner"): the reject pile is exported too.
    const rejectPseudonymizer = new Pseudonymizer(pack, "rejects", { seed: options.seed });
    const addReject = (reject: Reject) => {
      const key = `${reject.kind}|${reject.id}|${reject.stage}`;
      if (rejectKeys.has(key)) return;
      rejectKeys.add(key);
      store.append(RUN_FILES.rejects, { ...reject, reason: rejectPseudonymizer.text(reject.reason) });
    };
    const scores = new Map((await store.readAll(RUN_FILES.scores, Score)).map((s) => [s.conversationId, s]));
    const rounds: ReportData["rounds"] = [];
    let feedback: GenerationFeedback | undefined;
    let aborted = false;
    const tokens = { prompt: 0, completion: 0, modelCalls: 0, cachedCalls: 0 };

    const maxRounds = options.accepted ? Math.max(options.rounds, 10) : options.rounds;
    for (let round = 1; round <= maxRounds; round++) {
      if (options.signal?.aborted) {
        aborted = true;
        break;
      }
      // 1. Generate: the seeds themselves in round 1, then variants toward the target.
      const accepted = [...records.values()].filter((r) => r.accepted).map((r) => r.scenario);
      const want = round === 1 ? options.scenarios : Math.max(2, Math.ceil(options.scenarios / 2));
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

      // 2–3. Critique and gate, recording every verdict.
      const fresh = proposals.filter((s) => !records.has(s.id));
      const critiques = new Map<string, ScenarioRecord["critique"]>();
      stage({ stage: `critique r${round}`, type: "start", total: fresh.length, done: 0 });
      for (const [i, scenario] of fresh.entries()) {
        critiques.set(scenario.id, await critic.critique(scenario, { pack, existing: [...accepted, ...fresh.slice(0, i)] }));
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
      // A resumed round counts what it already accepted.
      let acceptedThisRound = [...records.values()].filter((r) => r.round === round && r.accepted).length;
      for (const scenario of fresh) {
        const critique = critiques.get(scenario.id);
        const gate = verdicts.get(scenario.id);
        const ok = Boolean(critique?.ok && gate?.ok && acceptedThisRound < want);
        if (ok) acceptedThisRound++;
        const record: ScenarioRecord = {
          scenario,
          round,
          ...(critique ? { critique } : {}),
          ...(gate ? { gate: { ok: gate.ok && ok, ...(gate.reason ? { reason: `${gate.check}: ${gate.reason}` } : !ok && gate.ok ? { reason: "quota: round quota reached" } : {}) } } : {}),
          accepted: ok,
        };
        records.set(scenario.id, record);
        store.append(RUN_FILES.scenarios, record);
        if (!critique?.ok) addReject({ kind: "scenario", id: scenario.id, stage: "critique", reason: critique?.flags.map((f) => `${f.kind}: ${f.reason}`).join("; ") ?? "no critique" });
        else if (!ok) addReject({ kind: "scenario", id: scenario.id, stage: "gate", reason: gate?.reason ? `${gate.check}: ${gate.reason}` : "quota: round quota reached" });
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
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onEvent ? { onEvent: options.onEvent } : {}),
        onProgress: (event: BatchProgress) => {
          if (event.type === "start") stage({ stage: simStage, type: "start", total: event.total, done: event.alreadyDone });
          else if (event.type === "conversation") stage({ stage: simStage, type: "progress", done: event.done, total: event.total, failed: event.failed, tokens: event.tokens });
        },
        afterCall: async (call, item) => {
          if (options.forks < 2 || item.candidate !== 0) return [];
          const points = findForkPoints(call.conversation, item.scenario, pack).slice(0, 2);
          const forks: ForkedReplies[] = [];
          for (const point of points) {
            forks.push(
              await call.forkAt(point.afterEvent, options.forks, {
                reason: point.reason,
                // Half the replies carry the flaw this moment invites, so pairs have a clear loser.
                flawsFor: (k) => (k % 2 === 0 ? [FORK_FLAWS[point.reason]] : []),
              }),
            );
          }
          return forks;
        },
      });
      tokens.prompt += batch.usage.agent.promptTokens + batch.usage.caller.promptTokens;
      tokens.completion += batch.usage.agent.completionTokens + batch.usage.caller.completionTokens;
      tokens.modelCalls += batch.usage.agent.modelCalls + batch.usage.caller.modelCalls;
      tokens.cachedCalls += batch.usage.agent.cachedCalls + batch.usage.caller.cachedCalls;
      stage({ stage: simStage, type: "done", summary: `${batch.total} calls, ${batch.failed} failed` });
      if (batch.aborted) {
        aborted = true;
        break;
      }

      // 5. Judge every conversation that has no score yet.
      const conversations = await store.readAll(RUN_FILES.conversations, Conversation);
      const unjudged = conversations.filter((c) => !scores.has(c.id));
      stage({ stage: `judge r${round}`, type: "start", total: unjudged.length, done: 0 });
      for (const [i, conversation] of unjudged.entries()) {
        const scenario = records.get(conversation.scenarioId)?.scenario;
        if (!scenario) continue;
        const input = { conversation, scenario, pack };
        let score = scoreConversation(input);
        if (options.judge) {
          const answer = await options.judge.rubric(input, score.checks);
          score = scoreConversation(input, "rubric" in answer ? { rubric: answer.rubric, judge: options.judge.id } : { rubric: score.rubric, judge: "scripted", judgeError: answer.error });
        }
        scores.set(conversation.id, score);
        store.append(RUN_FILES.scores, score);
        if (i % 10 === 0) stage({ stage: `judge r${round}`, type: "progress", done: i + 1, total: unjudged.length, failed: 0, tokens: 0 });
      }
      const acceptedCalls = [...scores.values()].filter((s) => s.verdict === "accept" && s.callerFidelity.ok).length;
      stage({ stage: `judge r${round}`, type: "done", summary: `${acceptedCalls} accepted so far` });
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
        summary: summariseFeedback(roundRecords),
        avoidSignatures: flagged.map(scenarioSignature),
        redundantShare: roundRecords.length ? redundant / roundRecords.length : 0,
      };
      const triedScenarios = records.size;
      const spent = tokens.prompt + tokens.completion;
      if (options.accepted !== undefined) {
        if (acceptedCalls >= options.accepted) break;
        if (options.budget?.scenarios !== undefined && triedScenarios >= options.budget.scenarios) break;
        if (options.budget?.tokens !== undefined && spent >= options.budget.tokens) break;
      } else if (round >= options.rounds) break;
    }

    if (aborted) {
      // Exports are derived from the whole run: write none from half of it; --resume finishes.
      manifest = { ...manifest, updatedAt: new Date().toISOString(), tokens, finished: false };
      store.writeManifest(manifest);
      store.flush();
      return { runDir: options.out, funnel: [], acceptedConversations: 0, sftRows: 0, preferenceRows: 0, aborted: true, manifest };
    }

    // The critic and judge spend tokens too; a shared client is counted once.
    const counted = new Set<unknown>();
    for (const part of [critic, options.judge]) {
      const spent = part?.usage?.();
      if (!spent || counted.has(part?.id)) continue;
      counted.add(part?.id);
      tokens.prompt += spent.promptTokens;
      tokens.completion += spent.completionTokens;
      tokens.modelCalls += spent.modelCalls;
      tokens.cachedCalls += spent.cachedCalls;
    }

    // 6. Filter, pseudonymise, de-duplicate and export.
    const conversations = await store.readAll(RUN_FILES.conversations, Conversation);
    const forks = await store.readAll(RUN_FILES.forks, ForkedReplies);
    stage({ stage: "filter", type: "start", total: conversations.length, done: 0 });
    const kept: Array<{ conversation: Conversation; score: Score; scenario: Scenario }> = [];
    const funnelCounts = { toxicity: 0, domain: 0, fidelity: 0, judge: 0, failed: 0, dedup: 0 };
    for (const conversation of conversations) {
      const score = scores.get(conversation.id);
      const scenario = records.get(conversation.scenarioId)?.scenario;
      if (!score || !scenario) continue;
      if (conversation.status === "failed") {
        funnelCounts.failed++;
        addReject({ kind: "conversation", id: conversation.id, stage: "simulate", reason: conversation.error ?? "failed" });
      } else if (!score.callerFidelity.ok) {
        funnelCounts.fidelity++;
        addReject({ kind: "conversation", id: conversation.id, stage: "fidelity", reason: score.callerFidelity.issues.join("; ") });
      } else if (score.verdict === "reject") {
        funnelCounts.judge++;
        addReject({ kind: "conversation", id: conversation.id, stage: "judge", reason: score.reasons.join("; ") });
      } else {
        const toxic = toxicityOf(conversation);
        const domain = domainScore(conversation, pack);
        if (toxic.toxic) {
          funnelCounts.toxicity++;
          addReject({ kind: "conversation", id: conversation.id, stage: "toxicity", reason: toxic.reasons.join("; ") });
        } else if (domain < (options.minDomainScore ?? 0.3)) {
          funnelCounts.domain++;
          addReject({ kind: "conversation", id: conversation.id, stage: "domain", reason: `domain score ${domain.toFixed(2)}` });
        } else kept.push({ conversation, score, scenario });
      }
    }
    const texts = kept.map(({ conversation }) => conversation.events.map((e) => (e.type === "agent_speech" ? e.said : e.type === "caller_speech" ? e.heard : "")).join(" "));
    const dropped = new Set<number>();
    for (const group of nearDuplicateGroups(texts, { threshold: options.dedupThreshold ?? 0.8 })) {
      const best = [...group].sort((a, b) => (kept[b]?.score.weightedScore ?? 0) - (kept[a]?.score.weightedScore ?? 0))[0];
      for (const i of group) {
        if (i === best) continue;
        dropped.add(i);
        funnelCounts.dedup++;
        addReject({ kind: "conversation", id: kept[i]?.conversation.id ?? "?", stage: "dedup", reason: `near-duplicate of ${kept[best ?? 0]?.conversation.id}` });
      }
    }
    const final = kept.filter((_, i) => !dropped.has(i));
    stage({ stage: "filter", type: "done", summary: `${final.length} of ${conversations.length} kept` });

    const toolSchemas = source.tools.map((t) => t.openAISchema());
    const sft: OpenAISftRow[] = [];
    const trlSft: TrlSftRow[] = [];
    let piiReplacements = 0;
    const rewrites: Rewrite[] = [];
    for (const { conversation, score, scenario } of final) {
      const pseudonymizer = new Pseudonymizer(pack, conversation.id, { hiddenFacts: scenario.hiddenFacts, seed: options.seed });
      let clean = pseudonymizer.conversation(conversation);
      if (options.rewriter) {
        const rewritten = await rewriteConversation(clean, pack, options.rewriter);
        clean = rewritten.conversation;
        rewrites.push(...rewritten.rewrites);
      }
      piiReplacements += pseudonymizer.changes.length;
      const row = toSftRow(clean.events, score, agentSystemPrompt(pack, scenario.clock.now, scenario.clock.timezone), toolSchemas);
      sft.push(row);
      trlSft.push(toTrlSftRow(row));
    }
    const dpo: OpenAIPreferenceRow[] = [];
    // Which forked reply won, for reviewers (the viewer shows it beside the replies).
    const forkVerdicts: Array<{ forkId: string; conversationId: string; preferred: number; rejected: number; reasons: string[] }> = [];
    const trlDpo: TrlPreferenceRow[] = [];
    const byId = new Map(conversations.map((c) => [c.id, c]));
    for (const fork of forks) {
      const conversation = byId.get(fork.conversationId);
      const scenario = records.get(fork.scenarioId)?.scenario;
      if (!conversation || !scenario) continue;
      const pseudonymizer = new Pseudonymizer(pack, conversation.id, { hiddenFacts: scenario.hiddenFacts, seed: options.seed });
      pseudonymizer.learn(fork);
      const pair = preferencePair(pseudonymizer.value(fork) as ForkedReplies, pseudonymizer.conversation(conversation), pack, agentSystemPrompt(pack, scenario.clock.now, scenario.clock.timezone), toolSchemas);
      if ("skipped" in pair) {
        addReject({ kind: "reply", id: fork.id, stage: "judge", reason: pair.skipped });
        continue;
      }
      dpo.push(pair.openai);
      trlDpo.push(pair.trl);
      forkVerdicts.push({ forkId: fork.id, conversationId: fork.conversationId, preferred: pair.preferred.index, rejected: pair.rejected.index, reasons: pair.rejected.reasons });
    }
    // Best-vs-worst candidates of a scenario, where they share a prefix up to the agent's turn.
    let candidatePairs = 0;
    const keptIds = new Set(final.map((f) => f.conversation.id));
    const byScenario = new Map<string, Conversation[]>();
    for (const c of conversations) byScenario.set(c.scenarioId, [...(byScenario.get(c.scenarioId) ?? []), c]);
    for (const [scenarioId, candidates] of byScenario) {
      const scenario = records.get(scenarioId)?.scenario;
      const ranked = candidates.filter((c) => scores.has(c.id)).sort((x, y) => (scores.get(y.id)?.weightedScore ?? 0) - (scores.get(x.id)?.weightedScore ?? 0));
      const best = ranked.find((c) => keptIds.has(c.id));
      const worst = [...ranked].reverse().find((c) => scores.get(c.id)?.verdict === "reject" && c.status === "completed");
      if (!scenario || !best || !worst) continue;
      // One entity map for both sides, so the pair names the same fake caller.
      const pseudonymizer = new Pseudonymizer(pack, best.id, { hiddenFacts: scenario.hiddenFacts, seed: options.seed });
      pseudonymizer.learn(worst);
      const pair = candidatePair(
        pseudonymizer.conversation(best),
        pseudonymizer.conversation(worst),
        agentSystemPrompt(pack, scenario.clock.now, scenario.clock.timezone),
        toolSchemas,
      );
      if ("skipped" in pair) continue;
      candidatePairs++;
      dpo.push(pair.openai);
      trlDpo.push(pair.trl);
    }
    store.rewrite(RUN_FILES.sft, sft);
    store.rewrite(RUN_FILES.dpo, dpo);
    store.rewrite("dataset/trl/sft.jsonl", trlSft);
    store.rewrite("dataset/trl/preference.jsonl", trlDpo);
    store.rewrite("dataset/rewrites.jsonl", rewrites);
    store.rewrite("dataset/pairs.jsonl", forkVerdicts);
    stage({ stage: "export", type: "done", summary: `${sft.length} SFT rows, ${dpo.length} preference pairs (${candidatePairs} from best-vs-worst candidates)` });

    // Report.
    const allRejects = await store.readAll(RUN_FILES.rejects, Reject);
    const allRecords = [...records.values()];
    const scoreList = [...scores.values()];
    const passes = new Map<string, { passed: number; total: number }>();
    for (const s of scoreList) {
      const entry = passes.get(s.scenarioId) ?? { passed: 0, total: 0 };
      entry.total++;
      if (s.verdict === "accept") entry.passed++;
      passes.set(s.scenarioId, entry);
    }
    const passK = Array.from({ length: options.candidates }, (_, i) => passHatK([...passes.values()], i + 1, options.seed));
    const funnel: ReportData["funnel"] = [
      { stage: "proposed", count: allRecords.length },
      { stage: "passed critique", count: allRecords.filter((r) => r.critique?.ok).length },
      { stage: "passed gate", count: allRecords.filter((r) => r.accepted).length },
      { stage: "conversations", count: conversations.length },
      { stage: "completed", count: conversations.length - funnelCounts.failed },
      { stage: "caller faithful", count: conversations.length - funnelCounts.failed - funnelCounts.fidelity },
      { stage: "judge accepted", count: kept.length + funnelCounts.toxicity + funnelCounts.domain },
      { stage: "clean and in domain", count: kept.length },
      { stage: "unique (dataset)", count: final.length },
    ];
    const data: ReportData = {
      title: `${pack.name} — ${manifest.name}`,
      packId: pack.id,
      seed: options.seed,
      createdAt: manifest.createdAt,
      backends: { agent: options.backends.agent.id, caller: options.backends.caller.id, judge: options.judge?.id ?? "scripted", critic: critic.id },
      funnel,
      rounds,
      rubric: scoreList.flatMap((s) => s.rubric.map((r) => ({ dimension: r.dimension, score: r.score }))),
      passHatK: passK,
      coverage: allRecords
        .filter((r) => r.accepted)
        .map((r) => ({
          intent: r.scenario.goal.intent,
          difficulty: r.scenario.difficulty,
          complications: r.scenario.complications.map((c) => (c.kind === "refusal_trap" ? `trap:${c.trap}` : c.kind)),
          faults: r.scenario.faultPlan.map((f) => f.kind),
        })),
      refusals: { expected: final.filter((f) => f.scenario.expectations.refusalExpected).length, correct: final.filter((f) => f.score.hasCorrectRefusal).length, accepted: final.length },
      fidelityFailures: scoreList.filter((s) => !s.callerFidelity.ok).map((s) => ({ id: s.conversationId, issues: s.callerFidelity.issues })),
      tokens,
      estimatedCostUsd: estimateCost(tokens),
      dataset: { sft: sft.length, preference: dpo.length, piiReplacements, rewrites: rewrites.length },
      rejects: allRejects,
      checkFailures: countFailures(scoreList),
    };
    const { html, markdown } = renderReport(data);
    store.writeText(RUN_FILES.reportHtml, html);
    store.writeText(RUN_FILES.reportMd, markdown);
    if (data.refusals.correct === 0) stage({ stage: "warning", type: "done", summary: "no accepted conversation contains a correct refusal: add refusal traps to the pack's scenarios" });

    manifest = {
      ...manifest,
      updatedAt: new Date().toISOString(),
      stages: [
        { name: "generate", status: "done", counts: { proposed: allRecords.length } },
        { name: "critique", status: "done", counts: { passed: allRecords.filter((r) => r.critique?.ok).length } },
        { name: "gate", status: "done", counts: { accepted: allRecords.filter((r) => r.accepted).length } },
        { name: "simulate", status: aborted ? "running" : "done", counts: { conversations: conversations.length, failed: funnelCounts.failed } },
        { name: "judge", status: "done", counts: { accepted: scoreList.filter((s) => s.verdict === "accept").length, rejected: scoreList.filter((s) => s.verdict === "reject").length } },
        { name: "filter", status: "done", counts: funnelCounts },
        { name: "export", status: "done", counts: { sft: sft.length, preference: dpo.length } },
      ],
      tokens,
      estimatedCostUsd: data.estimatedCostUsd,
      finished: !aborted,
    };
    store.writeManifest(manifest);
    store.flush();
    return { runDir: options.out, funnel, acceptedConversations: final.length, sftRows: sft.length, preferenceRows: dpo.length, aborted, manifest };
  } finally {
    store.close();
  }
}

function summariseFeedback(roundRecords: readonly ScenarioRecord[]): string {
  const counts = new Map<string, number>();
  for (const record of roundRecords) {
    for (const flag of record.critique?.flags ?? []) counts.set(flag.kind, (counts.get(flag.kind) ?? 0) + 1);
    const check = record.critique?.ok && !record.accepted ? record.gate?.reason?.split(":")[0] : undefined;
    if (check) counts.set(`gate ${check}`, (counts.get(`gate ${check}`) ?? 0) + 1);
  }
  if (counts.size === 0) return `all ${roundRecords.length} proposals passed`;
  return `of ${roundRecords.length} proposals: ${[...counts.entries()].map(([k, n]) => `${n} ${k.replaceAll("_", " ")}`).join(", ")}; vary personas and complications, avoid repeats`;
}

/** Rough list prices (USD per million tokens) of a small hosted model; scripted runs cost nothing. */
function estimateCost(tokens: { prompt: number; completion: number; modelCalls: number }): number {
  if (tokens.modelCalls === 0) return 0;
  return Math.round(((tokens.prompt * 0.15 + tokens.completion * 0.6) / 1_000_000) * 10_000) / 10_000;
}

function countFailures(scores: readonly Score[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of scores) for (const c of s.checks) if (!c.passed) out[c.id.replace(/\[\d+\]/, "").replace(/:.*/, "")] = (out[c.id.replace(/\[\d+\]/, "").replace(/:.*/, "")] ?? 0) + 1;
  return out;
}
