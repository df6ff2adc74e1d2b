import type { Conversation, Reject, Scenario, ScenarioPack, Score } from "../../scenarios/index.ts";
import { domainScore } from "./domain.ts";
import { nearDuplicateGroups } from "./minhash.ts";
import { toxicityOf } from "./toxicity.ts";

export interface JudgedCall {
  conversation: Conversation;
  score: Score;
  scenario: Scenario;
}

export interface FilterInput {
  conversations: readonly Conversation[];
  scores: ReadonlyMap<string, Score>;
  scenarios: ReadonlyMap<string, Scenario>;
  pack: ScenarioPack;
  dedupThreshold?: number | undefined;
  minDomainScore?: number | undefined;
}

export interface FilterCounts {
  failed: number;
  caller: number;
  judge: number;
  toxicity: number;
  domain: number;
  dedup: number;
}

export interface FilterOutput {
  /** Accepted by the judge, clean and in domain (before de-duplication). */
  kept: JudgedCall[];
  /** What goes into the dataset. */
  final: JudgedCall[];
  rejects: Reject[];
  counts: FilterCounts;
}

/**
 * Step 6a: every judged call is either kept or dropped with its stage and reason — failed calls,
 * calls spoilt by the simulated caller (stage `caller`, never counted against the agent), judge
 * rejects, toxic or off-domain speech, then near-duplicates (MinHash LSH; the best-scored of a
 * group stays).
 */
export function filterCalls({ conversations, scores, scenarios, pack, dedupThreshold = 0.8, minDomainScore = 0.3 }: FilterInput): FilterOutput {
  const kept: JudgedCall[] = [];
  const rejects: Reject[] = [];
  const counts: FilterCounts = { failed: 0, caller: 0, judge: 0, toxicity: 0, domain: 0, dedup: 0 };
  const drop = (conversation: Conversation, stage: Reject["stage"], reason: string) => rejects.push({ kind: "conversation", id: conversation.id, stage, reason });
  for (const conversation of conversations) {
    const score = scores.get(conversation.id);
    const scenario = scenarios.get(conversation.scenarioId);
    if (!score || !scenario) continue;
    if (conversation.status === "failed") {
      counts.failed++;
      drop(conversation, "simulate", conversation.error ?? "failed");
    } else if (!score.callerFidelity.ok) {
      counts.caller++;
      drop(conversation, "caller", score.callerFidelity.issues.join("; "));
    } else if (score.verdict === "reject") {
      counts.judge++;
      drop(conversation, "judge", score.reasons.join("; "));
    } else {
      const toxic = toxicityOf(conversation);
      const domain = domainScore(conversation, pack);
      if (toxic.toxic) {
        counts.toxicity++;
        drop(conversation, "toxicity", toxic.reasons.join("; "));
      } else if (domain < minDomainScore) {
        counts.domain++;
        drop(conversation, "domain", `domain score ${domain.toFixed(2)}`);
      } else kept.push({ conversation, score, scenario });
    }
  }
  const texts = kept.map(({ conversation }) => conversation.events.map((e) => (e.type === "agent_speech" ? e.said : e.type === "caller_speech" ? e.heard : "")).join(" "));
  const dropped = new Set<number>();
  for (const group of nearDuplicateGroups(texts, { threshold: dedupThreshold })) {
    const best = [...group].sort((a, b) => (kept[b]?.score.weightedScore ?? 0) - (kept[a]?.score.weightedScore ?? 0))[0];
    for (const i of group) {
      const call = kept[i];
      if (i === best || !call) continue;
      dropped.add(i);
      counts.dedup++;
      drop(call.conversation, "dedup", `near-duplicate of ${kept[best ?? 0]?.conversation.id}`);
    }
  }
  return { kept, final: kept.filter((_, i) => !dropped.has(i)), rejects, counts };
}
