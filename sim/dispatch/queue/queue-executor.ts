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

/** How a job ended, as the queue's events tell it. */
type JobEnd = { ok: true; value: unknown } | { ok: false; reason: string };

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
  type Job = InstanceType<typeof Job>;
  const redis = await connectRedis(options.url);
  const version = options.version ?? voicesimVersion();
  const where = createHash("sha256").update(resolve(options.out)).digest("hex").slice(0, 8);
  const run = runKey(`${basename(resolve(options.out))}-${where}`, options.pack.hash, options.seed);
  await uploadPack(redis, options.pack.dir, options.pack.hash);
  const queue = new Queue(QUEUE_NAME, { connection: redis });
  const events = new QueueEvents(QUEUE_NAME, { connection: redis.duplicate() });
  await events.waitUntilReady();
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
  const jobOptions = { attempts, backoff: { type: "exponential", delay: options.retryDelayMs ?? 1000 }, removeOnComplete: false, removeOnFail: false };

  // Every call waits on one map, fed by one listener per kind of end, rather than on
  // job.waitUntilFinished: that asks Redis once more per call whether the job is finished and
  // adds two listeners per call to a shared emitter. A waiter is in place before its job is added.
  const waiters = new Map<string, (end: JobEnd) => void>();
  const settle = (id: string, end: JobEnd) => {
    const waiter = waiters.get(id);
    waiters.delete(id);
    waiter?.(end);
  };
  events.on("completed", ({ jobId: id, returnvalue }) => settle(id, { ok: true, value: returnvalue }));
  events.on("failed", ({ jobId: id, failedReason }) => settle(id, { ok: false, reason: failedReason }));
  // A job id Redis holds already (a coordinator started again with --resume, a batch asking for a
  // lost call again): finished, its result is collected; failed for good, it gets its tries
  // again; queued or running, its end comes through the events above.
  const reclaim = async (id: string) => {
    try {
      const existing = await Job.fromId(queue, id);
      const state = existing ? await existing.getState() : "unknown";
      if (state === "completed") settle(id, { ok: true, value: existing?.returnvalue });
      else if (state === "failed") await existing?.retry("failed");
    } catch (error) {
      settle(id, { ok: false, reason: `could not read job ${id} back from Redis: ${error instanceof Error ? error.message : String(error)}` });
    }
  };
  events.on("duplicated", ({ jobId: id }) => {
    if (waiters.has(id)) void reclaim(id);
  });
  const ended = (id: string) => new Promise<JobEnd>((resolve) => waiters.set(id, resolve));

  let closed: (end: JobEnd) => void = () => {};
  const closing = new Promise<JobEnd>((resolve) => {
    closed = resolve;
  });
  // Calls asked for in one turn of the event loop go to Redis in one addBulk (one round trip).
  let pending: Array<{ id: string; data: QueueJob; added: (job: Job | Error) => void }> = [];
  const addSoon = (id: string, data: QueueJob) =>
    new Promise<Job | Error>((added) => {
      pending.push({ id, data, added });
      if (pending.length > 1) return;
      setImmediate(() => {
        const batch = pending;
        pending = [];
        queue.addBulk(batch.map(({ id, data }) => ({ name: jobName(run), data, opts: { ...jobOptions, jobId: id } }))).then(
          (jobs) => batch.forEach((entry, i) => entry.added(jobs[i] ?? new Error(`BullMQ added no job ${entry.id}`))),
          (error: unknown) => batch.forEach((entry) => entry.added(error instanceof Error ? error : new Error(String(error)))),
        );
      });
    });

  const addOnce = async (id: string, data: QueueJob): Promise<Job> => {
    const added = await addSoon(id, data);
    if (added instanceof Error) throw added;
    return added;
  };

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
      if (onEvent) watchers.set(id, onEvent);
      const end = ended(id);
      let job: Job;
      try {
        job = await addOnce(id, data);
      } catch (error) {
        waiters.delete(id);
        watchers.delete(id);
        throw error;
      }
      const stopped = new Promise<"aborted">((done) => {
        if (signal?.aborted) done("aborted");
        signal?.addEventListener("abort", () => done("aborted"), { once: true });
      });
      try {
        const result = await Promise.race([end, stopped, closing]);
        if (result === "aborted") {
          waiters.delete(id);
          // Draining: a call no worker has started leaves the queue; one in hand finishes and
          // stays in Redis for --resume to collect.
          const state = await job.getState().catch(() => "unknown");
          if (state === "waiting" || state === "delayed" || state === "prioritized") await job.remove().catch(() => {});
          return { kind: "aborted" };
        }
        const parsed = result.ok ? CallOutcome.safeParse(result.value) : undefined;
        if (parsed?.success) return parsed.data;
        const reason = parsed ? `its result is not a call: ${parsed.error.issues[0]?.message ?? "bad data"}` : (result as { reason: string }).reason;
        if (reason.startsWith("version mismatch")) throw new VoicesimError("version_mismatch", reason, { hint: "install the same voicesim version on the coordinator and every worker" });
        return { kind: "lost", reason: `queued call failed ${attempts} time${attempts === 1 ? "" : "s"}: ${reason}` };
      } finally {
        watchers.delete(id);
      }
    },
    async close() {
      closed({ ok: false, reason: "the coordinator closed its queue connection" });
      await events.close();
      await queue.close();
      redis.disconnect();
    },
  };
}
