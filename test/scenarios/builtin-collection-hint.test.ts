import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadPack, PackValidationError } from "../../scenarios/index.ts";

describe("a pack collection named like a built-in one", () => {
  it("says the name is taken by a built-in shape and how to keep the pack's own", async () => {
    const dir = mkdtempSync(join(tmpdir(), "voicesim-builtin-"));
    const yaml = readFileSync("test/fixtures/packs/salon/pack.yaml", "utf8").replace("fixtures:\n", 'fixtures:\n  customers:\n    - { id: C1, name: Ann Lee, phone: "5550001111" }\n');
    writeFileSync(join(dir, "pack.yaml"), yaml);
    const error = await loadPack(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PackValidationError);
    const lines = (error as PackValidationError).issues.map((issue) => `${issue.path}: ${issue.message}`);
    expect(lines).toContainEqual(expect.stringMatching(/^fixtures\.customers\[0\]\.dob: .*customers is a built-in collection .* another name, e\.g\. shopCustomers/));
  });
});

describe("a pack with a schema mistake and TypeScript tools", () => {
  it("lists the mistake, not every TypeScript tool as unknown", async () => {
    const dir = mkdtempSync(join(tmpdir(), "voicesim-ts-tools-"));
    cpSync("test/fixtures/packs/bike-repair", dir, { recursive: true });
    const personas = join(dir, "personas.yaml");
    writeFileSync(personas, readFileSync(personas, "utf8").replace("emotion: calm", "emotion: neutral"));
    const error = await loadPack(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PackValidationError);
    const lines = (error as PackValidationError).issues.map((issue) => `${issue.file} ${issue.path}: ${issue.message}`);
    expect(lines).toContainEqual(expect.stringMatching(/^personas\.yaml personas\[0\]\.traits\.emotion: /));
    expect(lines.filter((line) => /unknown tool/.test(line))).toEqual([]);
  });
});
