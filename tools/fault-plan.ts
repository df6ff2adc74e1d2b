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
    tool: z.string().min(1).describe("The tool whose calls fail (a name in `agent.tools`)."),
    kind: FaultKind.describe(
      "What goes wrong: timeout, server_error, rate_limited (errors the agent may retry), malformed_result, partial_result, empty_result (an answer that is not what was asked), slow_response (the right answer, late).",
    ),
    nth: z.number().int().positive().optional().describe("Which call of the tool fails first, counted from 1 (`nth: 1`: the first call fails, a retry succeeds)."),
    probability: z.number().min(0).max(1).optional().describe("0–1: chance each call fails (seeded per call), instead of `nth`."),
    times: z.number().int().positive().default(1).describe("How many times the rule may fire in one call (consecutive calls from `nth` on)."),
    latencyMs: z.number().int().nonnegative().optional().describe("Extra latency in milliseconds for slow_response and timeout."),
  })
  .refine((rule) => rule.nth !== undefined || rule.probability !== undefined, {
    message: "a fault rule needs `nth` (which call) or `probability`",
    path: ["nth"],
  });
export type FaultRule = z.infer<typeof FaultRule>;

export const FaultPlan = z.array(FaultRule).default([]);
export type FaultPlan = z.infer<typeof FaultPlan>;
