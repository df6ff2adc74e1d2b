import { z } from "zod";
import { AGENT_FLAWS } from "../../agents/index.ts";
import { Conversation, ForkedReplies, Scenario } from "../../scenarios/index.ts";

/**
 * Where a call forks, as data rather than a closure, so a call can run in another thread,
 * process or machine: up to `maxPoints` informative moments, `replies` alternatives at each,
 * and each alternative carries one flaw, the one that moment invites first (`flawByReason`).
 */
export const ForkPlan = z.object({
  replies: z.number().int().min(2),
  maxPoints: z.number().int().min(1),
  flawByReason: z.record(ForkedReplies.shape.reason, z.enum(AGENT_FLAWS)),
});
export type ForkPlan = z.infer<typeof ForkPlan>;

/** Everything one call needs besides the pack and the backends: what a coordinator sends an executor. */
export const CallRequest = z.object({
  conversationId: z.string(),
  scenario: Scenario,
  candidate: z.number().int().min(0),
  /** This call's own seed (derived from the run seed and the id by the coordinator). */
  seed: z.number().int(),
  flaws: z.array(z.enum(AGENT_FLAWS)),
  limits: z.object({ maxCallerTurns: z.number().int(), maxAgentStepsPerTurn: z.number().int(), maxSilenceMs: z.number() }),
  forkPlan: ForkPlan.optional(),
});
export type CallRequest = z.infer<typeof CallRequest>;

/**
 * A finished call and its forks; nothing when the batch was stopped before it ended; or, from a
 * queue, a call whose job failed every attempt (it goes to the reject pile with the reason).
 */
export const CallOutcome = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("done"), conversation: Conversation, forks: z.array(ForkedReplies) }),
  z.object({ kind: z.literal("aborted") }),
  z.object({ kind: z.literal("lost"), reason: z.string() }),
]);
export type CallOutcome = z.infer<typeof CallOutcome>;
