import { cpSync, existsSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
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
  // Editors complete and check the YAML against this (the files' first line points here).
  writeFileSync(join(target, "pack.schema.json"), `${JSON.stringify(packJsonSchema(), null, 2)}\n`);
  return readdirSync(target, { recursive: true }).map(String).sort();
}
