// What the LangGraph engine costs over its own node functions: the same scripted calls through
// the graph and through a plain loop (test/helpers/plain-loop.ts), interleaved round by round in
// one warm process so machine load hits both alike. CPU time (process.cpuUsage), not wall time.
import { loadPack } from "../scenarios/index.ts";
import { candidateItems, simulateConversation, toConversation } from "../sim/index.ts";
import { runPlainLoop, scriptedDeps } from "../test/helpers/plain-loop.ts";

export interface OverheadResult {
  pack: string;
  calls: number;
  rounds: number;
  /** Median CPU milliseconds per call. */
  graphCpuMs: number;
  plainCpuMs: number;
  /** With the states kept for forks (as `voicesim run` does). */
  forkableCpuMs: number;
  ratio: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

async function cpuPerCall(run: () => Promise<void>, calls: number): Promise<number> {
  const before = process.cpuUsage();
  await run();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / calls;
}

/** Graph vs plain loop over the same calls of one pack: median CPU per call over `rounds` interleaved rounds. */
export async function measureGraphOverhead(packDir: string, calls: number, rounds: number): Promise<OverheadResult> {
  const loaded = await loadPack(packDir);
  const items = candidateItems(loaded.pack.scenarios, Math.ceil(calls / loaded.pack.scenarios.length)).slice(0, calls);
  const all = scriptedDeps(loaded, items);
  const plain = async () => {
    for (const deps of all) toConversation(deps, await runPlainLoop(deps));
  };
  const graph = (keepCheckpoints: boolean) => async () => {
    for (const deps of all) {
      const call = await simulateConversation(deps, { keepCheckpoints });
      await call.dispose();
    }
  };
  // Warm: JIT, the token encoder, lazy imports.
  await plain();
  await graph(false)();
  const samples = { graph: [] as number[], plain: [] as number[], forkable: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    samples.plain.push(await cpuPerCall(plain, all.length));
    samples.graph.push(await cpuPerCall(graph(false), all.length));
    samples.forkable.push(await cpuPerCall(graph(true), all.length));
  }
  const graphCpuMs = median(samples.graph);
  const plainCpuMs = median(samples.plain);
  return {
    pack: loaded.pack.id,
    calls: all.length,
    rounds,
    graphCpuMs: round2(graphCpuMs),
    plainCpuMs: round2(plainCpuMs),
    forkableCpuMs: round2(median(samples.forkable)),
    ratio: round2(graphCpuMs / plainCpuMs),
  };
}

const round2 = (value: number) => Math.round(value * 100) / 100;

// `npx tsx bench/graph-overhead.ts [calls] [rounds]`: this part of the bench alone.
if (import.meta.url === `file://${process.argv[1]}`) {
  const calls = Number(process.argv[2] ?? 150);
  const rounds = Number(process.argv[3] ?? 5);
  for (const pack of ["collections", "clinic-booking"]) {
    console.log(JSON.stringify(await measureGraphOverhead(`scenarios/packs/${pack}`, calls, rounds)));
  }
}
