export {
  Difficulty,
  Goal,
  RefusalTrap,
  Complication,
  ActionRef,
  FinalStateAssertion,
  ActionExpectation,
  Expectations,
  ScenarioClock,
  VoiceOverrides,
  Scenario,
} from "./scenario-schema.ts";
export type { ComplicationKind, ScenarioInput } from "./scenario-schema.ts";
export {
  SlotType,
  SlotSpec,
  ProcedureStep,
  FlowStep,
  FlowValue,
  Intent,
  Phrase,
  PhraseObligation,
  RefusalRule,
  VoiceStyle,
  AgentSpec,
  Persona,
  RubricDimension,
  JudgeSpec,
  GenerationTargets,
  ScenarioPack,
  worldConfig,
} from "./pack-schema.ts";
export type { ScenarioPackInput } from "./pack-schema.ts";
export { EXPRESSION_FUNCTIONS, ExpressionError, evaluateExpression, expressionNames, parseExpression } from "./flow-expression.ts";
export type { ExpressionNode } from "./flow-expression.ts";
export {
  CallerSpeechEvent,
  AgentSpeechEvent,
  ToolCallEvent,
  ToolResultEvent,
  SilenceEvent,
  EndReason,
  EndEvent,
  ConversationEvent,
  WorldChange,
  TokenUsage,
  Timing,
  Conversation,
  ForkedReplies,
  TurnLatency,
} from "./conversation-schema.ts";
export { CheckResult, RubricScore, Score, RejectStage, Reject } from "./score-schema.ts";
export { ScenarioRecord, StageName, Manifest } from "./run-schema.ts";
export { VoicesimError, PackValidationError, formatPackIssue } from "./errors.ts";
export type { PackIssue, VoicesimErrorCode } from "./errors.ts";
export { errnoCode, fileSystemError, makeDirectory, onDisk } from "./file-system-errors.ts";
export { loadPack, parsePack } from "./load-pack.ts";
export type { LoadedPack } from "./load-pack.ts";
export { validatePackReferences, validateScenarioReferences } from "./validate-pack.ts";
export type { ReferenceIssue } from "./validate-pack.ts";
export { packJsonSchema } from "./pack-json-schema.ts";
export { initPack, PACK_TEMPLATES } from "./init-pack.ts";
export type { PackTemplate } from "./init-pack.ts";
export { OpenAIMessage, OpenAISftRow, OpenAIPreferenceRow, TrlMessage, TrlSftRow, TrlPreferenceRow } from "./dataset-schema.ts";
export { editDistance } from "./did-you-mean.ts";
export { redactUrl, secretForms, secretScrubber, secretsInUrl } from "./secrets.ts";
