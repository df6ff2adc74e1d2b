import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { builtinCollections, builtinTools, isToolDefinition, type PackToolKit, packToolKit, type ToolDefinition, toolFromYamlSpec } from "../tools/index.ts";
import { type PackIssue, PackValidationError, VoicesimError } from "./errors.ts";
import { importToolModule } from "./import-tool-module.ts";
import { locatePackFile, unreadable } from "./pack-file.ts";
import { Persona, ScenarioPack } from "./pack-schema.ts";
import { Scenario } from "./scenario-schema.ts";
import { findUnknownKeys } from "./unknown-keys.ts";
import { validatePackReferences } from "./validate-pack.ts";

/** A pack ready to run: parsed, cross-checked, with the tools its agent may call. */
export interface LoadedPack {
  pack: ScenarioPack;
  dir: string;
  /** The YAML files it was read from, pack.yaml first. */
  files: string[];
  /** sha256 over the files' contents: a run records it, a resume checks it. */
  hash: string;
  /** The tools the agent may call: built-ins it names and the pack's own. */
  tools: ToolDefinition[];
}

/**
 * The yaml library's own default, named: past it an alias-heavy document ("billion laughs") is
 * refused before it is expanded, as a pack problem rather than a crash.
 */
const MAX_YAML_ALIASES = 100;

/** Where each part of the merged document came from, so errors name the right file. */
type Origins = Map<string, string>;

/**
 * Reads a pack folder: `pack.yaml` and the files its `include:` lists (merged: mappings by key,
 * lists concatenated), then schema and cross-reference checks. Every problem is collected and
 * thrown together as a PackValidationError, each as `file: path.to.field: message`.
 */
export async function loadPack(dirOrFile: string): Promise<LoadedPack> {
  const dir = resolvePackDir(dirOrFile);
  const issues: PackIssue[] = [];
  const files: string[] = [];
  const origins: Origins = new Map();
  const hash = createHash("sha256");
  const merged: Record<string, unknown> = {};

  /** A YAML file's data, or undefined with its problems in `issues` (`namedAt`: where a read failure is reported). */
  const readYaml = (file: string, namedAt: { file: string; path: string }): unknown => {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      issues.push({ ...namedAt, message: unreadable(relative(dir, file) || file, error) });
      return undefined;
    }
    files.push(file);
    hash.update(`${relative(dir, file)}\n${text}\n`);
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { lineCounter, prettyErrors: false });
    for (const error of doc.errors) {
      const { line, col } = lineCounter.linePos(error.pos[0]);
      issues.push({ file: rel(dir, file), path: `line ${line}:${col}`, message: error.message.split("\n")[0] ?? error.message });
    }
    if (doc.errors.length > 0) return undefined;
    try {
      return doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
    } catch (error) {
      // The yaml library refuses an alias that expands past the cap (a "billion laughs" document).
      if (!(error instanceof ReferenceError)) throw error;
      issues.push({ file: rel(dir, file), path: "", message: `its YAML aliases (*name) expand to more than ${MAX_YAML_ALIASES} nodes; write the values out or use fewer aliases` });
      return undefined;
    }
  };

  const main = join(dir, "pack.yaml");
  const root = readYaml(main, { file: rel(dir, main), path: "" });
  if (root !== undefined && (root === null || typeof root !== "object" || Array.isArray(root))) {
    issues.push({ file: rel(dir, main), path: "", message: "pack.yaml must be a mapping of fields (id, name, agent, ...)" });
  } else if (root) {
    const { include, ...rest } = root as Record<string, unknown>;
    mergeInto(merged, rest, rel(dir, main), origins);
    const includes = include === undefined ? [] : Array.isArray(include) ? include : [include];
    for (const [index, entry] of includes.entries()) {
      if (typeof entry !== "string") {
        issues.push({ file: rel(dir, main), path: `include[${index}]`, message: "an include is a relative file path" });
        continue;
      }
      const where = { file: rel(dir, main), path: `include[${index}]` };
      const found = locatePackFile(dir, entry, "an include");
      if (!found.ok) {
        issues.push({ ...where, message: found.message });
        continue;
      }
      const file = found.file;
      const part = readYaml(file, where);
      if (part === undefined) continue;
      if (!part || typeof part !== "object" || Array.isArray(part)) {
        issues.push({ file: rel(dir, file), path: "", message: "an included file must be a mapping of pack fields (e.g. personas: [...])" });
        continue;
      }
      mergeInto(merged, part as Record<string, unknown>, rel(dir, file), origins);
    }
  }
  if (issues.length > 0 && Object.keys(merged).length === 0) throw new PackValidationError(dir, issues);

  const parsed = ScenarioPack.safeParse(merged);
  issues.push(...unknownKeyIssues(merged, origins, rel(dir, main)));
  if (!parsed.success) {
    issues.push(...zodIssues(parsed.error, origins, rel(dir, main)));
    // Report cross-reference mistakes too: check what does parse, without the broken items.
    const partial = ScenarioPack.safeParse(withoutInvalidItems(merged));
    if (partial.success) {
      // The TypeScript tools too, or every one of them would be reported as unknown beside the real mistake.
      const moduleTools = await loadToolModules(partial.data.toolModules, dir, origins.get("toolModules") ?? rel(dir, main), issues, () => {});
      const yamlTools = [...partial.data.tools.map((t) => t.name), ...moduleTools.map((t) => t.name)];
      issues.push(...validatePackReferences(partial.data, yamlTools).map((issue) => ({ ...issue, file: originOf(issue.path, origins, rel(dir, main)) })));
    }
    throw new PackValidationError(dir, dedupe(issues));
  }
  const pack = parsed.data;

  const moduleTools = await loadToolModules(pack.toolModules, dir, origins.get("toolModules") ?? rel(dir, main), issues, (path, text) => hash.update(`${path}\n${text}\n`));
  const packTools = [...pack.tools.map(toolFromYamlSpec), ...moduleTools];
  issues.push(...validatePackReferences(pack, packTools.map((t) => t.name)).map((issue) => ({ ...issue, file: originOf(issue.path, origins, rel(dir, main)) })));
  if (issues.length > 0) throw new PackValidationError(dir, issues);

  const available = new Map<string, ToolDefinition>([...builtinTools, ...packTools].map((t) => [t.name, t]));
  const tools = pack.agent.tools.map((name) => available.get(name)).filter((t): t is ToolDefinition => t !== undefined);
  return { pack, dir, files, hash: hash.digest("hex"), tools };
}

