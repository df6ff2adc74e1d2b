import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { initPack, loadPack, PackValidationError, packJsonSchema } from "../../scenarios/index.ts";
import { runCli } from "../helpers/run-cli.ts";

const PACKS = ["scenarios/packs/clinic-booking", "scenarios/packs/collections"] as const;
/** Packs written as data only, and the test packs the docs quote: their `$schema` comments must resolve too. */
const SHIPPED_FLOW_PACKS = ["scenarios/packs/internet-support", "scenarios/packs/restaurant-reservations"] as const;
const FIXTURE_PACKS = ["test/fixtures/packs/pharmacy-refill", "test/fixtures/packs/salon", "test/fixtures/packs/bike-repair"] as const;
const FAULT_KINDS = ["timeout", "server_error", "rate_limited", "malformed_result", "partial_result", "empty_result", "slow_response"];

/** Every `$schema=` comment in a pack folder's YAML files, with the file it resolves to. */
function schemaRefs(dir: string): Array<{ file: string; target: string }> {
  const yamlFiles = readdirSync(dir, { recursive: true }).map(String).filter((f) => /\.ya?ml$/.test(f));
  return yamlFiles.flatMap((file) => {
    const match = /\$schema=(\S+)/.exec(readFileSync(join(dir, file), "utf8"));
    return match?.[1] ? [{ file, target: resolve(dirname(join(dir, file)), match[1]) }] : [];
  });
}

async function issuesOf(dir: string) {
  try {
    await loadPack(dir);
  } catch (error) {
    if (error instanceof PackValidationError) return error.issues;
    throw error;
  }
  throw new Error(`${dir} loaded without errors`);
}

