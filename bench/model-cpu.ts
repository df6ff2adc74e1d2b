// Client CPU per model request, voicesim's LLM agent and caller against a bare ChatOpenAI loop,
// interleaved round by round in one process on the bench's pretend model (its own process, 200 ms
// per answer), so machine load hits both alike: `npx tsx bench/model-cpu.ts [concurrency]
// [conversations] [rounds]`. Prints each round and the medians; CPU from process.cpuUsage.
import { loadavg } from "node:os";
import { loadPack } from "../scenarios/index.ts";
import { startModelProcess } from "./fake-model.ts";
import { voicesimModelCalls } from "./model-calls.ts";
import { bareChatOpenAILoop, type PeerRun } from "./peers.ts";

const concurrency = Number(process.argv[2] ?? 32);
const conversations = Number(process.argv[3] ?? 128);
const rounds = Number(process.argv[4] ?? 3);

const model = await startModelProcess();
const { baseUrl } = model;
const loaded = await loadPack("scenarios/packs/collections");
const voicesim = (count: number) => voicesimModelCalls(loaded, baseUrl, count, concurrency);

async function cpuPerRequest(run: (count: number) => Promise<PeerRun>): Promise<number> {
  const before = process.cpuUsage();
  const { requests } = await run(conversations);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / requests;
}

const systems: Array<[string, (count: number) => Promise<PeerRun>]> = [
  ["voicesim", voicesim],
  ["bare ChatOpenAI loop", (count) => bareChatOpenAILoop(baseUrl, count, concurrency)],
];
try {
  for (const [, run] of systems) await run(16);
  const samples = new Map<string, number[]>(systems.map(([name]) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [name, run] of systems) {
      const ms = await cpuPerRequest(run);
      samples.get(name)?.push(ms);
      console.log(`round ${round + 1}, ${name}: ${ms.toFixed(2)} ms CPU per request, load ${(loadavg()[0] ?? 0).toFixed(1)}`);
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  const [ours, bare] = systems.map(([name]) => median(samples.get(name) ?? []));
  console.log(`concurrency ${concurrency}, ${conversations} conversations, median of ${rounds}: voicesim ${ours?.toFixed(2)} ms, bare loop ${bare?.toFixed(2)} ms (${((ours ?? 0) / (bare || 1)).toFixed(2)}x)`);
} finally {
  model.stop();
}
