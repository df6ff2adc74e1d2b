import { z } from "zod";
import { FaultKind } from "./fault-plan.ts";
import { GenericRecord, type ToolsConfig } from "./fixtures.ts";
import type { Rng } from "./rng.ts";
import type { SimClock } from "./clock.ts";

/** What a failed tool call answers, as a real API would: never an exception. */
export const ToolErrorCode = z.enum([
  "invalid_arguments",
  "not_found",
  "rule_violation",
  "unknown_tool",
  "timeout",
  "server_error",
  "rate_limited",
]);
export type ToolErrorCode = z.infer<typeof ToolErrorCode>;

export const ToolError = z.object({
  code: ToolErrorCode,
  message: z.string(),
  /** For invalid_arguments: the zod issues as `path: message` lines. */
  issues: z.array(z.string()).optional(),
  retryable: z.boolean().default(false),
});
export type ToolError = z.infer<typeof ToolError>;

export const ToolOutcome = z.discriminatedUnion("ok", [
  /** `result` is what the tool returned; for a malformed_result fault it is a raw broken string. */
  z.object({ ok: z.literal(true), result: z.unknown() }),
  z.object({ ok: z.literal(false), error: ToolError }),
]);
export type ToolOutcome = z.infer<typeof ToolOutcome>;

/** One line of a world's call log. */
export const ToolCallRecord = z.object({
  seq: z.number().int().nonnegative(),
  callId: z.string(),
  tool: z.string(),
  args: z.unknown(),
  /** Simulated time the call started (ISO). */
  at: z.string(),
  latencyMs: z.number().nonnegative(),
  outcome: ToolOutcome,
  fault: FaultKind.optional(),
});
export type ToolCallRecord = z.infer<typeof ToolCallRecord>;

/** Session facts the tools establish during one call (the judge reads these). */
export const WorldSession = z.object({
  verifiedCustomerIds: z.array(z.string()).default([]),
  failedVerifications: z.number().int().nonnegative().default(0),
  transferredTo: z.object({ queue: z.string(), reason: z.string() }).optional(),
  endedBy: z.enum(["agent"]).optional(),
});
export type WorldSession = z.infer<typeof WorldSession>;

/**
 * The whole state of a tool world as plain data, so a LangGraph checkpoint can hold it and a
 * fork can continue from it. `ToolWorld` is rebuilt from this on every step.
 */
export const WorldSnapshot = z.object({
  collections: z.record(z.string(), z.array(GenericRecord)),
  clockNow: z.string(),
  timezone: z.string(),
  callCounts: z.record(z.string(), z.number().int()),
  /** How many times each fault rule (by index in the plan) has fired. */
  faultFires: z.array(z.number().int()),
  nextIds: z.record(z.string(), z.number().int()),
  session: WorldSession,
  log: z.array(ToolCallRecord),
});
export type WorldSnapshot = z.infer<typeof WorldSnapshot>;

/**
 * The rules a world's tools enforce: the pack's `toolsConfig`, and how many failed identity
 * checks lock the call (the agent's `verification.maxAttempts`; 3 when not given).
 */
export type WorldConfig = ToolsConfig & { maxVerifyAttempts?: number };

/** What a tool's `run` gets: the world's collections and rules, never globals. */
export interface ToolContext {
  /** Mutable records of a collection (created empty when missing). */
  collection(name: string): GenericRecord[];
  /** A fresh id such as `APT-1001` for a new record of a collection. */
  newId(prefix: string): string;
  clock: SimClock;
  config: WorldConfig;
  session: WorldSession;
  rng: Rng;
}

/** A tool answer from `run`: a result, or an error as an API would send it. */
export type ToolRunResult<R> = { ok: true; result: R } | { ok: false; error: ToolError };

/** OpenAI function-tool schema, as sent in `tools`. */
export interface OpenAIFunctionTool {
  type: "function";
  function: { name: string; description: string; parameters: Record<string, unknown>; strict?: boolean };
}
