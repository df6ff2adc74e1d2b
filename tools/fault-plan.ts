import { z } from "zod";

/** The ways a mocked backend can misbehave. */
export const FaultKind = z.enum([
  "timeout",
  "server_error",
  "rate_limited",
  "malformed_result",
  "partial_result",
  "empty_result",
  "slow_response",
]);
export type FaultKind = z.infer<typeof FaultKind>;

/**
 * One rule of a fault plan: which tool, which of its calls (the nth, counted from 1, or every
 * call with a probability), and how many times the rule may fire. "First call fails, retry
 * succeeds" is `{ tool, kind, nth: 1 }`.
 */
export const FaultRule = z
  .object({
    tool: z.string().min(1),
    kind: FaultKind,
    nth: z.number().int().positive().optional(),
    probability: z.number().min(0).max(1).optional(),
    times: z.number().int().positive().default(1),
    /** Extra latency for slow_response and timeout, in milliseconds. */
    latencyMs: z.number().int().nonnegative().optional(),
  })
  .refine((rule) => rule.nth !== undefined || rule.probability !== undefined, {
    message: "a fault rule needs `nth` (which call) or `probability`",
    path: ["nth"],
  });
export type FaultRule = z.infer<typeof FaultRule>;

export const FaultPlan = z.array(FaultRule).default([]);
export type FaultPlan = z.infer<typeof FaultPlan>;
