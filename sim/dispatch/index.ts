export { CallRequest, CallOutcome, ForkPlan } from "./call-request.ts";
export type { CallExecutor } from "./executor.ts";
export { runCall, callContext, namesInFixtures } from "./run-call.ts";
export type { CallContext, RunCallOptions } from "./run-call.ts";
export { BackendRecipe, SCRIPTED_RECIPE, backendsFromRecipe } from "./backend-recipe.ts";
export { createThreadExecutor } from "./thread-executor.ts";
export type { ThreadExecutorOptions } from "./thread-executor.ts";
export type { ThreadWorkerSetup } from "./thread-messages.ts";
export { defaultWorkerCount } from "./worker-count.ts";
export { voicesimVersion } from "./version.ts";
export {
  createQueueExecutor,
  startQueueWorker,
  queueStatus,
  cleanQueue,
  connectRedis,
  scrubRedisUrl,
  sharedModelClient,
  QUEUE_NAME,
} from "./queue/index.ts";
export type { QueueExecutor, QueueExecutorOptions, QueueWorker, QueueWorkerOptions, QueueStatus } from "./queue/index.ts";
