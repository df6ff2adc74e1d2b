import { z } from "zod";
import { ScenarioPack } from "./pack-schema.ts";

/**
 * The JSON Schema of a pack file, generated from the zod schema (the one source of truth), on
 * the input side so editors accept what the loader accepts, defaults and all. Packs are split
 * over several files, so no field is marked required here: the loader checks completeness.
 */
export function packJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ScenarioPack, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  delete schema.required;
  const properties = (schema.properties ?? {}) as Record<string, unknown>;
  properties.include = { type: "array", items: { type: "string" }, description: "YAML files merged into this one (lists concatenate)" };
  return { ...schema, title: "voicesim scenario pack", properties };
}
