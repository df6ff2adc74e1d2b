import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// What a user gets from `npm install voicesim`: the packed tarball installed into a fresh project,
// type-checked by a default `tsc --init` config and run by plain `node` (no tsx, no sources).
const ROOT = resolve(import.meta.dirname, "..");
const TSC = join(ROOT, "node_modules/typescript/bin/tsc");
const run = promisify(execFile);

interface Outcome {
  code: number;
  output: string;
}

// Under `npm test` the environment carries npm_config_local_prefix and the like, which would point a
// child npm at this project instead of the scratch one; children get none of them.
const childEnv = { ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key))), CI: "true", NODE_OPTIONS: "" };

async function exec(command: string, args: string[], cwd: string): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(command, args, { cwd, maxBuffer: 16 * 1024 * 1024, env: childEnv });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === "number" ? failed.code : 1, output: `${failed.stdout ?? ""}${failed.stderr ?? ""}` };
  }
}

async function mustExec(command: string, args: string[], cwd: string): Promise<string> {
  const outcome = await exec(command, args, cwd);
  if (outcome.code !== 0) throw new Error(`${command} ${args.join(" ")} failed in ${cwd}:\n${outcome.output}`);
  return outcome.output;
}

/**
 * The consumer gets a lockfile made from ours (voicesim's non-dev entries, voicesim itself from the
 * tarball), so `npm ci --offline` installs from the npm cache that our own `npm ci` filled: no
 * registry request, and the same dependency versions our tests ran with. (`npm install <tgz>
 * --offline` cannot work: it needs registry metadata that `npm ci` never caches.)
 */
function writeConsumer(dir: string, tarball: string): void {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string; license: string; dependencies: Record<string, string>; engines: Record<string, string> };
  const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, { dev?: boolean }> };
  // A dependency moved from devDependencies in package.json alone keeps its lockfile entries (and
  // its own dependencies') flagged dev, so they would be left out here and the offline install
  // would fail on a registry request (ENOTCACHED) instead of saying what is wrong.
  const staleDev = Object.keys(pkg.dependencies).filter((name) => lock.packages[`node_modules/${name}`]?.dev === true);
  if (staleDev.length > 0) throw new Error(`package-lock.json still marks runtime dependencies as dev (${staleDev.join(", ")}): run \`npm install --package-lock-only\` and commit the lockfile`);
  const spec = `file:${tarball}`;
  const packages: Record<string, unknown> = {
    "": { name: "consumer", version: "1.0.0", dependencies: { voicesim: spec } },
    "node_modules/voicesim": { version: pkg.version, resolved: spec, license: pkg.license, dependencies: pkg.dependencies, bin: { voicesim: "bin/voicesim.mjs" }, engines: pkg.engines },
  };
  for (const [path, entry] of Object.entries(lock.packages)) if (path.startsWith("node_modules/") && !entry.dev) packages[path] = entry;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), `${JSON.stringify({ name: "consumer", version: "1.0.0", private: true, type: "module", dependencies: { voicesim: spec } }, null, 2)}\n`);
  writeFileSync(join(dir, "package-lock.json"), `${JSON.stringify({ name: "consumer", version: "1.0.0", lockfileVersion: 3, requires: true, packages }, null, 2)}\n`);
}

// Type-checked only: it must compile against dist/*.d.ts under a default `tsc --init`.
const TYPED_USE = `import { createScriptedAgent, createScriptedCaller, loadPack, runPipeline, type RunPipelineResult } from "voicesim";

export async function datasetFrom(packDir: string, out: string): Promise<number> {
  const pack = await loadPack(packDir);
  const backends = { caller: createScriptedCaller(), agent: createScriptedAgent() };
  const result: RunPipelineResult = await runPipeline(pack, { out, seed: 1, scenarios: 2, candidates: 1, forks: 0, rounds: 1, concurrency: 2, flawRate: 0, backends, resume: false });
  // @ts-expect-error a field the result does not have: fails to compile if the types were any
  result.noSuchField;
  return result.sftRows;
}
`;

