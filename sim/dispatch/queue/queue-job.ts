import { createHash } from "node:crypto";
import { z } from "zod";
import { ConversationEvent, Scenario } from "../../../scenarios/index.ts";
import { BackendRecipe } from "../backend-recipe.ts";
import { CallRequest } from "../call-request.ts";

/** One BullMQ queue serves every run, so one fleet of workers serves every coordinator. */
export const QUEUE_NAME = "voicesim-calls";
/** Redis key prefix of everything voicesim keeps besides BullMQ's own keys. */
export const KEY_PREFIX = "voicesim";

/** What a job carries: the call, and what a worker needs to build the same call anywhere. */
export const QueueJob = z.object({
  /** The coordinator's voicesim version: a worker of another version refuses the job. */
  version: z.string(),
  /** A run's key (see runKey): `queue status|clean` find a run's jobs by it. */
  run: z.string(),
  /** Key of the pack's files in Redis (sha256 over them, the pack hash of the manifest). */
  packHash: z.string(),
  backends: BackendRecipe.omit({ cacheDir: true }),
  /** Requests per minute to the model server, shared by every worker (0: no limit). */
  requestsPerMinute: z.number().int().min(0),
  /** Model tokens (prompt + completion) per minute, shared the same way (0: no limit). */
  tokensPerMinute: z.number().int().min(0).default(0),
  request: CallRequest,
  /** The coordinator shows calls live (`--view`): the worker reports each call's events as job progress. */
  wantsEvents: z.boolean().default(false),
});
export type QueueJob = z.infer<typeof QueueJob>;

const QueueJobAroundScenario = QueueJob.extend({ request: CallRequest.extend({ scenario: z.unknown() }) });

/**
 * A worker's reading of a job: the same checks as QueueJob, but a scenario already seen (the
 * same text: every candidate of a scenario carries it) is checked once and then shared. Its zod
 * parse was the largest cost a queued call had over one run in-process, and a shared scenario
 * keeps the caches keyed by a scenario object warm.
 */
export function parseQueueJob(data: unknown, seen: Map<string, Scenario>): ReturnType<typeof QueueJob.safeParse> {
  const around = QueueJobAroundScenario.safeParse(data);
  if (!around.success) return QueueJob.safeParse(data);
  const text = JSON.stringify(around.data.request.scenario);
  let scenario = seen.get(text);
  if (!scenario) {
    const parsed = Scenario.safeParse(around.data.request.scenario);
    if (!parsed.success) return QueueJob.safeParse(data);
    scenario = parsed.data;
    // A long-lived worker serves run after run: the scenarios of a few runs are plenty.
    if (seen.size >= 5000) seen.clear();
    seen.set(text, scenario);
  }
  return { success: true, data: { ...around.data, request: { ...around.data.request, scenario } } };
}

/** A job's progress report: the call's events produced since the last one, in order. */
export const JobProgress = z.object({
  events: z.array(z.object({ conversationId: z.string(), index: z.number().int().min(0), event: ConversationEvent })),
});
export type JobProgress = z.infer<typeof JobProgress>;

/**
 * A run's key: its run directory's name, pack and seed. The same run resumed gets the same key,
 * so its jobs (and finished results still in Redis) are found again.
 */
export function runKey(runName: string, packHash: string, seed: number): string {
  const digest = createHash("sha256").update(`${runName}\n${packHash}\n${seed}`).digest("hex").slice(0, 12);
  return `${runName.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 40)}.${digest}`;
}

/** Deterministic: the same call of the same run is one job however often it is added. BullMQ ids may not hold ':'. */
export function jobId(run: string, conversationId: string): string {
  return `${run}/${conversationId.replace(/:/g, "_")}`;
}

/** Job names are the run key, so a run's jobs can be listed and removed without reading their data. */
export const jobName = (run: string): string => run;
