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
export { speakNumber, speakMoney, speakDate, speakTime, speakDateTime, speakDigits } from "./slot-filling/speak.ts";
export { createScriptedCaller } from "./scripted-caller.ts";