// Run by plain node: the shipped pack, a scaffolded pack with a TypeScript tool module, the viewer page.
const PLAIN_NODE_USE = `import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { createMcpToolBridge, createScriptedAgent, createScriptedCaller, initPack, loadPack, runPipeline, startViewer } from "voicesim";

const [out, scaffold] = process.argv.slice(2);
const root = dirname(createRequire(import.meta.url).resolve("voicesim/package.json"));
const pack = await loadPack(join(root, "dist/scenarios/packs/clinic-booking"));
const backends = { caller: createScriptedCaller(), agent: createScriptedAgent() };
const result = await runPipeline(pack, { out, seed: 1, scenarios: 2, candidates: 1, forks: 0, rounds: 1, concurrency: 2, flawRate: 0, backends, resume: false });
initPack(scaffold, "collections");
const scaffolded = await loadPack(scaffold);
const viewer = await startViewer({ runDir: out, follow: false });
const page = await fetch(viewer.url + "app.js");
const pageBytes = (await page.text()).length;
await viewer.close();
// The MCP SDK is a runtime dependency: a call's tools served from the installed package.
const bridge = createMcpToolBridge({ tools: pack.tools.map((t) => t.openAISchema()) });
const mcpUrl = await bridge.open("c1", async () => ({ ok: true, result: [] }));
const listed = await fetch(mcpUrl, { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }) });
const mcpTools = (await listed.json()).result.tools.length;
await bridge.stop();
const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
console.log(JSON.stringify({ sftRows: result.sftRows, tools: scaffolded.tools.map((t) => t.name), pageStatus: page.status, pageBytes, mcpTools, packTools: pack.tools.length, version: manifest.versions.voicesim }));
`;

describe("the published package", () => {
  let work = "";
  let consumer = "";
  let version = "";
  // Started together once the package is installed (they do not depend on each other), awaited by the tests.
  let typeCheck: Promise<Outcome>;
  let plainRun: Promise<Outcome>;
  let cli: Promise<Outcome>;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "voicesim-pkg-"));
    consumer = join(work, "consumer");
    version = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
    await mustExec("npm", ["run", "build", "--silent"], ROOT);
    // Built just above; prepack would build again.
    await mustExec("npm", ["pack", "--ignore-scripts", "--silent", "--pack-destination", work], ROOT);
    const tarball = join(work, `voicesim-${version}.tgz`);
    writeConsumer(consumer, tarball);
    const install = await exec("npm", ["ci", "--offline", "--ignore-scripts", "--no-audit", "--no-fund"], consumer);
    if (install.code !== 0) throw new Error(`installing the tarball offline failed (run \`npm ci\` in the project first, so the npm cache holds every dependency):\n${install.output}`);
    await mustExec(process.execPath, [TSC, "--init"], consumer);
    writeFileSync(join(consumer, "use-types.ts"), TYPED_USE);
    writeFileSync(join(consumer, "use-plain.mjs"), PLAIN_NODE_USE);
    typeCheck = exec(process.execPath, [TSC, "--noEmit", "-p", "."], consumer);
    plainRun = exec(process.execPath, ["use-plain.mjs", join(work, "run"), join(work, "scaffold")], consumer);
    cli = exec(process.execPath, ["node_modules/voicesim/bin/voicesim.mjs", "validate", "node_modules/voicesim/dist/scenarios/packs/collections"], consumer);
  }, 240_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("ships the built library and the bin, and no TypeScript sources", async () => {
    const installed = join(consumer, "node_modules/voicesim");
    for (const file of ["dist/index.js", "dist/index.d.ts", "dist/viewer/page/index.html", "dist/scenarios/pack.schema.json", "dist/scenarios/templates/collections/tools.mts", "bin/voicesim.mjs"]) {
      expect(existsSync(join(installed, file)), file).toBe(true);
    }
    for (const source of ["index.ts", "cli/main.ts", "scenarios/load-pack.ts"]) expect(existsSync(join(installed, source)), source).toBe(false);
  });

  it("type-checks an import of runPipeline and loadPack under a default tsc --init", async () => {
    const check = await typeCheck;
    expect(check.output).toBe("");
    expect(check.code).toBe(0);
  }, 180_000);

  it("runs a shipped pack to a dataset with plain node, loads a pack's TypeScript tool, serves the viewer page and a call's tools over MCP", async () => {
    const out = join(work, "run");
    const { code, output } = await plainRun;
    expect(code, output).toBe(0);
    const report = JSON.parse(output.trim().split("\n").at(-1) ?? "{}") as { sftRows: number; tools: string[]; pageStatus: number; pageBytes: number; mcpTools: number; packTools: number; version: string };
    expect(report.sftRows).toBeGreaterThan(0);
    expect(readFileSync(join(out, "dataset/sft.jsonl"), "utf8").trim().split("\n")).toHaveLength(report.sftRows);
    expect(report.tools).toContain("get_mailing_address");
    expect(report.pageStatus).toBe(200);
    expect(report.pageBytes).toBeGreaterThan(1000);
    expect(report.mcpTools).toBe(report.packTools);
    expect(report.version).toBe(version);
  }, 180_000);

  it("runs the installed CLI from dist", async () => {
    const validate = await cli;
    expect(validate.code, validate.output).toBe(0);
    expect(validate.output).toMatch(/^collections: valid — /);
  }, 180_000);
});
