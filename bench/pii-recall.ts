// PII recall of the exports: runs the scripted pipeline on packs and audits what it exported.
// `npm run bench:pii` (both shipped packs and the test pharmacy pack), or
// `npm run bench:pii -- <pack dir>... [--scenarios N] [--candidates K] [--seed S]`, or
// `npm run bench:pii -- --run <run dir> <pack dir>` to audit a run that exists.
// Prints one line per pack and writes bench/pii-results.json.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createScriptedAgent, createScriptedCaller } from "../agents/index.ts";
import { auditPii, type PiiAudit, runPipeline } from "../pipeline/index.ts";
import { loadPack } from "../scenarios/index.ts";

export interface PiiBenchOptions {
  scenarios: number;
  candidates: number;
  forks: number;
  seed: number;
}

export interface PiiBenchResult {
  pack: string;
  /** The scratch run directory, to read what was exported. */
  runDir: string;
  scenarios: number;
  sftRows: number;
  preferenceRows: number;
  audit: PiiAudit;
}

/** One small scripted run of a pack into a scratch directory, and the audit of its exports. */
export async function measurePiiRecall(packDir: string, options: PiiBenchOptions): Promise<PiiBenchResult> {
  const loaded = await loadPack(packDir);
  const out = join(mkdtempSync(join(tmpdir(), "voicesim-pii-")), "run");
  const result = await runPipeline(loaded, {
    out,
    seed: options.seed,
    scenarios: options.scenarios,
    candidates: options.candidates,
    forks: options.forks,
    rounds: 1,
    concurrency: 2,
    flawRate: 0.3,
    backends: { caller: createScriptedCaller(), agent: createScriptedAgent() },
    resume: false,
  });
  return { pack: loaded.pack.id, runDir: out, scenarios: options.scenarios, sftRows: result.sftRows, preferenceRows: result.preferenceRows, audit: auditPii(loaded.pack, out) };
}

/** "collections: recall 100.00 % (0 of 47 values leaked), 0 of 162 tool arguments unsupported". */
export function formatPiiResult(result: PiiBenchResult): string {
  const { audit } = result;
  return `${result.pack}: recall ${(audit.recall * 100).toFixed(2)} % (${audit.leakedValues} of ${audit.exposedValues} exposed values leaked), ${audit.unsupported.length} of ${audit.toolArguments} identifier arguments unsupported, ${result.sftRows} SFT rows, ${result.preferenceRows} pairs`;
}

async function main(argv: string[]): Promise<void> {
  const flag = (name: string, fallback: number) => {
    const at = argv.indexOf(`--${name}`);
    return at >= 0 ? Number(argv[at + 1]) : fallback;
  };
  const runAt = argv.indexOf("--run");
  if (runAt >= 0) {
    const runDir = argv[runAt + 1] ?? "";
    const packDir = argv.find((a, i) => i !== runAt + 1 && !a.startsWith("--")) ?? "";
    const { pack } = await loadPack(packDir);
    const audit = auditPii(pack, runDir);
    console.log(JSON.stringify({ recall: audit.recall, exposed: audit.exposedValues, leaked: audit.leaks, toolArguments: audit.toolArguments, unsupported: audit.unsupported }, null, 2));
    return;
  }
  const values = new Set(["--scenarios", "--candidates", "--seed", "--forks"].map((f) => argv.indexOf(f) + 1).filter((i) => i > 0));
  const packs = argv.filter((a, i) => !a.startsWith("--") && !values.has(i));
  const options = { scenarios: flag("scenarios", 12), candidates: flag("candidates", 2), forks: flag("forks", 2), seed: flag("seed", 4) };
  const results: PiiBenchResult[] = [];
  for (const packDir of packs.length ? packs : ["scenarios/packs/clinic-booking", "scenarios/packs/collections", "test/fixtures/packs/pharmacy"]) {
    const result = await measurePiiRecall(packDir, options);
    results.push(result);
    console.log(`${formatPiiResult(result)} [${result.runDir}]`);
    for (const leak of result.audit.leaks.slice(0, 5)) console.log(`  leak ${leak.kind} ${leak.value} in ${leak.file}: ${leak.context}`);
    for (const miss of result.audit.unsupported.slice(0, 5)) console.log(`  unsupported ${miss.tool}(${miss.key}=${miss.value}) in ${miss.file} row ${miss.row}`);
  }
  const summary = results.map((r) => ({
    pack: r.pack,
    options,
    recall: Number(r.audit.recall.toFixed(4)),
    exposedValues: r.audit.exposedValues,
    leakedValues: r.audit.leakedValues,
    toolArguments: r.audit.toolArguments,
    unsupportedArguments: r.audit.unsupported.length,
    sftRows: r.sftRows,
    preferenceRows: r.preferenceRows,
  }));
  writeFileSync("bench/pii-results.json", `${JSON.stringify({ node: process.version, date: new Date().toISOString(), results: summary }, null, 2)}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main(process.argv.slice(2));
