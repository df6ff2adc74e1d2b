import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

// The layer order of DESIGN.md: a folder may import only from folders to its right.
const LAYERS = ["cli", "viewer", "pipeline", "sim", "agents", "scenarios", "tools"] as const;
const ALLOWED: Record<string, readonly string[]> = {
  cli: ["viewer", "pipeline", "sim", "agents", "scenarios", "tools"],
  viewer: ["pipeline", "sim", "agents", "scenarios", "tools"],
  pipeline: ["sim", "agents", "scenarios", "tools"],
  sim: ["agents", "scenarios", "tools"],
  agents: ["scenarios", "tools"],
  scenarios: ["tools"],
  tools: [],
};
const ROOT = resolve(import.meta.dirname, "..");

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name === "node_modules" || name === "packs" || name === "templates") continue;
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith(".ts")) out.push(path);
  }
  return out;
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specifiers = [...text.matchAll(/(?:import|export)\s[^;]*?from\s+["']([^"']+)["']/g)].map((m) => m[1] ?? "");
  return specifiers.filter((s) => s.startsWith("."));
}

const layerOf = (file: string) => relative(ROOT, file).split(/[\\/]/)[0] ?? "";

describe("architecture", () => {
  const files = LAYERS.flatMap((layer) => {
    try {
      return sourceFiles(join(ROOT, layer));
    } catch {
      return [];
    }
  });

  it("imports only point down the layer order and across folders only through index.ts", () => {
    const violations: string[] = [];
    for (const file of files) {
      const from = layerOf(file);
      for (const spec of importsOf(file)) {
        const target = resolve(dirname(file), spec);
        const to = layerOf(target);
        if (to === from) continue;
        if (!(ALLOWED[from] ?? []).includes(to)) violations.push(`${relative(ROOT, file)} imports ${spec} (${from} → ${to})`);
        else if (relative(join(ROOT, to), target) !== "index.ts") violations.push(`${relative(ROOT, file)} imports ${spec}: go through ${to}/index.ts`);
      }
    }
    expect(violations).toEqual([]);
  });

  it("has no import cycles between modules", () => {
    const graph = new Map<string, string[]>();
    for (const file of files) graph.set(file, importsOf(file).map((s) => resolve(dirname(file), s)));
    const state = new Map<string, "visiting" | "done">();
    const cycles: string[] = [];
    const visit = (node: string, path: string[]) => {
      if (state.get(node) === "done") return;
      if (state.get(node) === "visiting") {
        cycles.push([...path.slice(path.indexOf(node)), node].map((f) => relative(ROOT, f)).join(" → "));
        return;
      }
      state.set(node, "visiting");
      for (const next of graph.get(node) ?? []) visit(next, [...path, node]);
      state.set(node, "done");
    };
    for (const file of graph.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });
});
