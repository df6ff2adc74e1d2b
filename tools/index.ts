export { Rng, hashToSeed } from "./rng.ts";
export { SimClock } from "./clock.ts";
export { FaultKind, FaultRule, FaultPlan } from "./fault-plan.ts";
export {
  Fixtures,
  ToolsConfig,
  GenericRecord,
  builtinCollections,
  CustomerRecord,
  AccountRecord,
  ProviderRecord,
  ServiceRecord,
  SlotRecord,
  AppointmentRecord,
  PaymentMethodRecord,
  PaymentRecord,
  PaymentPlanRecord,
  PromiseToPayRecord,
  DisputeRecord,
  NoteRecord,
  HandoffRecord,
} from "./fixtures.ts";
export type { BuiltinCollectionName, FixturesInput } from "./fixtures.ts";
export { ToolErrorCode, ToolError, ToolOutcome, ToolCallRecord, WorldSession, WorldSnapshot } from "./tool-types.ts";
export type { ToolContext, ToolRunResult, OpenAIFunctionTool, WorldConfig } from "./tool-types.ts";
export { defineTool, isToolDefinition, ok as toolOk, fail as toolFail } from "./define-tool.ts";
export type { ToolDefinition, ToolSpec, PackToolKit } from "./define-tool.ts";
export { packToolKit } from "./define-tool.ts";
export { ToolWorld } from "./world.ts";
export type { WorldOptions, CreateWorldOptions, RecordChange } from "./world.ts";
export { builtinTools, builtinToolNames } from "./builtin/index.ts";
export { YamlToolSpec, toolFromYamlSpec } from "./yaml-tool.ts";
