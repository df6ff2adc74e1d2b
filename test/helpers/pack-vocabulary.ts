import { readFileSync } from "node:fs";
import type { LoadedPack } from "../../scenarios/index.ts";

/**
 * Words that name a pack's domain, from its YAML: tool names, intent ids, trap kinds, domain
 * keywords and the fixture collections it fills. Generic code must not know any of them.
 */
export function engineVocabulary(loaded: LoadedPack): string[] {
  const pack = loaded.pack;
  const collections = Object.entries(pack.fixtures as Record<string, unknown[]>)
    .filter(([, records]) => records.length > 0)
    .map(([name]) => name);
  const words = [
    ...pack.agent.tools,
    ...pack.tools.map((t) => t.name),
    ...loaded.tools.map((t) => t.name),
    ...pack.agent.intents.map((i) => i.id),
    ...pack.agent.refusals.map((r) => r.trap),
    ...pack.domainKeywords,
    ...collections,
  ];
  return [...new Set(words.map((w) => w.toLowerCase()))].sort();
}

/**
 * Words a listener would take for this pack's business: its organisation, agent, domain
 * keywords and the names in its fixtures (providers, creditors, medications...).
 */
export function wordingVocabulary(loaded: LoadedPack): string[] {
  const pack = loaded.pack;
  const names: string[] = [];
  for (const records of Object.values(pack.fixtures as Record<string, Array<Record<string, unknown>>>)) {
    for (const record of records) {
      for (const field of ["name", "creditor", "carrier"]) if (typeof record[field] === "string") names.push(record[field] as string);
    }
  }
  const words = [pack.agent.organization, pack.agent.name, ...pack.domainKeywords, ...names];
  return [...new Set(words.map((w) => w.toLowerCase()))].filter((w) => w.length >= 4).sort();
}

/** All of a pack's own text (its YAML and tool modules), lower case: a word in it belongs to the pack. */
export function packText(loaded: LoadedPack): string {
  const files = [...loaded.files, ...loaded.pack.toolModules.map((m) => `${loaded.dir}/${m}`)];
  return files.map((file) => readFileSync(file, "utf8")).join("\n").toLowerCase();
}

/** Whether `text` has `word` as a whole word (or words). */
export function hasWord(text: string, word: string): boolean {
  const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/\s+/g, "\\s+");
  return new RegExp(`(?<![A-Za-z0-9_])${escaped}(?![A-Za-z0-9_])`, "i").test(text);
}
