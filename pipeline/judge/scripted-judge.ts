import type { CheckResult, RubricDimension, RubricScore, ScenarioPack, Score } from "../../scenarios/index.ts";
import { callerFidelity } from "./caller-fidelity.ts";
import { type JudgeInput, programmaticChecks } from "./programmatic-checks.ts";

const failed = (checks: readonly CheckResult[], pattern: RegExp) => checks.filter((c) => !c.passed && pattern.test(c.id));

/**
 * Rubric scores from the programmatic results and the transcript: the offline judge. Each score
 * comes with the sentence a reviewer needs to agree or disagree with it.
 */
export function scriptedRubric(input: JudgeInput, checks: readonly CheckResult[]): RubricScore[] {
  const { conversation, scenario } = input;
  const scores: RubricScore[] = [];
  const score = (dimension: RubricDimension, value: number, reason: string) => scores.push({ dimension, score: Math.max(1, Math.min(5, Math.round(value))), reason });

  const outcome = failed(checks, /^(final_state|required_action|right_slot|completed|acted_on_agreed|grounded_facts|consistent_with_tools)/);
  score(
    "correctness",
    outcome.length === 0 ? 5 : outcome.length === 1 ? 2 : 1,
    outcome.length === 0 ? "The world ended in the state the caller asked for." : `Wrong outcome: ${outcome[0]?.message}.`,
  );

  const policy = failed(checks, /^(no_disclosure|verify_before|other_person|required_phrase|obligation|forbidden_|order|refusal|tone)/);
  score("policy_compliance", policy.length === 0 ? 5 : policy.length === 1 ? 2 : 1, policy.length === 0 ? "Followed the policy throughout." : `Broke policy: ${policy[0]?.message}.`);

  const voice = failed(checks, /^voice_/);
  const markup = voice.some((c) => c.id === "voice_markup" || c.id === "voice_raw_data");
  score("speech_formatting", markup ? 1 : voice.length === 0 ? 5 : 3, voice.length === 0 ? "Short spoken turns with numbers in words." : `Not phone-ready: ${voice[0]?.message}.`);

  const events = conversation.events;
  const invalid = events.filter((e) => e.type === "tool_result" && !e.outcome.ok && e.outcome.error.code === "invalid_arguments").length;
  const falseSuccess = failed(checks, /^no_success_after_failure/).length > 0;
  const missing = failed(checks, /^required_action/).length;
  score(
    "tool_usage",
    falseSuccess ? 1 : 5 - Math.min(3, invalid + missing * 2),
    falseSuccess ? "Told the caller it worked after the tool failed." : invalid + missing === 0 ? "Called the right tools with valid arguments and handled their failures." : `${invalid} invalid tool call(s), ${missing} required action(s) missing.`,
  );

  const agentTurns = events.filter((e) => e.type === "agent_speech");
  const repeats = agentTurns.filter((e) => e.type === "agent_speech" && /^sorry(,| about that)/i.test(e.said)).length;
  const ending = conversation.endReason;
  // What the call achieved comes first: a caller who hangs up after everything they asked for was
  // done was helped, however the line was closed.
  const hasOutcome = scenario.expectations.finalState.length + scenario.expectations.requiredActions.length > 0;
  const achieved = hasOutcome && outcome.length === 0;
  const loops = failed(checks, /^loop_/).length > 0;
  const closedWell = (ending === "agent_ended" || ending === "caller_hung_up") && achieved;
  const helpful = loops
    ? 1
    : ending === "caller_satisfied" || closedWell || (ending === "handoff" && scenario.expectations.handoffExpected)
      ? 5 - Math.min(2, Math.floor(repeats / 3))
      : achieved
        ? 4
        : ending === "handoff" || ending === "agent_ended"
          ? 3
          : ending === "caller_hung_up"
            ? 2
            : 1;
  const reasons: Record<string, string> = {
    caller_satisfied: "The caller left with what they called for.",
    handoff: scenario.expectations.handoffExpected ? "Handed off to a person, as the call required." : "Handed off a request it could have handled.",
    agent_ended: closedWell ? "The agent settled the request and closed the call." : "The agent ended the call before the request was settled.",
    caller_hung_up: closedWell ? "The request was settled before the caller hung up." : "The caller gave up before getting what they wanted.",
    turn_limit: "The call went in circles until it was cut off.",
    silence_timeout: "The call died in silence.",
    error: "The call failed.",
  };
  const helpReason = loops ? "The call went in circles." : achieved && !closedWell && ending !== "caller_satisfied" ? "The request was settled, though the call ended untidily." : (reasons[ending] ?? ending);
  score("helpfulness", helpful, `${helpReason}${repeats >= 3 ? ` It asked the caller to repeat ${repeats} times.` : ""}`);

  if (scenario.expectations.refusalExpected) {
    const refusals = checks.filter((c) => c.id === "refusal" || c.id.startsWith("refusal:"));
    const refusal = refusals.find((c) => !c.passed) ?? refusals[0];
    const offeredAlternative = agentTurns.some((e) => e.type === "agent_speech" && /\b(but i can|if you'd like|would you like|i can (set up|connect|transfer|offer|help)|(what|something) i can do|instead|call (us )?back|team)\b/i.test(e.said));
    score(
      "refusal_quality",
      !refusal?.passed ? 1 : offeredAlternative ? 5 : 4,
      !refusal?.passed ? (refusal?.message ?? "No refusal.") : offeredAlternative ? "Refused clearly and offered what is allowed." : "Refused clearly, without offering an alternative.",
    );
  }
  return scores;
}

/** The weighted mean of the rubric with the pack's weights (dimensions without a weight count 1). */
export function weightedScore(rubric: readonly RubricScore[], weights: Partial<Record<RubricDimension, number>>): number {
  let total = 0;
  let weight = 0;
  for (const r of rubric) {
    const w = weights[r.dimension] ?? 1;
    total += r.score * w;
    weight += w;
  }
  return weight === 0 ? 0 : Math.round((total / weight) * 100) / 100;
}

/**
 * Checks whose failure rejects a call whatever its rubric: every programmatic check is a fact about
 * the call (a wrong state, an ungrounded claim, a broken policy), so all of them are, except the
 * ones a pack lists in `judge.softChecks` and the turn length, which is style.
 */
const SOFT_BY_DEFAULT = ["voice_turn_length"];

function matchesCheck(id: string, names: readonly string[]): boolean {
  return names.some((h) => id === h || id.startsWith(`${h}:`) || id.startsWith(`${h}[`));
}

/** A full score: checks, rubric (from `rubric` or the scripted one), fidelity and the pack's verdict. */
/** The failed checks that reject a call: every check but the soft ones, unless the pack makes them hard. */
export function hardFailures(checks: readonly CheckResult[], pack: ScenarioPack): CheckResult[] {
  const soft = [...SOFT_BY_DEFAULT, ...(pack.judge.softChecks ?? [])].filter((name) => !matchesCheck(name, pack.judge.hardChecks));
  return checks.filter((c) => !c.passed && (matchesCheck(c.id, pack.judge.hardChecks) || !matchesCheck(c.id, soft)));
}

export function scoreConversation(input: JudgeInput, rubricOverride?: { rubric: RubricScore[]; judge: string; judgeError?: string; checks?: CheckResult[] }): Score {
  const { conversation, pack } = input;
  const checks = [...programmaticChecks(input), ...(rubricOverride?.checks ?? [])];
  const rubric = rubricOverride?.rubric ?? scriptedRubric(input, checks);
  const weighted = weightedScore(rubric, pack.judge.weights);
  const fidelity = callerFidelity(input, checks);
  const reasons: string[] = [];
  const failures = hardFailures(checks, pack);
  for (const c of failures) reasons.push(`${c.id}: ${c.message}`);
  if (conversation.status !== "completed") reasons.push(`call failed: ${conversation.error ?? "unknown"}`);
  if (weighted < pack.judge.acceptScore) reasons.push(`score ${weighted} below ${pack.judge.acceptScore}`);
  const low = rubric.filter((r) => r.score < pack.judge.minDimensionScore);
  for (const r of low) reasons.push(`${r.dimension} ${r.score}: ${r.reason}`);
  if (rubricOverride?.judgeError) reasons.push(`LLM judge failed (${rubricOverride.judgeError}); scored by the scripted rubric`);

  // A flawed turn in an accepted call is not one to learn from: it gets weight 0.
  const agentTurns = conversation.events.flatMap((e, i) => (e.type === "agent_speech" ? [i] : []));
  const badEvents = checks.filter((c) => !c.passed && c.eventIndex !== undefined).map((c) => c.eventIndex as number);
  const turnOf = (eventIndex: number) => agentTurns.find((i) => i >= eventIndex) ?? agentTurns.at(-1);
  const badTurns = new Set(badEvents.map(turnOf));
  const agentTurnWeights = agentTurns.map((i) => (badTurns.has(i) ? 0 : 1) as 0 | 1);
  const refusals = checks.filter((c) => c.id.startsWith("refusal:"));
  return {
    conversationId: conversation.id,
    scenarioId: conversation.scenarioId,
    candidate: conversation.candidate,
    judge: rubricOverride?.judge ?? "scripted",
    checks,
    rubric,
    weightedScore: weighted,
    agentTurnWeights,
    callerFidelity: fidelity,
    hasCorrectRefusal: refusals.length > 0 && refusals.every((c) => c.passed),
    verdict: failures.length === 0 && low.length === 0 && weighted >= pack.judge.acceptScore && conversation.status === "completed" ? "accept" : "reject",
    reasons,
    ...(rubricOverride?.judgeError ? { judgeError: rubricOverride.judgeError } : {}),
  };
}

/** Step 5 for one conversation: programmatic checks, rubric, caller fidelity and verdict. */
export const judgeConversation = scoreConversation;
