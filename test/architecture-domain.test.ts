import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type LoadedPack, loadPack } from "../scenarios/index.ts";
import { engineVocabulary, hasWord } from "./helpers/pack-vocabulary.ts";

const ROOT = resolve(import.meta.dirname, "..");
const PACKS = readdirSync(join(ROOT, "scenarios/packs")).sort();

/**
 * Words a pack uses that are engine or plain English vocabulary, not a domain's: intent slots
 * and tool-world collections, a flaw id, and the generic hand-off, note and hang-up tools.
 */
const GENERIC = new Set(["account", "accounts", "customers", "pay", "payment", "plan", "slots", "collection", "service", "connection", "hours", "party", "table", "skip_verification", "end_call", "transfer_to_human", "add_note"]);

/**
 * Domain words generic code still holds, by file: the caller's readings of an agent's words, and
 * the judge's built-in checks. The list may only shrink: a file or word not on it fails, so no new
 * domain knowledge enters the engine.
 */
const LEGACY: Record<string, readonly string[]> = {
  "agents/slot-filling/spoken-numbers.ts": ["owe"],
  "pipeline/critique/scripted-critic.ts": ["balance"],
  "pipeline/generate/scripted-generator.ts": ["book", "services"],
  "sim/voice/word-lists.ts": ["balance", "bill", "cancel", "owe"],
  // The pseudonymiser's field-shape rules: numeric fields that are never identifiers (a balance, an
  // instalment), id fields named for a person, "Bill" among first names that are also words, and
  // "owe" heard for "oh" in spoken digits. Generic English, but on the list so it cannot grow.
  "pipeline/filter/pii-audit.ts": ["bill"],
  "pipeline/filter/pii-catalog.ts": ["balance", "installment", "patient", "subscriber"],
  "pipeline/filter/pii.ts": ["balance", "bill", "installment"],
};

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith(".ts")) out.push(path);
  }
  return out;
}

/** Code without its comments: a comment may give a domain example, code may not act on one. */
function code(file: string): string {
  return readFileSync(file, "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
}

describe("no domain words in generic code", () => {
  let vocabulary: string[];
  beforeAll(async () => {
    const loaded: LoadedPack[] = await Promise.all(PACKS.map((name) => loadPack(join(ROOT, "scenarios/packs", name))));
    vocabulary = [...new Set(loaded.flatMap(engineVocabulary))].filter((w) => !GENERIC.has(w)).sort();
  });

  it("derives a vocabulary from the shipped packs' YAML", () => {
    expect(vocabulary.length).toBeGreaterThan(30);
  });

  it("agents/, sim/ and pipeline/ name no shipped pack's tools, intents, traps, keywords or collections beyond the shrinking legacy list", () => {
    const found: Record<string, string[]> = {};
    for (const layer of ["agents", "sim", "pipeline"]) {
      for (const file of sourceFiles(join(ROOT, layer))) {
        const text = code(file);
        const words = vocabulary.filter((word) => hasWord(text, word));
        if (words.length > 0) found[relative(ROOT, file)] = words;
      }
    }
    if (process.env.PRINT_DOMAIN_WORDS) writeFileSync(process.env.PRINT_DOMAIN_WORDS, JSON.stringify(found, null, 1));
    const stale = Object.entries(LEGACY).flatMap(([file, words]) => words.filter((w) => !(found[file] ?? []).includes(w)).map((w) => `${file}: ${w}`));
    // Cleaned up: take it off the list so it cannot come back.
    expect(stale, "no longer used; remove from LEGACY").toEqual([]);
    const unexpected = Object.entries(found).flatMap(([file, words]) => words.filter((w) => !(LEGACY[file] ?? []).includes(w)).map((w) => `${file}: ${w}`));
    expect(unexpected).toEqual([]);
  });
});