/** Parses an in-memory pack (tests, scripts) with the same checks as a folder. */
export function parsePack(input: unknown, packTools: readonly ToolDefinition[] = []): { pack: ScenarioPack; tools: ToolDefinition[] } {
  const parsed = ScenarioPack.safeParse(input);
  const unknown = unknownKeyIssues(input, new Map(), "(in memory)");
  if (!parsed.success) throw new PackValidationError("(in memory)", [...unknown, ...zodIssues(parsed.error, new Map(), "(in memory)")]);
  if (unknown.length > 0) throw new PackValidationError("(in memory)", unknown);
  const yamlTools = parsed.data.tools.map(toolFromYamlSpec);
  const all = [...yamlTools, ...packTools];
  const issues = validatePackReferences(parsed.data, all.map((t) => t.name)).map((i) => ({ ...i, file: "(in memory)" }));
  if (issues.length > 0) throw new PackValidationError("(in memory)", issues);
  const available = new Map<string, ToolDefinition>([...builtinTools, ...all].map((t) => [t.name, t]));
  const tools = parsed.data.agent.tools.map((n) => available.get(n)).filter((t): t is ToolDefinition => t !== undefined);
  return { pack: parsed.data, tools };
}

/**
 * The pack with its broken parts patched or left out, so the cross-reference checks can still
 * run and the author sees every mistake in one pass, not one layer at a time.
 */
function withoutInvalidItems(merged: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...merged };
  if (typeof out.id !== "string" || !/^[A-Za-z0-9_.-]+$/.test(out.id)) out.id = "pack";
  const placeholders: Record<string, unknown> = {
    difficulty: "medium",
    traits: { patience: 0.5, verbosity: 0.5, cooperativeness: 0.5, techComfort: 0.5, emotion: "calm" },
    style: {},
    asr: {},
    faultPlan: [],
    complications: [],
    expectations: {},
  };
  const repair = (item: unknown, schema: z.ZodType): unknown => {
    const first = schema.safeParse(item);
    if (first.success || !isPlainObject(item)) return first.success ? item : undefined;
    const patched: Record<string, unknown> = { ...item };
    for (const issue of first.error.issues) {
      const field = String(issue.path[0] ?? "");
      if (field in placeholders) patched[field] = placeholders[field];
    }
    return schema.safeParse(patched).success ? patched : undefined;
  };
  for (const [key, schema] of [["personas", Persona], ["scenarios", Scenario]] as const) {
    const list = Array.isArray(merged[key]) ? (merged[key] as unknown[]) : [];
    out[key] = list.map((item) => repair(item, schema)).filter((item) => item !== undefined);
  }
  return out;
}

