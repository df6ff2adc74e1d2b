export { createQueueExecutor } from "./queue-executor.ts";
export type { QueueExecutor, QueueExecutorOptions } from "./queue-executor.ts";
export { startQueueWorker, versionMismatch } from "./queue-worker.ts";
export type { QueueWorker, QueueWorkerOptions } from "./queue-worker.ts";
export { queueStatus, cleanQueue } from "./queue-admin.ts";
export type { QueueStatus } from "./queue-admin.ts";
export { connectRedis, scrubRedisUrl, parseRedisUrl } from "./redis-connection.ts";
export { sharedModelClient } from "./shared-model-client.ts";
export { QUEUE_NAME, jobId, runKey } from "./queue-job.ts";
