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
  return closeObjects({ ...schema, title: "voicesim scenario pack", properties }) as Record<string, unknown>;
}

/**
 * Editors flag a key the loader would reject: every object with named properties and no rule of
 * its own for other keys gets `additionalProperties: false` (the loader's unknown-key check).
 */
function closeObjects(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(closeObjects);
  if (typeof node !== "object" || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) out[key] = closeObjects(value);
  if (out.type === "object" && typeof out.properties === "object" && !("additionalProperties" in out)) out.additionalProperties = false;
  return out;
}
