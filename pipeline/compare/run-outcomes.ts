import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Conversation, Score, VoicesimError } from "../../scenarios/index.ts";
import { parseManifest, readJsonl, RUN_FILES } from "../../sim/index.ts";
import type { SlowTurn } from "../report/agent-latency.ts";

/** One judged call as compare needs it. */
export interface CallOutcome {
  id: string;
  passed: boolean;
  /** Ids of the checks it failed (`final_state[0]`, `refusal:waive_fee`; `call_failed` for a call that broke off). */
  failedChecks: string[];
}

/** What one run directory says about its agent. */
export interface RunOutcomes {
  dir: string;
  /** The agent's backend id from the manifest (or the directory when it has none). */
  agent: string;
  packId: string;
  seed: number;
  /** By scenario id, in sorted order; calls the simulated caller spoilt are left out (they say nothing about the agent). */
  scenarios: Map<string, CallOutcome[]>;
  calls: number;
  failedCalls: number;
  costUsd: number;
  tokens: number;
  firstSpeechMs: number[];
  toolMs: number[];
  slowTurns: SlowTurn[];
}

/**
 * Reads a finished run: scores for verdicts and checks, conversations for failures and latency,
 * the manifest for the agent, cost and tokens. A call that failed without a score counts as a
 * failed try of its scenario: an agent that hangs up its socket did not pass.
 */
export async function readRunOutcomes(dir: string, options: { slowTurnMs: number }): Promise<RunOutcomes> {
  if (!existsSync(join(dir, RUN_FILES.scores))) {
    throw new VoicesimError("file_not_found", `${dir} holds no judged calls (no ${RUN_FILES.scores})`, {
      hint: `judge it first (voicesim judge ${dir}), or pass run directories written by \`voicesim run\``,
    });
  }
  const manifestPath = join(dir, RUN_FILES.manifest);
  const manifest = existsSync(manifestPath) ? parseManifest(manifestPath, readFileSync(manifestPath, "utf8")) : undefined;
  const scores = new Map<string, Score>();
  for await (const score of readJsonl(join(dir, RUN_FILES.scores), Score)) scores.set(score.conversationId, score);
  const scenarios = new Map<string, CallOutcome[]>();
  const add = (scenarioId: string, outcome: CallOutcome) => scenarios.set(scenarioId, [...(scenarios.get(scenarioId) ?? []), outcome]);
  const outcomes: Omit<RunOutcomes, "scenarios"> = {
    dir,
    agent: typeof manifest?.config.agent === "string" ? manifest.config.agent : dir,
    packId: manifest?.packId ?? "",
    seed: manifest?.seed ?? 0,
    calls: 0,
    failedCalls: 0,
    costUsd: manifest?.estimatedCostUsd ?? 0,
    tokens: (manifest?.tokens.prompt ?? 0) + (manifest?.tokens.completion ?? 0),
    firstSpeechMs: [],
    toolMs: [],
    slowTurns: [],
  };
  const seen = new Set<string>();
  for await (const conversation of readJsonl(join(dir, RUN_FILES.conversations), Conversation)) {
    seen.add(conversation.id);
    outcomes.calls++;
    if (conversation.status === "failed") outcomes.failedCalls++;
    for (const turn of conversation.agentLatency ?? []) {
      if (turn.firstSpeechMs !== undefined) {
        outcomes.firstSpeechMs.push(turn.firstSpeechMs);
        if (turn.firstSpeechMs > options.slowTurnMs) outcomes.slowTurns.push({ conversationId: conversation.id, turn: turn.turn, firstSpeechMs: turn.firstSpeechMs });
      }
      for (const tool of turn.tools) outcomes.toolMs.push(tool.ms);
    }
    const score = scores.get(conversation.id);
    if (!score) {
      if (conversation.status === "failed") add(conversation.scenarioId, { id: conversation.id, passed: false, failedChecks: ["call_failed"] });
      continue;
    }
    if (!score.callerFidelity.ok) continue;
    const failedChecks = score.checks.filter((c) => !c.passed).map((c) => c.id);
    if (conversation.status === "failed") failedChecks.unshift("call_failed");
    add(score.scenarioId, { id: score.conversationId, passed: score.verdict === "accept" && conversation.status === "completed", failedChecks });
  }
  // Scores of calls whose conversation line is gone still count (a run judged elsewhere).
  for (const score of scores.values()) {
    if (seen.has(score.conversationId) || !score.callerFidelity.ok) continue;
    add(score.scenarioId, { id: score.conversationId, passed: score.verdict === "accept", failedChecks: score.checks.filter((c) => !c.passed).map((c) => c.id) });
  }
  const sorted = new Map([...scenarios.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { ...outcomes, scenarios: sorted };
}
