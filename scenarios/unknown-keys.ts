import type { z } from "zod";
import { closestName } from "./did-you-mean.ts";

/** A key the schema does not know, where it is, and the message the author reads. */
export interface UnknownKey {
  /** Path of the object that holds the key, as zod writes paths (`["scenarios", 3]`). */
  path: PropertyKey[];
  key: string;
  suggestion?: string;
  message: string;
}

/** The parts of a zod 4 schema definition this walk reads. */
interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  innerType?: z.ZodType;
  in?: z.ZodType;
  getter?: () => z.ZodType;
  options?: z.ZodType[];
  discriminator?: string;
  items?: z.ZodType[];
  rest?: z.ZodType | null;
  left?: z.ZodType;
  right?: z.ZodType;
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;
const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Every key in `value` that `schema` would silently drop. zod objects strip keys they do not
 * know, so a misspelt `faultplan:` in a pack file used to vanish and the scenario ran with no
 * fault plan. The schemas stay as they are for machine data (model output, run files); a pack
 * file, written by hand, goes through this walk. Objects that accept any key (a catchall of
 * `unknown`, e.g. fixture records of a pack's own collections) are left alone.
 */
export function findUnknownKeys(schema: z.ZodType, value: unknown): UnknownKey[] {
  const found: UnknownKey[] = [];
  walk(schema, value, [], found, 0);
  return found;
}

function walk(schema: z.ZodType, value: unknown, path: PropertyKey[], found: UnknownKey[], depth: number): void {
  if (depth > 64 || value === undefined || value === null) return;
  const def = defOf(schema);
  switch (def.type) {
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "readonly":
    case "catch":
    case "nonoptional":
      if (def.innerType) walk(def.innerType, value, path, found, depth + 1);
      return;
    case "pipe":
      if (def.in) walk(def.in, value, path, found, depth + 1);
      return;
    case "lazy":
      if (def.getter) walk(def.getter(), value, path, found, depth + 1);
      return;
    case "array":
      if (Array.isArray(value) && def.element) value.forEach((item, i) => walk(def.element as z.ZodType, item, [...path, i], found, depth + 1));
      return;
    case "tuple":
      if (Array.isArray(value)) {
        value.forEach((item, i) => {
          const itemSchema = def.items?.[i] ?? def.rest ?? undefined;
          if (itemSchema) walk(itemSchema, item, [...path, i], found, depth + 1);
        });
      }
      return;
    case "record":
      if (isPlainObject(value) && def.valueType) {
        for (const [key, item] of Object.entries(value)) walk(def.valueType, item, [...path, key], found, depth + 1);
      }
      return;
    case "intersection":
      if (def.left) walk(def.left, value, path, found, depth + 1);
      return;
    case "union": {
      const option = pickOption(def, value);
      if (option) walk(option, value, path, found, depth + 1);
      return;
    }
    case "object": {
      if (!isPlainObject(value)) return;
      const shape = def.shape ?? {};
      const catchall = def.catchall ? defOf(def.catchall).type : undefined;
      for (const [key, item] of Object.entries(value)) {
        const field = shape[key];
        if (field) walk(field, item, [...path, key], found, depth + 1);
        else if (catchall && catchall !== "never" && def.catchall) {
          if (catchall !== "unknown" && catchall !== "any") walk(def.catchall, item, [...path, key], found, depth + 1);
        } else found.push(unknownKey(path, key, Object.keys(shape), item));
      }
      return;
    }
    default:
      return;
  }
}

/** The union member the value is meant as: by its discriminator, else the first it parses as. */
function pickOption(def: Def, value: unknown): z.ZodType | undefined {
  const options = def.options ?? [];
  if (def.discriminator && isPlainObject(value)) {
    const tag = value[def.discriminator];
    return options.find((option) => {
      const field = defOf(option).shape?.[def.discriminator as string];
      return field?.safeParse(tag).success === true;
    });
  }
  const parsed = options.find((option) => option.safeParse(value).success);
  if (parsed) return parsed;
  // Nothing parses (the parse error says why); an object still gets its keys checked against the only object member.
  const objects = options.filter((option) => defOf(option).type === "object");
  return objects.length === 1 ? objects[0] : undefined;
}

function unknownKey(path: PropertyKey[], key: string, known: readonly string[], value: unknown): UnknownKey {
  const suggestion = closestName(key, known);
  // `{ description: Search, book or cancel }` is three keys in YAML: the text after a comma became a key with no value.
  const isCutText = value === null;
  const message = suggestion
    ? `unknown key "${key}" — did you mean "${suggestion}"?`
    : isCutText
      ? `unknown key "${key}" with no value — a comma inside { } may have cut the text before it; put that text in quotes`
      : `unknown key "${key}"; the keys here are ${known.join(", ") || "none"}`;
  return { path, key, ...(suggestion ? { suggestion } : {}), message };
}
