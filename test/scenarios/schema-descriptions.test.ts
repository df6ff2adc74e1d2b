import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { packJsonSchema } from "../../scenarios/pack-json-schema.ts";

interface PropertyDoc {
  path: string;
  description: unknown;
}

/** Every named property anywhere in a JSON Schema (nested objects, items, unions, maps), with its description. */
function propertiesOf(node: unknown, path = ""): PropertyDoc[] {
  if (Array.isArray(node)) return node.flatMap((child, i) => propertiesOf(child, `${path}[${i}]`));
  if (typeof node !== "object" || node === null) return [];
  const found: PropertyDoc[] = [];
  const record = node as Record<string, unknown>;
  const properties = record.properties;
  if (typeof properties === "object" && properties !== null) {
    for (const [name, schema] of Object.entries(properties)) {
      found.push({ path: `${path}.${name}`, description: (schema as Record<string, unknown>).description });
      found.push(...propertiesOf(schema, `${path}.${name}`));
    }
  }
  for (const [key, child] of Object.entries(record)) if (key !== "properties") found.push(...propertiesOf(child, `${path}/${key}`));
  return found;
}

/** A description an editor can show: a few words, not a placeholder. */
const isHelpful = (description: unknown) => typeof description === "string" && description.trim().split(/\s+/).length >= 3;

describe("pack JSON Schema descriptions", () => {
  const schema = packJsonSchema();

  it("describes every property of every pack file field in a few words, so editors explain each key", () => {
    const properties = propertiesOf(schema);
    // Guard against a walker that finds nothing: the pack schema has hundreds of fields.
    expect(properties.length).toBeGreaterThan(300);
    const undocumented = properties.filter((p) => !isHelpful(p.description)).map((p) => p.path);
    expect(undocumented, `add .describe("…") to these fields, then run: npx voicesim schema > scenarios/pack.schema.json`).toEqual([]);
  });

  it("finds a property without a description (the guard can fail)", () => {
    const withGap = { type: "object", properties: { a: { type: "string", description: "a described field" }, b: { type: "object", properties: { c: { type: "number" } } } } };
    expect(propertiesOf(withGap).filter((p) => !isHelpful(p.description)).map((p) => p.path)).toEqual([".b", ".b.c"]);
  });

  it("ships the descriptions in scenarios/pack.schema.json", () => {
    const shipped = JSON.parse(readFileSync("scenarios/pack.schema.json", "utf8")) as unknown;
    expect(propertiesOf(shipped).filter((p) => !isHelpful(p.description)).map((p) => p.path)).toEqual([]);
  });
});
