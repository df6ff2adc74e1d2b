export { channelSettings, recognise, addDisfluencies, speechDurationMs, bargeIn, dtmf } from "./voice-channel.ts";
export type { ChannelSettings, AsrEdit } from "./voice-channel.ts";
export { buildConversationGraph, conversationNodes, initialConversationState, pendingToolCalls, DEFAULT_LIMITS } from "./conversation-graph.ts";
export type {
  ConversationDeps,
  ConversationLimits,
  ConversationNode,
  ConversationNodes,
  ConversationStateValue,
  EventSink,
  GraphOptions,
  LiveEventChunk,
} from "./conversation-graph.ts";
export { simulateConversation, toConversation } from "./simulate-conversation.ts";
export type { SimulatedCall, SimulateOptions, ForkOptions } from "./simulate-conversation.ts";
export { findForkPoints } from "./fork-points.ts";
export type { ForkPoint } from "./fork-points.ts";
export { runBatch, candidateItems, conversationId, conversationSeed, flawsFor, namesInFixtures, totalTokens } from "./batch.ts";
export type { BatchItem, BatchOptions, BatchProgress, BatchResult, PackForRun } from "./batch.ts";
export { simulate, selectScenarios, newManifest } from "./simulate.ts";
export type { RunnablePack, Backends, SimulateRunOptions, SimulateRunResult } from "./simulate.ts";
export { RunStore, RUN_FILES, readJsonl } from "./run-store.ts";
