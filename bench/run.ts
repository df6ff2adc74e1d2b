// Benchmarks, run with `npm run bench` (add `-- --quick` for a smaller run). Every figure is warm
// (a warm-up pass runs first and is not counted) and comes with CPU time (process.cpuUsage) and the
// machine's load (os.loadavg) beside wall time: on a shared machine wall time alone says little.
// The pretend model runs in a child process, so CPU figures are the client's alone. Results are
// printed and written to bench/results.json; README's figures come from here.
import { mkdtempSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createScriptedAgent, createScriptedCaller } from "../agents/index.ts";
import { nearDuplicateGroups } from "../pipeline/index.ts";
import { loadPack } from "../scenarios/index.ts";
import { defaultWorkerCount, type RunnablePack, simulate } from "../sim/index.ts";
import { startModelProcess } from "./fake-model.ts";
import { voicesimModelCalls, voicesimThreadedModelCalls } from "./model-calls.ts";
import { measureGraphOverhead, type OverheadResult } from "./graph-overhead.ts";
import { fixed, measure } from "./measure.ts";
import { describeMemory, simulatePeakRss } from "./memory.ts";
import { bareChatOpenAILoop, isOpenevalsInstalled, openevalsSimulation, type PeerRun } from "./peers.ts";

const quick = process.argv.includes("--quick");
const ANSWER_DELAY_S = 0.2;

// 1. Scripted calls: the engine alone.
async function scriptedThroughput(loaded: RunnablePack, calls: number) {
  const run = (count: number) =>
    simulate(loaded, {
      out: mkdtempSync(join(tmpdir(), "voicesim-bench-")),
      perScenario: Math.ceil(count / loaded.pack.scenarios.length),
      concurrency: 4,
      seed: 1,
      backends: { caller: createScriptedCaller(), agent: createScriptedAgent() },
      flawRate: 0.2,
      resume: false,
    });
  await run(40);
  const { value, ...m } = await measure(() => run(calls));
  const done = value.batch.total;
  return {
    pack: loaded.pack.id,
    calls: done,
    ...m,
    callsPerMinute: fixed((done / m.wallS) * 60, 0),
    cpuMsPerCall: fixed(m.cpuMs / done, 2),
    cpuPerWall: fixed(m.cpuMs / 1000 / m.wallS, 2),
  };
}

// 3. Model-bound calls: voicesim's LLM agent and caller, then the peers, on one pretend model.
interface ModelFigure {
  system: string;
  concurrency: number;
  conversations: number;
  requests: number;
  wallS: number;
  load: number;
  /** Measured throughput over the ideal one (every request waits exactly the model's 200 ms). */
  shareOfIdeal: number;
  cpuMsPerRequest: number;
}

async function modelFigure(system: string, concurrency: number, conversations: number, run: (n: number) => Promise<PeerRun>): Promise<ModelFigure> {
  await run(Math.min(16, conversations));
  const { value, ...m } = await measure(() => run(conversations));
  const idealS = (value.requests / value.conversations) * ANSWER_DELAY_S * Math.ceil(value.conversations / concurrency);
  return {
    system,
    concurrency,
    conversations: value.conversations,
    requests: value.requests,
    wallS: fixed(m.wallS, 2),
    load: fixed(m.load, 1),
    shareOfIdeal: fixed((100 * idealS) / m.wallS, 0),
    cpuMsPerRequest: fixed(m.cpuMs / value.requests, 2),
  };
}

// 5. MinHash grouping with one large group.
function minhashOneGroup(size: number) {
  const base = "thanks for calling how can i help i would like to check my balance please sure what is your phone number";
  const texts = Array.from({ length: size }, (_, i) => (i % 10 === 0 ? `${base} call ${i}` : base));
  const started = performance.now();
  const groups = nearDuplicateGroups(texts, { threshold: 0.8 });
  return { texts: size, largestGroup: Math.max(...groups.map((g) => g.length)), seconds: fixed((performance.now() - started) / 1000, 2) };
}

const collections = await loadPack("scenarios/packs/collections");
const clinic = await loadPack("scenarios/packs/clinic-booking");
const loadAtStart = loadavg().map((l) => fixed(l, 1));
console.log(`node ${process.version}, ${cpus().length} cores, load ${loadAtStart.join(" ")}${quick ? " (quick)" : ""}`);

