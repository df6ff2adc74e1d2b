export { CallRequest, CallOutcome, ForkPlan } from "./call-request.ts";
export type { CallExecutor } from "./executor.ts";
export { runCall, callContext, namesInFixtures } from "./run-call.ts";
export type { CallContext, RunCallOptions } from "./run-call.ts";
export { BackendRecipe, SCRIPTED_RECIPE, backendsFromRecipe } from "./backend-recipe.ts";
export { createThreadExecutor } from "./thread-executor.ts";
export type { ThreadExecutorOptions } from "./thread-executor.ts";
export type { ThreadWorkerSetup } from "./thread-messages.ts";
export { defaultWorkerCount } from "./worker-count.ts";
