import { z } from "zod";
import { TokenUsage } from "./conversation-schema.ts";
import { RubricDimension } from "./pack-schema.ts";

export const CheckResult = z.object({
  /** Stable id such as `final_state[0]`, `required_action:book_appointment`, `order:verify_before_disclose`. */
  id: z.string(),
  passed: z.boolean(),
  message: z.string(),
  /** The event the check points at, when there is one. */
  eventIndex: z.number().int().nonnegative().optional(),
});
export type CheckResult = z.infer<typeof CheckResult>;

export const RubricScore = z.object({
  dimension: RubricDimension,
  score: z.number().int().min(1).max(5),
  reason: z.string().min(1),
});
export type RubricScore = z.infer<typeof RubricScore>;

export const Score = z.object({
  conversationId: z.string(),
  scenarioId: z.string(),
  candidate: z.number().int().nonnegative(),
  judge: z.string(),
  checks: z.array(CheckResult),
  rubric: z.array(RubricScore),
  weightedScore: z.number(),
  /** Per agent turn (in order of agent_speech events): 1 to learn from it, 0 when it was bad. */
  agentTurnWeights: z.array(z.union([z.literal(0), z.literal(1)])),
  callerFidelity: z.object({ ok: z.boolean(), issues: z.array(z.string()) }),
  /** The call contains a correct refusal of an out-of-policy request. */
  hasCorrectRefusal: z.boolean(),
  verdict: z.enum(["accept", "reject"]),
  reasons: z.array(z.string()),
  /** Set when the judge itself failed (malformed model output after a retry). */
  judgeError: z.string().optional(),
  /**
   * What the model judge spent on this call (a cached answer counts its original tokens). Kept with
   * the score so run totals are summed from the run directory: a killed process's counters are gone.
   */
  usage: TokenUsage.optional(),
});
export type Score = z.infer<typeof Score>;

export const RejectStage = z.enum(["critique", "gate", "simulate", "judge", "caller", "dedup", "pii", "toxicity", "domain", "fidelity"]);
export type RejectStage = z.infer<typeof RejectStage>;

/** One dropped item in rejects.jsonl. */
export const Reject = z.object({
  kind: z.enum(["scenario", "conversation", "reply"]),
  id: z.string(),
  stage: RejectStage,
  reason: z.string(),
  details: z.unknown().optional(),
});
export type Reject = z.infer<typeof Reject>;
