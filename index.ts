// The library surface: `import { loadPack, simulate } from "voicesim"`.
export { loadPack, parsePack, initPack, packJsonSchema, VoicesimError, PackValidationError } from "./scenarios/index.ts";
export type { LoadedPack, ScenarioPack, Scenario, Conversation, Score, Persona } from "./scenarios/index.ts";
export { defineTool, toolOk, toolFail, ToolWorld, builtinTools, Rng } from "./tools/index.ts";
export type { ToolDefinition, ToolContext, PackToolKit } from "./tools/index.ts";
export { createScriptedAgent, createScriptedCaller } from "./agents/index.ts";
export type { AgentBackend, CallerBackend } from "./agents/index.ts";
export { simulate, simulateConversation, RunStore, createThreadExecutor, defaultWorkerCount, SCRIPTED_RECIPE, createQueueExecutor, startQueueWorker } from "./sim/index.ts";
export type { SimulateRunOptions, SimulateRunResult, BatchProgress, CallExecutor, BackendRecipe, ThreadExecutorOptions, QueueExecutorOptions, QueueWorkerOptions } from "./sim/index.ts";
export { runPipeline, rejudgeRun, judgeConversation, createLLMJudge } from "./pipeline/index.ts";
export type { RunPipelineOptions, RunPipelineResult } from "./pipeline/index.ts";
export { startViewer } from "./viewer/index.ts";
export { createModelClient, createOpenAIAgent, createOpenAICaller } from "./agents/index.ts";
export { createWebSocketAgent, createHttpAgent, createMcpToolBridge, loadAgentDefinition, resolveBackends, AGENT_PROTOCOL } from "./agents/index.ts";
export type { WebSocketAgentOptions, HttpAgentOptions, McpToolBridge } from "./agents/index.ts";
export { compareAgents, compareRunDirs } from "./pipeline/index.ts";
export type { CompareAgentsOptions, CompareRunDirsResult, Comparison } from "./pipeline/index.ts";
