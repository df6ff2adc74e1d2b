// `npm run bench:judge`: the judge against its labelled defect suite on both shipped packs.
// Clean calls come from an offline run at flaw rate 0; each gets defective copies (one defect
// each) and meaning-preserving paraphrases. Prints recall per class, precision and false rejects,
// and writes bench/judge-results.json.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createScriptedAgent, createScriptedCaller } from "../agents/index.ts";
import { programmaticChecks, runPipeline } from "../pipeline/index.ts";
import { Conversation, loadPack, type Scenario, ScenarioRecord } from "../scenarios/index.ts";
import { DEFECT_CLASSES, type LabelledCall, makeDefects, scoreSuite } from "./judge-defects.ts";

/** Clean calls of a pack (flaw rate 0) with their scenarios, and their labelled copies. */
export async function labelledSuite(packDir: string, options: { scenarios?: number; seed?: number; rounds?: number; candidates?: number } = {}) {
  const loaded = await loadPack(packDir);
  const out = join(mkdtempSync(join(tmpdir(), "voicesim-judge-")), "run");
  await runPipeline(loaded, {
    out,
    seed: options.seed ?? 1,
    scenarios: options.scenarios ?? 24,
    candidates: options.candidates ?? 2,
    forks: 0,
    rounds: options.rounds ?? 2,
    concurrency: 2,
    flawRate: 0,
    backends: { caller: createScriptedCaller(), agent: createScriptedAgent() },
    resume: false,
  });
  const lines = (file: string) => readFileSync(join(out, file), "utf8").trim().split("\n").map((l) => JSON.parse(l) as unknown);
  const scenarios = new Map(lines("scenarios.jsonl").map((r) => ScenarioRecord.parse(r)).map((r) => [r.scenario.id, r.scenario]));
  const items: Array<{ call: LabelledCall; scenario: Scenario; pack: typeof loaded.pack }> = [];
  for (const raw of lines("conversations.jsonl")) {
    const conversation = Conversation.parse(raw);
    const scenario = scenarios.get(conversation.scenarioId);
    if (!scenario || conversation.status !== "completed") continue;
    // Clean: the call did everything its own scenario asked (the scenario's labels, not the judge's).
    const outcome = programmaticChecks({ conversation, scenario, pack: loaded.pack }).filter((c) => /^(final_state|required_action|completed|required_phrase|forbidden_|order|handoff)/.test(c.id));
    if (!outcome.every((c) => c.passed)) continue;
    items.push({ call: { label: "clean", note: "as simulated", conversation }, scenario, pack: loaded.pack });
    for (const call of makeDefects(conversation, scenario, loaded.pack)) items.push({ call, scenario, pack: loaded.pack });
  }
  return items;
}

const isMain = process.argv[1]?.endsWith("judge.ts");
if (isMain) {
  const all = [];
  // Every shipped pack, and two packs written as pack files only (domains the judge was not tuned on).
  const packs = [...readdirSync("scenarios/packs").map((p) => `scenarios/packs/${p}`), "test/fixtures/packs/pharmacy-refill", "test/fixtures/packs/salon"];
  const perPack: Record<string, unknown> = {};
  for (const pack of packs) {
    const items = await labelledSuite(pack);
    all.push(...items);
    const own = scoreSuite(items);
    perPack[pack] = { copies: items.length, precision: own.precision, cleanFalseRejects: own.clean.rate, paraphraseFalseRejects: own.paraphrase.rate, lowestRecall: Math.min(...Object.values(own.perClass).map((c) => c.recall)) };
    console.log(`${pack}: ${items.length} copies, precision ${(own.precision * 100).toFixed(1)} %, false rejects clean ${own.clean.rejected}/${own.clean.total}, paraphrases ${own.paraphrase.rejected}/${own.paraphrase.total}`);
  }
  const result = scoreSuite(all);
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  console.log(`labelled copies: ${all.length}`);
  for (const name of DEFECT_CLASSES) {
    const entry = result.perClass[name];
    if (!entry) {
      console.log(`${name.padEnd(28)} (no copies)`);
      continue;
    }
    console.log(`${name.padEnd(28)} ${String(entry.rejected).padStart(4)}/${String(entry.total).padEnd(4)} recall ${pct(entry.recall)}`);
    for (const miss of entry.misses.slice(0, process.env.VERBOSE ? 5 : 0)) console.log(`    missed ${miss}`);
  }
  console.log(`precision ${pct(result.precision)}`);
  console.log(`false rejects: clean ${result.clean.rejected}/${result.clean.total} (${pct(result.clean.rate)}), paraphrases ${result.paraphrase.rejected}/${result.paraphrase.total} (${pct(result.paraphrase.rate)})`);
  for (const example of [...result.clean.examples, ...result.paraphrase.examples].slice(0, process.env.VERBOSE ? 16 : 0)) console.log(`    ${example}`);
  writeFileSync("bench/judge-results.json", `${JSON.stringify({ copies: all.length, perPack, ...result }, null, 2)}\n`);
}