describe("shipped packs", () => {
  it.each(PACKS)("%s loads, validates and names the tools its agent uses", async (dir) => {
    const { pack, tools, hash } = await loadPack(dir);
    expect(tools.map((t) => t.name).sort()).toEqual([...pack.agent.tools].sort());
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each(PACKS)("%s covers what a realistic test set needs", async (dir) => {
    const { pack } = await loadPack(dir);
    expect(pack.personas.length).toBeGreaterThanOrEqual(8);
    expect(pack.scenarios.length).toBeGreaterThanOrEqual(15);
    const kinds = new Set(pack.scenarios.flatMap((s) => s.complications.map((c) => c.kind)));
    expect(kinds.has("silence")).toBe(true);
    expect(kinds.has("change_mind") || kinds.has("correction")).toBe(true);
    const faults = new Set(pack.scenarios.flatMap((s) => s.faultPlan.map((f) => f.kind)));
    expect([...faults].sort()).toEqual([...FAULT_KINDS].sort());
    const traps = new Set(pack.scenarios.flatMap((s) => s.complications.flatMap((c) => (c.kind === "refusal_trap" ? [c.trap] : []))));
    for (const rule of pack.agent.refusals) expect(traps, `trap ${rule.trap} is never played`).toContain(rule.trap);
    expect(pack.scenarios.some((s) => s.expectations.handoffExpected)).toBe(true);
    expect(pack.scenarios.some((s) => /tomorrow|next|this|week/i.test(JSON.stringify(s.goal.slots)))).toBe(true);
    for (const intent of pack.agent.intents) {
      const levels = new Set(pack.scenarios.filter((s) => s.goal.intent === intent.id).map((s) => s.difficulty));
      expect(levels.has("easy") && levels.has("hard"), `intent ${intent.id} needs an easy and a hard case`).toBe(true);
    }
  });

  it("includes merge lists from several files, and the pack's YAML and TypeScript tools load", async () => {
    const { pack, tools, files } = await loadPack("scenarios/packs/collections");
    expect(files.length).toBeGreaterThan(3);
    expect(pack.scenarios.map((s) => s.id)).toContain("dispute-easy");
    expect(pack.scenarios.map((s) => s.id)).toContain("balance-easy");
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(["request_hardship_review", "get_mailing_address"]));
  });
});

describe("a pack with mistakes", () => {
  it("gets every mistake listed with its file and field", async () => {
    const issues = await issuesOf("test/fixtures/packs/broken");
    const lines = issues.map((i) => `${i.file}: ${i.path}: ${i.message}`);
    const expected: Array<[string, RegExp]> = [
      ["pack.yaml: include[1]", /no file more\/missing.yaml/],
      ["pack.yaml: id", /ids use/],
      ["more/people.yaml: personas[0].traits.patience", /<=1/],
      ["pack.yaml: scenarios[0].faultPlan[0].kind", /expected one of/],
      ["pack.yaml: scenarios[1].difficulty", /expected one of/],
      ["pack.yaml: agent.tools[2]", /unknown tool book_appointmnet \(did you mean book_appointment\?\)/],
      ["pack.yaml: agent.procedure[0].tool", /teleport/],
      ["pack.yaml: fixtures.slots[0].providerId", /PRV-9/],
      ["pack.yaml: scenarios[0].persona", /unknown persona nobody/],
      ["pack.yaml: scenarios[0].goal.intent", /unknown intent bok/],
      ["pack.yaml: scenarios[0].hiddenFacts.customerId", /CUS-404/],
      ["pack.yaml: scenarios[0].expectations.finalState[0].expect.colour", /no field colour/],
      ["pack.yaml: scenarios[0].expectations.requiredPhrases[0]", /no_such_phrase/],
      ["pack.yaml: generation.difficultyShares", /sum to 1.50/],
    ];
    for (const [where, message] of expected) {
      const line = lines.find((l) => l.includes(where));
      expect(line, `no issue at ${where} in:\n${lines.join("\n")}`).toBeDefined();
      expect(line).toMatch(message);
    }
  });

  it("rejects misspelt keys with a did-you-mean instead of dropping them", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "voicesim-keys-")), "pack");
    cpSync("scenarios/packs/clinic-booking", dir, { recursive: true });
    const file = join(dir, "scenarios/booking.yaml");
    const text = readFileSync(file, "utf8");
    const start = text.indexOf("  - id: book-flu-quiet-caller");
    const end = text.indexOf("\n  - id:", start + 1);
    const misspelt = text.slice(start, end).replace("    faultPlan:", "    faultplan:").replace("    expectations:", "    expectation:");
    writeFileSync(file, text.slice(0, start) + misspelt + text.slice(end));
    const index = (await loadPack("scenarios/packs/clinic-booking")).pack.scenarios.findIndex((s) => s.id === "book-flu-quiet-caller");
    const lines = (await issuesOf(dir)).map((i) => `${i.file}: ${i.path}: ${i.message}`);
    // Outside the working directory, files are named relative to the pack.
    const where = `scenarios/booking.yaml: scenarios[${index}]`;
    expect(lines).toEqual([`${where}: unknown key "faultplan" — did you mean "faultPlan"?`, `${where}: unknown key "expectation" — did you mean "expectations"?`]);
  });

  it("rejects a time zone that is not an IANA name, with the closest name as a hint", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "voicesim-zone-")), "pack");
    cpSync("scenarios/packs/clinic-booking", dir, { recursive: true });
    const file = join(dir, "scenarios/booking.yaml");
    const text = readFileSync(file, "utf8");
    writeFileSync(file, text.replace("timezone: America/Chicago", "timezone: America/Chicgo").replace(/timezone: America\/Chicago(?![\s\S]*timezone: America\/Chicago)/, "timezone: Mars/Olympus_Mons"));
    const lines = (await issuesOf(dir)).map((i) => `${i.file}: ${i.path}: ${i.message}`);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^scenarios\/booking\.yaml: scenarios\[\d+\]\.clock\.timezone: unknown IANA time zone "America\/Chicgo" — did you mean "America\/Chicago"\?$/);
    expect(lines[1]).toMatch(/clock\.timezone: unknown IANA time zone "Mars\/Olympus_Mons" — use a name like Europe\/Paris or America\/Chicago$/);
    const result = runCli(["validate", dir]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('unknown IANA time zone "America/Chicgo"');
    expect(`${result.stdout}${result.stderr}`).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });

  it("reports a YAML syntax error with file and line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "voicesim-pack-"));
    writeFileSync(join(dir, "pack.yaml"), "id: x\nname: [unclosed\n");
    const issues = await issuesOf(dir);
    expect(issues[0]?.file).toMatch(/pack\.yaml$/);
    expect(issues[0]?.path).toMatch(/^line \d+:\d+$/);
  });
});

