import { QUEUE_NAME, KEY_PREFIX } from "./queue-job.ts";
import { connectRedis } from "./redis-connection.ts";

const STATES = ["waiting", "active", "delayed", "prioritized", "completed", "failed"] as const;
type JobState = (typeof STATES)[number];

export interface QueueStatus {
  workers: number;
  /** Jobs per run key and state. */
  runs: Array<{ run: string; counts: Record<JobState, number> }>;
}

const zeroCounts = (): Record<JobState, number> => ({ waiting: 0, active: 0, delayed: 0, prioritized: 0, completed: 0, failed: 0 });

/** `voicesim queue status`: connected workers, and each run's jobs by state. */
export async function queueStatus(url: string): Promise<QueueStatus> {
  const { Queue } = await import("bullmq");
  const redis = await connectRedis(url);
  const queue = new Queue(QUEUE_NAME, { connection: redis });
  try {
    const runs = new Map<string, Record<JobState, number>>();
    for (const state of STATES) {
      for (const job of await queue.getJobs(state)) {
        if (!job) continue;
        const counts = runs.get(job.name) ?? zeroCounts();
        counts[state]++;
        runs.set(job.name, counts);
      }
    }
    return { workers: await queue.getWorkersCount(), runs: [...runs].sort(([a], [b]) => a.localeCompare(b)).map(([run, counts]) => ({ run, counts })) };
  } finally {
    await queue.close();
    redis.disconnect();
  }
}

/**
 * `voicesim queue clean`: removes one run's jobs (finished results included), or with `all`
 * every job, the uploaded packs and the shared response cache. Returns how many jobs went.
 */
export async function cleanQueue(url: string, target: { run: string } | { all: true }): Promise<number> {
  const { Queue } = await import("bullmq");
  const redis = await connectRedis(url);
  const queue = new Queue(QUEUE_NAME, { connection: redis });
  try {
    if ("all" in target) {
      const counts = await queue.getJobCounts(...STATES);
      await queue.obliterate({ force: true });
      let cursor = "0";
      do {
        const [next, keys] = await redis.scan(cursor, "MATCH", `${KEY_PREFIX}:*`, "COUNT", 500);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== "0");
      return Object.values(counts).reduce((sum, n) => sum + n, 0);
    }
    let removed = 0;
    for (const state of STATES) {
      for (const job of await queue.getJobs(state)) {
        if (job?.name !== target.run) continue;
        // An active job is locked by its worker; it finishes and is cleaned next time.
        if (await job.remove().then(() => true, () => false)) removed++;
      }
    }
    return removed;
  } finally {
    await queue.close();
    redis.disconnect();
  }
}
