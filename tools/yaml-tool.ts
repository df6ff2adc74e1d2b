import { z } from "zod";
import { defineTool, fail, ok, type ToolDefinition } from "./define-tool.ts";
import type { GenericRecord } from "./fixtures.ts";
import type { ToolRunResult } from "./tool-types.ts";

/** A pack-declared tool whose behaviour runs over a fixture collection (see tools/yaml-tool.ts). */
export const YamlToolSpec = z.object({
  name: z.string().regex(/^[a-z][a-z0-9_]*$/, "tool names are snake_case").describe("The tool's name (snake_case), as `agent.tools`, flow `call:` steps and fault plans name it."),
  description: z.string().min(1).describe("What the tool does, for the model that calls it (the function description in exports)."),
  args: z
    .record(
      z.string(),
      z.object({
        type: z.enum(["string", "number", "integer", "boolean"]).describe("The argument's JSON type."),
        description: z.string().optional().describe("What the argument is, for the model that calls the tool."),
        required: z.boolean().default(true).describe("Whether a call without it is an invalid_arguments error."),
        enum: z.array(z.string()).optional().describe("For string arguments: the only values accepted."),
      }),
    )
    .describe("The tool's arguments by name; a call that does not fit them gets an invalid_arguments error."),
  behaviour: z
    .object({
      kind: z
        .enum(["lookup", "list", "create", "update", "delete"])
        .describe("lookup → `{record}` of the first match or not_found; list → `{records, total}` (at most 20); create → `{record}`; update → `{record}`; delete → `{deleted: id}`."),
      collection: z.string().min(1).describe("The fixture collection the tool reads and changes."),
      match: z
        .record(z.string(), z.string())
        .default({})
        .describe("Argument name → record field that selects records (lookup/list/update/delete), compared trimmed and case-insensitively; an argument left out matches all."),
      set: z.record(z.string(), z.string()).default({}).describe("Argument name → record field written (create/update)."),
      fixed: z
        .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
        .default({})
        .describe("Fixed field values written (create/update), e.g. `status: requested`."),
      unique: z.array(z.string()).default([]).describe("Fields that must be unique on create; a clash is a rule_violation."),
      requireStatus: z
        .object({
          field: z.string().describe("The record field to test, e.g. `status`."),
          equals: z.array(z.string()).min(1).describe("Values it must have for the change to go ahead."),
        })
        .optional()
        .describe("For update/delete: a status the record must have, else rule_violation (\"the record's status is done; it must be booked\")."),
      idPrefix: z.string().default("REC").describe("Prefix of ids a create gives new records (\"REP\" → REP-…)."),
    })
    .describe("What the tool does: one behaviour over one fixture collection, with the rules a simple backend has."),
});
export type YamlToolSpec = z.infer<typeof YamlToolSpec>;

function argSchema(spec: YamlToolSpec["args"][string]): z.ZodType {
  let schema: z.ZodType =
    spec.enum && spec.type === "string"
      ? z.enum(spec.enum as [string, ...string[]])
      : spec.type === "string"
        ? z.string()
        : spec.type === "integer"
          ? z.number().int()
          : spec.type === "number"
            ? z.number()
            : z.boolean();
  if (spec.description) schema = schema.describe(spec.description);
  return spec.required ? schema : schema.optional();
}

/**
 * A tool a pack declares in YAML: one behaviour (look up, list, create, update, delete) over one
 * fixture collection, with the simple rules a CRUD backend has (unique fields, a required
 * status). Enough for a pharmacy refill or a utility-billing lookup without writing code.
 */
export function toolFromYamlSpec(spec: YamlToolSpec): ToolDefinition {
  const shape: Record<string, z.ZodType> = {};
  for (const [name, arg] of Object.entries(spec.args)) shape[name] = argSchema(arg);
  const { behaviour } = spec;
  const selects = (record: GenericRecord, args: Record<string, unknown>) =>
    Object.entries(behaviour.match).every(([arg, field]) => args[arg] === undefined || normalise(record[field]) === normalise(args[arg]));
  const written = (args: Record<string, unknown>) => {
    const out: Record<string, unknown> = { ...behaviour.fixed };
    for (const [arg, field] of Object.entries(behaviour.set)) if (args[arg] !== undefined) out[field] = args[arg];
    return out;
  };
  return defineTool<z.ZodObject, ToolRunResult<unknown>>({
    name: spec.name,
    description: spec.description,
    args: z.object(shape),
    run(rawArgs, ctx): ToolRunResult<unknown> {
      const args = rawArgs as Record<string, unknown>;
      const records = ctx.collection(behaviour.collection);
      const matching = records.filter((r) => selects(r, args));
      switch (behaviour.kind) {
        case "lookup":
          return matching[0] ? ok({ record: matching[0] }) : fail("not_found", `no ${behaviour.collection} record matches`);
        case "list":
          return ok({ records: matching.slice(0, 20), total: matching.length });
        case "create": {
          const record = written(args);
          for (const field of behaviour.unique) {
            // A field the call leaves empty cannot clash (two records without an email are not duplicates).
            if (record[field] === undefined) continue;
            if (records.some((r) => normalise(r[field]) === normalise(record[field]))) {
              return fail("rule_violation", `a ${behaviour.collection} record with this ${field} already exists`);
            }
          }
          const created = { id: ctx.newId(behaviour.idPrefix), ...record, createdAt: ctx.clock.nowIso() } as GenericRecord;
          records.push(created);
          return ok({ record: created });
        }
        case "update":
        case "delete": {
          const target = matching[0];
          if (!target) return fail("not_found", `no ${behaviour.collection} record matches`);
          const rule = behaviour.requireStatus;
          if (rule && !rule.equals.includes(String(target[rule.field]))) {
            return fail("rule_violation", `the record's ${rule.field} is ${String(target[rule.field])}; it must be ${rule.equals.join(" or ")}`);
          }
          if (behaviour.kind === "delete") {
            records.splice(records.indexOf(target), 1);
            return ok({ deleted: target.id });
          }
          Object.assign(target, written(args));
          return ok({ record: target });
        }
      }
    },
  }) as unknown as ToolDefinition;
}

function normalise(value: unknown): string {
  return String(value ?? "").trim().toLowerCase();
}