describe("voicesim validate", () => {
  it("exits 0 with a one-line summary on a valid pack", () => {
    const result = runCli(["validate", "scenarios/packs/clinic-booking"]);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(/^clinic-booking: valid — 9 personas, \d+ scenarios, \d+ intents, \d+ tools/);
  });

  it("exits 1 listing file: path: message lines and no stack trace on a broken pack", () => {
    const result = runCli(["validate", "test/fixtures/packs/broken"]);
    expect(result.code).toBe(1);
    expect(result.stdout.split("\n").filter(Boolean).length).toBeGreaterThanOrEqual(14);
    expect(result.stdout).toMatch(/^test\/fixtures\/packs\/broken\/pack\.yaml: scenarios\[0\]\.persona: unknown persona nobody$/m);
    expect(`${result.stdout}${result.stderr}`).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
  });

  it("says what to do when the folder is not a pack", () => {
    const result = runCli(["validate", "no/such/pack"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no pack at no\/such\/pack/);
    expect(result.stderr).toMatch(/hint:/);
    expect(result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });
});

describe("voicesim init and schema", () => {
  it.each(["booking", "collections"] as const)("init --template %s writes a pack that validates", async (template) => {
    const dir = join(mkdtempSync(join(tmpdir(), "voicesim-init-")), "pack");
    initPack(dir, template);
    const { pack } = await loadPack(dir);
    expect(pack.scenarios.length).toBeGreaterThan(0);
    expect(readFileSync(join(dir, "pack.yaml"), "utf8")).toMatch(/^# yaml-language-server: \$schema=pack\.schema\.json/);
  });

  it.each(["booking", "collections"] as const)("init --template %s points every $schema comment at a file that exists", (template) => {
    const dir = join(mkdtempSync(join(tmpdir(), "voicesim-init-")), "pack");
    initPack(dir, template);
    const refs = schemaRefs(dir);
    expect(refs.length).toBeGreaterThanOrEqual(5);
    for (const { file, target } of refs) expect(existsSync(target), `${file} points at ${target}`).toBe(true);
    // Every file points at the one schema init wrote, and that schema is today's, not a stale copy.
    expect(new Set(refs.map((r) => r.target))).toEqual(new Set([join(dir, "pack.schema.json")]));
    expect(JSON.parse(readFileSync(join(dir, "pack.schema.json"), "utf8"))).toEqual(packJsonSchema());
  });

  it.each([...PACKS, ...SHIPPED_FLOW_PACKS, ...FIXTURE_PACKS, "scenarios/templates/booking", "scenarios/templates/collections"])("%s points every $schema comment at a file that exists", (dir) => {
    for (const { file, target } of schemaRefs(dir)) expect(existsSync(target), `${file} points at ${target}`).toBe(true);
  });

  it("refuses to overwrite a folder that is not empty", () => {
    const result = runCli(["init", "scenarios/packs/clinic-booking"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/is not empty/);
  });

  it("prints the pack JSON Schema, and the shipped copy is current", () => {
    const result = runCli(["schema"]);
    expect(result.code).toBe(0);
    const schema = JSON.parse(result.stdout) as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(["agent", "personas", "scenarios", "fixtures", "include"]));
    expect(JSON.parse(readFileSync("scenarios/pack.schema.json", "utf8"))).toEqual(packJsonSchema());
  });
});
