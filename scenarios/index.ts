export * from "./scenario-schema.ts";
export * from "./pack-schema.ts";
export * from "./conversation-schema.ts";
export * from "./score-schema.ts";
export { VoicesimError, PackValidationError, formatPackIssue } from './errors.ts'; export type { PackIssue, VoicesimErrorCode } from './errors.ts';
export * from "./run-schema.ts";
