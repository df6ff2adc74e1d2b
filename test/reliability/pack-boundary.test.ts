import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadPack, type PackIssue, PackValidationError } from "../../scenarios/index.ts";

// A pack is something people download and share; `voicesim validate` imports its tool modules.
// These packs sit beside a sibling folder whose name starts with the pack's own (`pack-evil` next
// to `pack`), the case a bare `startsWith(dir)` let through.

/** A tool module that leaves a file beside itself when it is imported, so a test can tell it ran. */
const EVIL_MODULE = `import { writeFileSync } from "node:fs";
writeFileSync(new URL("./ran", import.meta.url), "this module ran");
export function tools() { return []; }
`;
const EVIL_PERSONAS = `personas:
  - id: smuggled-in
    name: Eve Outside
    description: A persona from a file beside the pack.
    traits: { patience: 0.5, verbosity: 0.5, cooperativeness: 0.5, techComfort: 0.5, emotion: calm }
    style: {}
    asr: {}
`;

/** A copy of the collections pack (it has a TypeScript tool module) at <tmp>/pack, with <tmp>/pack-evil beside it. */
function packBesideEvil() {
  const root = mkdtempSync(join(tmpdir(), "voicesim-boundary-"));
  const dir = join(root, "pack");
  const evil = join(root, "pack-evil");
  cpSync("scenarios/packs/collections", dir, { recursive: true });
  mkdirSync(evil);
  writeFileSync(join(evil, "evil.mts"), EVIL_MODULE);
  writeFileSync(join(evil, "x.yaml"), EVIL_PERSONAS);
  return { dir, evil, packYaml: join(dir, "pack.yaml") };
}

function edit(file: string, from: string | RegExp, to: string): void {
  const text = readFileSync(file, "utf8");
  const changed = text.replace(from, to);
  if (changed === text) throw new Error(`${from} not found in ${file}`);
  writeFileSync(file, changed);
}

/** The issues loadPack reports, or a failure naming what it did instead (loaded, or crashed). */
async function issuesOf(dir: string): Promise<readonly PackIssue[]> {
  try {
    await loadPack(dir);
  } catch (error) {
    if (error instanceof PackValidationError) return error.issues;
    throw new Error(`loadPack crashed instead of listing the problem: ${error instanceof Error ? error.message : String(error)}`);
  }
  throw new Error(`${dir} loaded without errors`);
}

const at = (issues: readonly PackIssue[], file: string, path: string) => issues.find((i) => i.file.endsWith(file) && i.path === path);

describe("the pack folder is a boundary", () => {
  it("refuses an include in a sibling folder whose name starts with the pack's (../pack-evil/x.yaml), or given by absolute path", async () => {
    const { dir, evil, packYaml } = packBesideEvil();
    edit(packYaml, /^include:\n/m, `include:\n  - ../pack-evil/x.yaml\n  - ${join(evil, "x.yaml")}\n`);
    const issues = await issuesOf(dir);
    expect(at(issues, "pack.yaml", "include[0]")?.message).toMatch(/\.\.\/pack-evil\/x\.yaml is outside the pack folder/);
    expect(at(issues, "pack.yaml", "include[1]")?.message).toMatch(/pack-evil\/x\.yaml is outside the pack folder/);
    expect(issues.some((i) => i.file.includes("pack-evil"))).toBe(false);
  });

  it("never imports a tool module outside the pack (../pack-evil/evil.mts)", async () => {
    const { dir, evil, packYaml } = packBesideEvil();
    edit(packYaml, "toolModules: [tools.mts]", "toolModules: [tools.mts, ../pack-evil/evil.mts]");
    const issues = await issuesOf(dir);
    expect(existsSync(join(evil, "ran"))).toBe(false);
    expect(at(issues, "pack.yaml", "toolModules[1]")?.message).toMatch(/outside the pack folder/);
  });

  it("refuses a tool module and an include that are symlinks pointing out of the pack", async () => {
    const { dir, evil, packYaml } = packBesideEvil();
    symlinkSync(join(evil, "evil.mts"), join(dir, "helpers.mts"));
    symlinkSync(evil, join(dir, "shared"));
    edit(packYaml, "toolModules: [tools.mts]", "toolModules: [tools.mts, helpers.mts]");
    edit(packYaml, /^include:\n/m, "include:\n  - shared/x.yaml\n");
    const issues = await issuesOf(dir);
    expect(existsSync(join(evil, "ran"))).toBe(false);
    expect(at(issues, "pack.yaml", "toolModules[1]")?.message).toMatch(/helpers\.mts leads through a symlink to .*pack-evil.*outside the pack folder/);
    expect(at(issues, "pack.yaml", "include[0]")?.message).toMatch(/shared\/x\.yaml leads through a symlink .*outside the pack folder/);
  });

  it("still follows a symlink that stays inside the pack", async () => {
    const { dir } = packBesideEvil();
    mkdirSync(join(dir, "common"));
    renameSync(join(dir, "personas.yaml"), join(dir, "common", "personas.yaml"));
    symlinkSync(join("common", "personas.yaml"), join(dir, "personas.yaml"));
    const { pack } = await loadPack(dir);
    expect(pack.personas.map((p) => p.id)).toContain("rosa-hardship");
  });
});

describe("hostile or mistaken pack files are pack problems, not crashes", () => {
  it("lists a YAML alias bomb as a problem of its file", async () => {
    const { dir, packYaml } = packBesideEvil();
    const levels = Array.from({ length: 8 }, (_, i) => `l${i + 1}: &l${i + 1} [${Array(10).fill(`*l${i}`).join(", ")}]`);
    writeFileSync(packYaml, `${readFileSync(packYaml, "utf8")}\nl0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n${levels.join("\n")}\n`);
    const issues = await issuesOf(dir);
    expect(at(issues, "pack.yaml", "")?.message).toMatch(/aliases .* expand to more than 100 nodes/);
  });

  it("lists an include that is a folder", async () => {
    const { dir, packYaml } = packBesideEvil();
    edit(packYaml, /^include:\n/m, "include:\n  - scenarios\n");
    expect(at(await issuesOf(dir), "pack.yaml", "include[0]")?.message).toMatch(/scenarios is a folder, not a file/);
  });

  it("lists a pack.yaml that is a folder", async () => {
    const dir = mkdtempSync(join(tmpdir(), "voicesim-boundary-"));
    mkdirSync(join(dir, "pack.yaml"));
    expect(at(await issuesOf(dir), "pack.yaml", "")?.message).toMatch(/pack\.yaml is a folder, not a file/);
  });
});
