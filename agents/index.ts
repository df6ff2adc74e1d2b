export type {
  JsonValue,
  CallerView,
  CallerTurn,
  CallerBackend,
  AgentView,
  ToolCallRequest,
  AgentAction,
  AgentStep,
  AgentBackend,
  AgentCallReport,
  AgentFlaw,
} from "./agent-types.ts";
export { AGENT_FLAWS } from "./agent-types.ts";
export type { ChatMessage, ModelToolCall, ChatRequest, ChatResponse, ModelClient } from "./model/model-client.ts";
export { createScriptedAgent } from "./scripted-agent.ts";
export {
  parseDateRequest,
  parseClockTime,
  parseYesNo,
  parseDob,
  parsePhone,
  parseMoney,
  parseCount,
  matchChoice,
  parseName,
} from "./slot-filling/parse.ts";
export type { DateRequest } from "./slot-filling/parse.ts";
export { normaliseSpokenNumbers, parseDigitString } from "./slot-filling/spoken-numbers.ts";
export { parseDate, parseTime, parseNumber, dropNegated } from "./slot-filling/parse.ts";
export { parseDigits, digitRuns, keptDigitTokens, STRICT_DIGITS, WEAK_DIGITS } from "./slot-filling/spoken-numbers.ts";
export type { ScriptedAgentOptions } from "./scripted-agent.ts";
export { speakNumber, speakMoney, speakDate, speakTime, speakDateTime, speakDigits } from "./slot-filling/speak.ts";
export { createScriptedCaller } from "./scripted-caller.ts";
export { createModelClient, ModelCallError } from "./model/openai-model-client.ts";
export type { ModelClientOptions, ModelErrorKind } from "./model/openai-model-client.ts";
export { ResponseCache } from "./model/response-cache.ts";
export { createOpenAIAgent } from "./openai/openai-agent.ts";
export { createOpenAICaller } from "./openai/openai-caller.ts";
export { agentSystemPrompt } from "./openai/agent-prompt.ts";
export { AGENT_NOTES, eventsToAgentMessages } from "./openai/events-to-messages.ts";
export { CALL_CONNECTED_NOTE, chatToolCallId } from "./openai/chat-shape.ts";
export { addUsage, countTokens, noUsage, scriptedUsage } from "./model/tokens.ts";
export { isTracingRequested } from "./model/tracing.ts";
export { limitWords as limitWordsForVoice } from "./agent/turn.ts";
export { parseBackendSpec, resolveBackends } from "./backends.ts";
export type { BackendSpec, ResolveBackendsOptions, ScriptedFactories, ResolvedBackends } from "./backends.ts";
export { isLoopbackUrl } from "./model/openai-model-client.ts";
export { redactUrl, secretScrubber } from "../scenarios/index.ts";
export { callerSystemPrompt } from "./openai/caller-prompt.ts";
export { callerMessages } from "./openai/openai-caller.ts";
export type { OpenAIAgentOptions } from "./openai/openai-agent.ts";
export type { OpenAICallerOptions } from "./openai/openai-caller.ts";
export { createWebSocketAgent } from "./external/ws-agent.ts";
export type { WebSocketAgentOptions } from "./external/ws-agent.ts";
export { createHttpAgent } from "./external/http-agent.ts";
export type { HttpAgentOptions } from "./external/http-agent.ts";
export { AGENT_PROTOCOL, AgentFrame, ServerFrame, HeardEvent, parseAgentFrame } from "./external/protocol.ts";
export { HttpAgentRequest, HttpAgentAnswer } from "./external/http-protocol.ts";
export { loadAgentDefinition, AgentFile, AgentDefinition } from "./external/agent-file.ts";
export type { LoadedAgentDefinition } from "./external/agent-file.ts";
export type { McpToolBridge, McpToolCallHandler } from "./external/mcp-bridge.ts";
export { probeAgentEndpoint } from "./external/probe-endpoint.ts";
export { shownUrl } from "./external/shown-url.ts";
export { createMcpToolBridge } from "./external/mcp-tool-bridge.ts";
export type { McpToolBridgeOptions } from "./external/mcp-tool-bridge.ts";
export { valueAt } from "./agent/flow-template.ts";
