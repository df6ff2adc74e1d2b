import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { VoicesimError } from "./errors.ts";
import { packJsonSchema } from "./pack-json-schema.ts";

export const PACK_TEMPLATES = ["booking", "collections"] as const;
export type PackTemplate = (typeof PACK_TEMPLATES)[number];

const templatesDir = join(dirname(fileURLToPath(import.meta.url)), "templates");

/** Writes a small, valid starter pack to `dir` from a template; never overwrites a non-empty folder. */
export function initPack(dir: string, template: PackTemplate): string[] {
  if (!PACK_TEMPLATES.includes(template)) {
    throw new VoicesimError("bad_option", `unknown template ${String(template)}`, { hint: `use one of: ${PACK_TEMPLATES.join(", ")}` });
  }
  const target = resolve(dir);
  if (existsSync(target) && readdirSync(target).length > 0) {
    throw new VoicesimError("run_dir_conflict", `${dir} is not empty`, { hint: "choose a new folder for the pack" });
  }
  cpSync(join(templatesDir, template), target, { recursive: true });
  // Editors complete and check the YAML against this; each file's first line is pointed at it.
  const schemaFile = join(target, "pack.schema.json");
  writeFileSync(schemaFile, `${JSON.stringify(packJsonSchema(), null, 2)}\n`);
  const files = readdirSync(target, { recursive: true }).map(String).sort();
  for (const file of files.filter((f) => /\.ya?ml$/.test(f))) {
    const path = join(target, file);
    writeFileSync(path, pointSchemaAt(readFileSync(path, "utf8"), relative(dirname(path), schemaFile)));
  }
  return files;
}

/** The `$schema` comment rewritten to `schemaPath`: the template's own path is relative to where it lives in this repo. */
function pointSchemaAt(yaml: string, schemaPath: string): string {
  return yaml.replace(SCHEMA_COMMENT, (_, prefix: string) => `${prefix}${schemaPath.split(sep).join("/")}`);
}

/** `# yaml-language-server: $schema=<path>`, the comment editors read. */
const SCHEMA_COMMENT = /^(#\s*yaml-language-server:\s*\$schema=)(\S+)/m;