const scripted = [];
for (const loaded of [collections, clinic]) {
  const figure = await scriptedThroughput(loaded, quick ? 120 : 400);
  scripted.push(figure);
  console.log(
    `scripted ${figure.pack}: ${figure.calls} calls, ${figure.callsPerMinute} calls/min wall, ${figure.cpuMsPerCall} ms CPU per call, CPU/wall ${figure.cpuPerWall}, load ${fixed(figure.load)}`,
  );
}

const overhead: OverheadResult[] = [];
for (const pack of ["collections", "clinic-booking"]) {
  const result = await measureGraphOverhead(`scenarios/packs/${pack}`, quick ? 60 : 150, quick ? 3 : 5);
  overhead.push(result);
  console.log(
    `graph vs plain loop ${result.pack}: ${result.graphCpuMs} vs ${result.plainCpuMs} ms CPU per call = ${result.ratio}x (forkable ${result.forkableCpuMs} ms), median of ${result.rounds} interleaved rounds, load ${fixed(loadavg()[0] ?? 0)}`,
  );
}

const model: ModelFigure[] = [];
const workers = defaultWorkerCount();
const THREADED = `voicesim --workers ${workers}`;
const modelProcess = await startModelProcess();
const { baseUrl } = modelProcess;
try {
  for (const concurrency of quick ? [32] : [32, 128, 256]) {
    const conversations = Math.max(64, 2 * concurrency);
    // One process is what `voicesim run` does with model backends by default, and the
    // like-for-like line beside the peers; the threaded run is `--workers N`.
    const threaded = voicesimThreadedModelCalls(collections, baseUrl, concurrency, workers);
    const runs: Array<[string, (n: number) => Promise<PeerRun>]> = [
      ["voicesim", (n) => voicesimModelCalls(collections, baseUrl, n, concurrency)],
      [THREADED, (n) => threaded.run(n)],
      ["bare ChatOpenAI loop", (n) => bareChatOpenAILoop(baseUrl, n, concurrency)],
    ];
    if (isOpenevalsInstalled()) runs.push(["openevals", (n) => openevalsSimulation(baseUrl, n, concurrency)]);
    else console.log("openevals: not installed (npm run bench:peers installs it in bench/peers/)");
    try {
      for (const [system, run] of runs) {
        const figure = await modelFigure(system, concurrency, conversations, run);
        model.push(figure);
        console.log(
          `model 200 ms, concurrency ${concurrency}, ${system}: ${figure.conversations} conversations, ${figure.requests} requests in ${figure.wallS}s = ${figure.shareOfIdeal}% of ideal, ${figure.cpuMsPerRequest} ms CPU per request, load ${figure.load}`,
        );
      }
    } finally {
      await threaded.close();
    }
    for (const ours of model.filter((f) => f.system.startsWith("voicesim") && f.concurrency === concurrency)) {
      for (const peer of model.filter((f) => !f.system.startsWith("voicesim") && f.concurrency === concurrency)) {
        console.log(`  ${ours.system} / ${peer.system}: share of ideal ${fixed(ours.shareOfIdeal / peer.shareOfIdeal, 2)}x, CPU per request ${fixed(ours.cpuMsPerRequest / peer.cpuMsPerRequest, 2)}x`);
      }
    }
  }
} finally {
  modelProcess.stop();
}

const minhash = minhashOneGroup(quick ? 10_000 : 50_000);
console.log(`minhash: ${minhash.texts} texts, one group of ${minhash.largestGroup}, ${minhash.seconds}s`);

// 7. Peak memory at 10× the calls (each size in a process of its own).
const memory = await simulatePeakRss(quick ? [10, 100] : [53, 527]);
console.log(describeMemory(memory));

const loadAtEnd = loadavg().map((l) => fixed(l, 1));
console.log(`load at the end ${loadAtEnd.join(" ")} (1, 5, 15 min; ${cpus().length} cores)`);
if (!quick) {
  writeFileSync(
    "bench/results.json",
    `${JSON.stringify({ node: process.version, cores: cpus().length, date: new Date().toISOString(), loadAtStart, loadAtEnd, scripted, overhead, model, minhash }, null, 2)}\n`,
  );
}
