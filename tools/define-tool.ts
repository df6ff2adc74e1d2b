import { z } from "zod";
import type { OpenAIFunctionTool, ToolContext, ToolError, ToolRunResult } from "./tool-types.ts";

/**
 * A tool declared once: its zod argument schema both validates calls and yields the OpenAI
 * function schema the model sees, so the two can never disagree.
 */
export interface ToolDefinition<A extends z.ZodObject = z.ZodObject, R = unknown> {
  readonly kind: "voicesim.tool";
  readonly name: string;
  readonly description: string;
  readonly args: A;
  /** Optional schema of the ok result; the world treats a result that breaks it as a tool bug. */
  readonly result?: z.ZodType;
  run(args: z.infer<A>, ctx: ToolContext): ToolRunResult<R>;
  openAISchema(): OpenAIFunctionTool;
  /** Validates raw arguments as a real API would: bad input is an error answer, not an exception. */
  parseArgs(raw: unknown): { ok: true; args: z.infer<A> } | { ok: false; error: ToolError };
}

/**
 * `T` is whatever `run` returns, so a tool whose answers differ in shape (found / not found, a known
 * outage / a new ticket) type-checks as the union of them without an annotation.
 */
export interface ToolSpec<A extends z.ZodObject, T extends ToolRunResult<unknown>> {
  name: string;
  description: string;
  args: A;
  result?: z.ZodType;
  run(args: z.infer<A>, ctx: ToolContext): T;
}

/** The ok result type of a tool's answers. */
type ResultOf<T> = T extends { ok: true; result: infer R } ? R : never;

export function defineTool<A extends z.ZodObject, T extends ToolRunResult<unknown>>(spec: ToolSpec<A, T>): ToolDefinition<A, ResultOf<T>> {
  let schema: OpenAIFunctionTool | undefined;
  return {
    kind: "voicesim.tool",
    name: spec.name,
    description: spec.description,
    args: spec.args,
    ...(spec.result ? { result: spec.result } : {}),
    run: spec.run as ToolDefinition<A, ResultOf<T>>["run"],
    openAISchema() {
      if (!schema) {
        const { $schema: _drop, ...parameters } = z.toJSONSchema(spec.args, { io: "input" }) as Record<string, unknown>;
        // Unknown keys are stripped by zod anyway; saying so tells the model not to invent any.
        schema = {
          type: "function",
          function: { name: spec.name, description: spec.description, parameters: { ...parameters, additionalProperties: false } },
        };
      }
      return schema;
    },
    parseArgs(raw) {
      const parsed = spec.args.safeParse(raw ?? {});
      if (parsed.success) return { ok: true, args: parsed.data };
      const issues = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(arguments)"}: ${issue.message}`);
      return {
        ok: false,
        error: { code: "invalid_arguments", message: `invalid arguments for ${spec.name}: ${issues.join("; ")}`, issues, retryable: false },
      };
    },
  };
}

/** True for values made by `defineTool` (how the pack loader recognises a TS module's tools). */
export function isToolDefinition(value: unknown): value is ToolDefinition {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { kind?: unknown }).kind === "voicesim.tool" &&
    typeof (value as { name?: unknown }).name === "string" &&
    typeof (value as { run?: unknown }).run === "function" &&
    typeof (value as { parseArgs?: unknown }).parseArgs === "function" &&
    typeof (value as { openAISchema?: unknown }).openAISchema === "function"
  );
}

/** Shorthands for tool answers. */
export const ok = <R>(result: R): ToolRunResult<R> => ({ ok: true, result });
export const fail = (code: ToolError["code"], message: string): ToolRunResult<never> => ({
  ok: false,
  error: { code, message, retryable: false },
});

/** What a pack's TypeScript tool module receives: `export function tools(kit) { return [...] }`. */
export interface PackToolKit {
  defineTool: typeof defineTool;
  toolOk: typeof ok;
  toolFail: typeof fail;
  z: typeof z;
}

export const packToolKit: PackToolKit = { defineTool, toolOk: ok, toolFail: fail, z };
