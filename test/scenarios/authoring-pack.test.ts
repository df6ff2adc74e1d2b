import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type LoadedPack, loadPack } from "../../scenarios/index.ts";

// docs/authoring.md builds this pack step by step and quotes it; this file keeps the two in step.
const PACK = "test/fixtures/packs/bike-repair";
const DOC = "docs/authoring.md";

interface Quote {
  /** The pack file the block names on its first line (`# agent.yaml`, `// tools.mts`). */
  file: string;
  body: string;
  line: number;
}

/** Every ```yaml and ```ts block of the doc: each must name the pack file it is quoted from. */
function quotesIn(markdown: string): Quote[] {
  const quotes: Quote[] = [];
  for (const match of markdown.matchAll(/^```(yaml|ts)\n([\s\S]*?)^```$/gm)) {
    const [first = "", ...rest] = (match[2] ?? "").split("\n");
    const named = /^(?:#|\/\/) (?:from )?([\w./-]+\.(?:ya?ml|mts))$/.exec(first.trim());
    quotes.push({ file: named?.[1] ?? `(block without a file name: ${first})`, body: rest.join("\n").replace(/\n$/, ""), line: markdown.slice(0, match.index).split("\n").length });
  }
  return quotes;
}

describe("the authoring walk-through's pack", () => {
  let loaded: LoadedPack;
  beforeAll(async () => {
    loaded = await loadPack(PACK);
  });

  it("loads and validates from pack files alone, with its YAML and TypeScript tools", () => {
    const names = loaded.tools.map((t) => t.name).sort();
    expect(names).toEqual([...loaded.pack.agent.tools].sort());
    expect(names).toEqual(expect.arrayContaining(["find_rider", "list_repairs", "book_repair", "check_zip"]));
    expect(loaded.pack.agent.verification.steps?.some((s) => s.identifies)).toBe(true);
    expect(loaded.pack.scenarios.length).toBeGreaterThanOrEqual(10);
  });

  it("quotes every YAML and TypeScript example verbatim from the pack's files", () => {
    const quotes = quotesIn(readFileSync(DOC, "utf8"));
    expect(quotes.length).toBeGreaterThanOrEqual(10);
    for (const quote of quotes) {
      const path = join(PACK, quote.file);
      expect(existsSync(path), `${DOC}:${quote.line} names ${quote.file}, which is not in ${PACK}`).toBe(true);
      expect(readFileSync(path, "utf8").includes(quote.body), `${DOC}:${quote.line}: the block is not a verbatim part of ${quote.file}`).toBe(true);
    }
  });

  it("catches a quote that drifted from the pack", () => {
    const [quote] = quotesIn("```yaml\n# agent.yaml\n  name: Someone Else\n```\n");
    expect(quote?.file).toBe("agent.yaml");
    expect(readFileSync(join(PACK, "agent.yaml"), "utf8").includes(quote?.body ?? "")).toBe(false);
  });
});
