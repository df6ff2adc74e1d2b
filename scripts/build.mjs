#!/usr/bin/env node
// `npm run build`: the library as JavaScript and .d.ts in dist/, laid out like the source tree,
// plus every file the library reads at run time (viewer page, pack templates, shipped packs,
// pack.schema.json) copied to the same place beside the compiled modules, so the paths those
// modules build from import.meta.url hold in dist exactly as in the source.
import { execFileSync } from "node:child_process";
import { cpSync, readdirSync, rmSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const SOURCE_DIRS = ["tools", "scenarios", "agents", "sim", "pipeline", "viewer", "cli"];
// Folders that are data, copied whole: their .ts/.mts files are a pack's own tool modules, not ours to compile.
const DATA_DIRS = new Set(["scenarios/packs", "scenarios/templates"]);

rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", join(root, "tsconfig.build.json")], { stdio: "inherit", cwd: root });

let copied = 0;
const copyAssets = (dir) => {
  for (const name of readdirSync(join(root, dir))) {
    const rel = join(dir, name);
    if (DATA_DIRS.has(rel)) {
      cpSync(join(root, rel), join(dist, rel), { recursive: true });
      copied++;
    } else if (statSync(join(root, rel)).isDirectory()) copyAssets(rel);
    else if (!name.endsWith(".ts")) {
      cpSync(join(root, rel), join(dist, rel));
      copied++;
    }
  }
};
for (const dir of SOURCE_DIRS) copyAssets(dir);
console.log(`dist/: compiled with tsconfig.build.json, ${copied} asset files and folders copied (${relative(process.cwd(), dist) || "."})`);
