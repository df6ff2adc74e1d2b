import type { Conversation, Reject, Scenario, ScenarioPack, Score } from "../../scenarios/index.ts";
import { domainScore } from "./domain.ts";
import { nearDuplicateGroupsOf, signature } from "./minhash.ts";
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

/** A call the filter kept: what export and report need of it, not its events (read again by id). */
export interface KeptCall {
  id: string;
  score: Score;
  scenario: Scenario;
}

export type CallFilterOptions = Omit<FilterInput, "conversations">;

export interface CallFilter {
  /** Decides one call (in file order); what it keeps so far, if it does (de-duplication comes at the end). */
  add(conversation: Conversation): KeptCall | undefined;
  finish(): { kept: KeptCall[]; final: KeptCall[]; rejects: Reject[]; counts: FilterCounts };
}

/**
 * Step 6a: every judged call is either kept or dropped with its stage and reason — failed calls,
 * calls spoilt by the simulated caller (stage `caller`, never counted against the agent), judge
 * rejects, toxic or off-domain speech, then near-duplicates (MinHash LSH; the best-scored of a
 * group stays). One call at a time, holding a MinHash signature per kept call rather than the
 * call, so a run of any size is filtered in flat memory.
 */
export function createCallFilter({ scores, scenarios, pack, dedupThreshold = 0.8, minDomainScore = 0.3 }: CallFilterOptions): CallFilter {
  const kept: KeptCall[] = [];
  const signatures: Uint32Array[] = [];
  const rejects: Reject[] = [];
  const counts: FilterCounts = { failed: 0, caller: 0, judge: 0, toxicity: 0, domain: 0, dedup: 0 };
  const drop = (id: string, stage: Reject["stage"], reason: string) => rejects.push({ kind: "conversation", id, stage, reason });
  return {
    add(conversation) {
      const score = scores.get(conversation.id);
      const scenario = scenarios.get(conversation.scenarioId);
      if (!score || !scenario) return undefined;
      if (conversation.status === "failed") {
        counts.failed++;
        drop(conversation.id, "simulate", conversation.error ?? "failed");
      } else if (!score.callerFidelity.ok) {
        counts.caller++;
        drop(conversation.id, "caller", score.callerFidelity.issues.join("; "));
      } else if (score.verdict === "reject") {
        counts.judge++;
        drop(conversation.id, "judge", score.reasons.join("; "));
      } else {
        const toxic = toxicityOf(conversation);
        const domain = domainScore(conversation, pack);
        if (toxic.toxic) {
          counts.toxicity++;
          drop(conversation.id, "toxicity", toxic.reasons.join("; "));
        } else if (domain < minDomainScore) {
          counts.domain++;
          drop(conversation.id, "domain", `domain score ${domain.toFixed(2)}`);
        } else {
          const call = { id: conversation.id, score, scenario };
          kept.push(call);
          signatures.push(signature(dedupText(conversation)));
          return call;
        }
      }
      return undefined;
    },
    finish() {
      const dropped = new Set<number>();
      for (const group of nearDuplicateGroupsOf(signatures, { threshold: dedupThreshold })) {
        const best = [...group].sort((a, b) => (kept[b]?.score.weightedScore ?? 0) - (kept[a]?.score.weightedScore ?? 0))[0];
        for (const i of group) {
          const call = kept[i];
          if (i === best || !call) continue;
          dropped.add(i);
          counts.dedup++;
          drop(call.id, "dedup", `near-duplicate of ${kept[best ?? 0]?.id}`);
        }
      }
      return { kept, final: kept.filter((_, i) => !dropped.has(i)), rejects, counts };
    },
  };
}

/** What near-duplicate detection compares: the words as heard on the line. */
function dedupText(conversation: Conversation): string {
  return conversation.events.map((e) => (e.type === "agent_speech" ? e.said : e.type === "caller_speech" ? e.heard : "")).join(" ");
}

/** Step 6a over calls held in memory (see createCallFilter, which streams). */
export function filterCalls(input: FilterInput): FilterOutput {
  const filter = createCallFilter(input);
  const conversationOf = new Map<KeptCall, Conversation>();
  for (const conversation of input.conversations) {
    const call = filter.add(conversation);
    if (call) conversationOf.set(call, conversation);
  }
  const { kept, final, rejects, counts } = filter.finish();
  const judged = (call: KeptCall): JudgedCall => ({ conversation: conversationOf.get(call) as Conversation, score: call.score, scenario: call.scenario });
  return { kept: kept.map(judged), final: final.map(judged), rejects, counts };
}
