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
  AgentFlaw,
} from "./agent-types.ts";
export { AGENT_FLAWS } from "./agent-types.ts";
export type { ChatMessage, ModelToolCall, ChatRequest, ChatResponse, ModelClient } from "./model/model-client.ts";
