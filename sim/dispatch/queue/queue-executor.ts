import { createHash } from "node:crypto";
import { basename, resolve } from "node:path";
import { VoicesimError } from "../../../scenarios/index.ts";
import type { BackendRecipe } from "../backend-recipe.ts";
import { CallOutcome, type CallRequest } from "../call-request.ts";
import type { CallExecutor } from "../executor.ts";
import { voicesimVersion } from "../version.ts";
import { uploadPack } from "./pack-bundle.ts";
import type { LiveEventChunk } from "../../conversation-graph.ts";
import { JobProgress, jobId, jobName, QUEUE_NAME, type QueueJob, runKey } from "./queue-job.ts";
import { connectRedis, scrubRedisUrl } from "./redis-connection.ts";

export interface QueueExecutorOptions {
  url: string;
  /** The run directory: with the pack and seed it names the run's jobs, so --resume finds them. */
  out: string;
  seed: number;
  pack: { dir: string; hash: string };
  backends: BackendRecipe;
  /** Jobs this coordinator keeps queued or running at once (workers set their own concurrency). */
  inFlight?: number;
  /** Tries per call before it goes to the reject pile (a worker killed mid-call does not count). */
  attempts?: number;
  /** First wait before a failed call is tried again (doubles each time); default 1 s. */
  retryDelayMs?: number;
  /** Model requests per minute across all workers (0: no limit). */
  requestsPerMinute?: number;
  /** Model tokens per minute across all workers (0: no limit). */
  tokensPerMinute?: number;
  version?: string;
}

export interface QueueExecutor extends CallExecutor {
  /** This run's key in the queue (`voicesim queue status|clean`). */
  readonly runKey: string;
}

/**
 * The coordinator's side of `--queue`: each call becomes a BullMQ job with a deterministic id,
 * workers anywhere run it, and its result comes back here, where the batch writes it in canonical
 * order. A job already finished in Redis (a coordinator killed and resumed) is not run again.
 */
export async function createQueueExecutor(options: QueueExecutorOptions): Promise<QueueExecutor> {
  const { Queue, QueueEvents, Job } = await import("bullmq");
  const redis = await connectRedis(options.url);
  const version = options.version ?? voicesimVersion();
  const where = createHash("sha256").update(resolve(options.out)).digest("hex").slice(0, 8);
  const run = runKey(`${basename(resolve(options.out))}-${where}`, options.pack.hash, options.seed);
  await uploadPack(redis, options.pack.dir, options.pack.hash);
  const queue = new Queue(QUEUE_NAME, { connection: redis });
  const events = new QueueEvents(QUEUE_NAME, { connection: redis.duplicate() });
  await events.waitUntilReady();
  // Every call in flight waits on these two; that many listeners is the design, not a leak.
  queue.setMaxListeners(0);
  events.setMaxListeners(0);
  // Calls shown live (--view): a worker reports their events as job progress, on the same
  // stream as the job's completion, so a call's events come before its result.
  const watchers = new Map<string, (chunk: LiveEventChunk) => void>();
  events.on("progress", ({ jobId: id, data }) => {
    const watcher = watchers.get(id);
    const progress = watcher ? JobProgress.safeParse(data) : undefined;
    if (watcher && progress?.success) for (const chunk of progress.data.events) watcher(chunk);
  });
  const { cacheDir: _local, ...backends } = options.backends;
  const attempts = Math.max(1, options.attempts ?? 3);

  return {
    runKey: run,
    description: `queue ${scrubRedisUrl(options.url)} (run ${run})`,
    capacity: Math.max(1, options.inFlight ?? 1000),
    async run(request: CallRequest, { signal, onEvent }) {
      const data: QueueJob = {
        version,
        run,
        packHash: options.pack.hash,
        backends,
        requestsPerMinute: options.requestsPerMinute ?? 0,
        tokensPerMinute: options.tokensPerMinute ?? 0,
        request,
        wantsEvents: onEvent !== undefined,
      };
      const id = jobId(run, request.conversationId);
      // A call that failed for good in an earlier attempt at this run gets its tries again.
      const earlier = await Job.fromId(queue, id);
      if (earlier && (await earlier.getState()) === "failed") await earlier.retry("failed");
      if (onEvent) watchers.set(id, onEvent);
      const job = await queue.add(jobName(run), data, {
        jobId: id,
        attempts,
        backoff: { type: "exponential", delay: options.retryDelayMs ?? 1000 },
        removeOnComplete: false,
        removeOnFail: false,
      }).catch((error: unknown) => {
        watchers.delete(id);
        throw error;
      });
      const finished = job.waitUntilFinished(events);
      finished.catch(() => {});
      const stopped = new Promise<"aborted">((done) => {
        if (signal?.aborted) done("aborted");
        signal?.addEventListener("abort", () => done("aborted"), { once: true });
      });
      try {
        const result = await Promise.race([finished, stopped]);
        if (result === "aborted") {
          // Draining: a call no worker has started leaves the queue; one in hand finishes and
          // stays in Redis for --resume to collect.
          const state = await job.getState().catch(() => "unknown");
          if (state === "waiting" || state === "delayed" || state === "prioritized") await job.remove().catch(() => {});
          return { kind: "aborted" };
        }
        return CallOutcome.parse(result);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        if (reason.startsWith("version mismatch")) throw new VoicesimError("version_mismatch", reason, { hint: "install the same voicesim version on the coordinator and every worker" });
        return { kind: "lost", reason: `queued call failed ${attempts} time${attempts === 1 ? "" : "s"}: ${reason}` };
      } finally {
        watchers.delete(id);
      }
    },
    async close() {
      await events.close();
      await queue.close();
      redis.disconnect();
    },
  };
}