function dedupe(issues: PackIssue[]): PackIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.file}|${i.path}|${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function resolvePackDir(dirOrFile: string): string {
  const path = resolve(dirOrFile);
  if (!existsSync(path)) {
    throw new VoicesimError("pack_not_found", `no pack at ${dirOrFile}`, { hint: "give the folder that holds pack.yaml (e.g. scenarios/packs/clinic-booking)" });
  }
  const dir = statSync(path).isDirectory() ? path : dirname(path);
  if (!existsSync(join(dir, "pack.yaml"))) {
    throw new VoicesimError("pack_not_found", `${dirOrFile} has no pack.yaml`, { hint: "create one with `voicesim init <dir>`" });
  }
  if (!statSync(path).isDirectory() && basename(path) !== "pack.yaml") {
    throw new VoicesimError("pack_not_found", `${dirOrFile} is not a pack folder or its pack.yaml`);
  }
  return dir;
}

function rel(dir: string, file: string): string {
  const relativePath = relative(process.cwd(), file);
  return relativePath.startsWith("..") ? relative(dir, file) || file : relativePath;
}

/**
 * Merges an included document: lists are concatenated (personas across files), mappings merged
 * key by key; each top-level key and list item remembers its file for error messages.
 */
function mergeInto(target: Record<string, unknown>, part: Record<string, unknown>, file: string, origins: Origins): void {
  for (const [key, value] of Object.entries(part)) {
    const existing = target[key];
    if (Array.isArray(existing) && Array.isArray(value)) {
      value.forEach((_, i) => origins.set(`${key}[${existing.length + i}]`, file));
      target[key] = [...existing, ...value];
    } else if (isPlainObject(existing) && isPlainObject(value)) {
      for (const sub of Object.keys(value)) origins.set(`${key}.${sub}`, file);
      target[key] = { ...existing, ...value };
    } else {
      if (Array.isArray(value)) value.forEach((_, i) => origins.set(`${key}[${i}]`, file));
      if (isPlainObject(value)) for (const sub of Object.keys(value)) origins.set(`${key}.${sub}`, file);
      origins.set(key, file);
      target[key] = value;
    }
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The file that provided the longest known prefix of a field path. */
function originOf(path: string, origins: Origins, fallback: string): string {
  const parts = path.match(/[^.[\]]+|\[\d+\]/g) ?? [];
  let best = fallback;
  let prefix = "";
  for (const part of parts) {
    prefix = part.startsWith("[") ? `${prefix}${part}` : prefix ? `${prefix}.${part}` : part;
    const file = origins.get(prefix);
    if (file) best = file;
  }
  return best;
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((out, key) => (typeof key === "number" ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), "");
}

/** Keys the pack schema does not know (a misspelt `faultplan:` would otherwise vanish), each with a near miss when there is one. */
function unknownKeyIssues(input: unknown, origins: Origins, fallback: string): PackIssue[] {
  return findUnknownKeys(ScenarioPack, input).map((found) => {
    const path = formatPath(found.path);
    return { file: originOf(formatPath([...found.path, found.key]), origins, fallback), path, message: found.message };
  });
}

function zodIssues(error: z.ZodError, origins: Origins, fallback: string): PackIssue[] {
  return error.issues.map((issue) => {
    const path = formatPath(issue.path);
    // A pack's own collection that happens to share a built-in's name gets the built-in's shape.
    const [root, collection] = issue.path;
    const builtin = root === "fixtures" && typeof collection === "string" && collection in builtinCollections;
    const message = builtin
      ? `${issue.message} (${collection} is a built-in collection with a fixed shape that the built-in tools read; give your own records another name, e.g. shop${collection.charAt(0).toUpperCase()}${collection.slice(1)})`
      : issue.message;
    return { file: originOf(path, origins, fallback), path, message };
  });
}

/** The pack's TypeScript tool modules, imported; each problem is added to `issues` with its file. */
async function loadToolModules(modules: readonly string[], dir: string, file: string, issues: PackIssue[], onLoaded: (path: string, text: string) => void): Promise<ToolDefinition[]> {
  const moduleTools: ToolDefinition[] = [];
  for (const [index, modulePath] of modules.entries()) {
    const where = { file, path: `toolModules[${index}]` };
    const found = locatePackFile(dir, modulePath, "a tool module");
    if (!found.ok) {
      issues.push({ ...where, message: found.message });
      continue;
    }
    // Import the resolved file, not the name: what was checked is what runs.
    const real = found.realFile;
    try {
      const loaded = await importToolModule(real);
      const made = typeof loaded.tools === "function" ? (loaded.tools as (kit: PackToolKit) => unknown)(packToolKit) : loaded.tools;
      const exported = Array.isArray(made) ? made : Object.values(loaded);
      const tools = exported.filter(isToolDefinition);
      if (tools.length === 0) issues.push({ ...where, message: `${modulePath} exports no tools made with defineTool (export function tools(kit) { return [...] })` });
      moduleTools.push(...tools);
      onLoaded(modulePath, readFileSync(real, "utf8"));
    } catch (error) {
      issues.push({ ...where, message: `${modulePath} failed to load: ${error instanceof Error ? error.message : String(error)}` });
    }
  }
  return moduleTools;
}
