export { channelSettings, recognise, addDisfluencies, speechDurationMs, bargeIn, dtmf } from "./voice-channel.ts";
export type { ChannelSettings, AsrEdit } from "./voice-channel.ts";
export { buildConversationGraph, callConfigurable, conversationNodes, initialConversationState, pendingToolCalls, DEFAULT_LIMITS, sharedConversationGraph } from "./conversation-graph.ts";
export type {
  ConversationDeps,
  ConversationLimits,
  ConversationNode,
  ConversationNodes,
  ConversationStateValue,
  EventSink,
  CallOptions,
  ConversationGraph,
  LiveEventChunk,
} from "./conversation-graph.ts";
export { simulateConversation, toConversation } from "./simulate-conversation.ts";
export type { SimulatedCall, SimulateOptions, ForkOptions } from "./simulate-conversation.ts";
export { findForkPoints, replyAsItWent } from "./fork-points.ts";
export type { ForkPoint } from "./fork-points.ts";
export { runBatch, candidateItems, conversationId, conversationSeed, flawsFor, totalTokens } from "./batch.ts";
export {
  namesInFixtures,
  runCall,
  callContext,
  CallRequest,
  CallOutcome,
  ForkPlan,
  BackendRecipe,
  SCRIPTED_RECIPE,
  backendsFromRecipe,
  createThreadExecutor,
  defaultWorkerCount,
  voicesimVersion,
  createQueueExecutor,
  startQueueWorker,
  queueStatus,
  cleanQueue,
  connectRedis,
  scrubRedisUrl,
  sharedModelClient,
  QUEUE_NAME,
} from "./dispatch/index.ts";
export type {
  CallContext,
  CallExecutor,
  ThreadExecutorOptions,
  ThreadWorkerSetup,
  QueueExecutor,
  QueueExecutorOptions,
  QueueWorker,
  QueueWorkerOptions,
  QueueStatus,
} from "./dispatch/index.ts";
export type { BatchItem, BatchOptions, BatchProgress, BatchResult, PackForRun } from "./batch.ts";
export { simulate, selectScenarios, newManifest } from "./simulate.ts";
export type { RunnablePack, Backends, SimulateRunOptions, SimulateRunResult } from "./simulate.ts";
export { RunStore, RUN_FILES, readJsonl, parseManifest } from "./run-store.ts";
export { assertSameSettings, settingsDifferences } from "./run-settings.ts";
export { LOCK_FILE } from "./run-dir-lock.ts";
