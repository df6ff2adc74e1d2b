import { z } from "zod";
import { TokenUsage } from "./conversation-schema.ts";
import { Scenario } from "./scenario-schema.ts";

/** One line of scenarios.jsonl: a scenario with what the critic and the gate said of it. */
export const ScenarioRecord = z.object({
  scenario: Scenario,
  /** Generation round (0 = the pack's seeds used as they are). */
  round: z.number().int().nonnegative(),
  critique: z
    .object({
      ok: z.boolean(),
      flags: z.array(z.object({ kind: z.enum(["vague", "redundant", "out_of_domain", "unrealistic"]), reason: z.string() })),
      critic: z.string(),
      /** What the model critic spent on this verdict (as a score's `usage`); absent for the scripted critic. */
      usage: TokenUsage.optional(),
    })
    .optional(),
  gate: z.object({ ok: z.boolean(), reason: z.string().optional() }).optional(),
  accepted: z.boolean(),
});
export type ScenarioRecord = z.infer<typeof ScenarioRecord>;

export const StageName = z.enum(["generate", "critique", "gate", "simulate", "judge", "filter", "export"]);
export type StageName = z.infer<typeof StageName>;

/** runs/<name>/manifest.json. Rewritten (atomically) as stages finish. */
export const Manifest = z.object({
  name: z.string(),
  command: z.enum(["simulate", "run"]),
  createdAt: z.string(),
  updatedAt: z.string(),
  packId: z.string(),
  packDir: z.string(),
  packHash: z.string(),
  seed: z.number().int(),
  config: z.record(z.string(), z.unknown()),
  versions: z.record(z.string(), z.string()),
  stages: z.array(
    z.object({
      name: StageName,
      status: z.enum(["pending", "running", "done"]),
      counts: z.record(z.string(), z.number()),
    }),
  ),
  tokens: z.object({ prompt: z.number(), completion: z.number(), modelCalls: z.number(), cachedCalls: z.number() }),
  estimatedCostUsd: z.number(),
  finished: z.boolean(),
});
export type Manifest = z.infer<typeof Manifest>;
