import { createRequire } from "node:module";
import { join } from "node:path";
import type { AgentBackend, CallerBackend } from "../agents/index.ts";
import { type Manifest, type Scenario, ScenarioRecord, VoicesimError } from "../scenarios/index.ts";
import { type BatchItem, type BatchProgress, type BatchResult, candidateItems, type PackForRun, runBatch } from "./batch.ts";
import type { LiveEventChunk } from "./conversation-graph.ts";
import type { CallExecutor } from "./dispatch/index.ts";
import { RUN_FILES, RunStore } from "./run-store.ts";
import { assertSameSettings } from "./run-settings.ts";

/** A pack as `loadPack` returns it, plus where it came from (for the manifest). */
export interface RunnablePack extends PackForRun {
  dir: string;
  hash: string;
}

export interface Backends {
  caller: CallerBackend;
  agent: AgentBackend;
}

export interface SimulateRunOptions {
  /** Run directory. */
  out: string;
  /** Scenario ids to simulate; all when omitted. */
  scenarioIds?: readonly string[];
  perScenario: number;
  concurrency: number;
  seed: number;
  backends: Backends;
  /** Runs the calls in worker threads or on a queue instead of this process. */
  executor?: CallExecutor;
  flawRate: number;
  resume: boolean;
  /** On resume, simulate again the calls recorded as failed (default true). */
  retryFailed?: boolean;
  /** Extra settings recorded in the manifest (model names, base URL; never keys). */
  config?: Record<string, unknown>;
  signal?: AbortSignal;
  /** Hears what the user should know but that stops nothing (a stale lock taken over). */
  onWarning?: (message: string) => void;
  onProgress?: (event: BatchProgress) => void;
  onEvent?: (chunk: LiveEventChunk) => void;
}

export interface SimulateRunResult {
  runDir: string;
  batch: BatchResult;
  manifest: Manifest;
}

/** Step 4 alone: simulate a pack's seed scenarios into a run directory (resumable). */
export async function simulate(source: RunnablePack, options: SimulateRunOptions): Promise<SimulateRunResult> {
  const scenarios = selectScenarios(source.pack.scenarios, options.scenarioIds);
  const store = RunStore.open(options.out, { resume: options.resume, ...(options.onWarning ? { onWarning: options.onWarning } : {}) });
  try {
    const previous = store.readManifest();
    // What decides the calls is recorded, so a resume with other settings is refused, not mixed in.
    const settings = {
      scenarios: options.scenarioIds && options.scenarioIds.length > 0 ? [...options.scenarioIds] : ["all"],
      perScenario: options.perScenario,
      flawRate: options.flawRate,
      agent: options.backends.agent.id,
      caller: options.backends.caller.id,
    };
    const manifest = newManifest("simulate", source, { ...options, config: { ...settings, ...options.config } }, previous);
    assertSameSettings(options.out, previous, manifest);
    store.writeManifest(manifest);
    // Written whole (a kill never leaves half of it); the same settings give the same records.
    if ((await store.readAll(RUN_FILES.scenarios, ScenarioRecord)).length !== scenarios.length) store.rewrite(RUN_FILES.scenarios, scenarios.map(scenarioRecord));
    const items: BatchItem[] = candidateItems(scenarios, options.perScenario);
    const batch = await runBatch(source, items, store, {
      seed: options.seed,
      concurrency: options.concurrency,
      caller: options.backends.caller,
      agent: options.backends.agent,
      flawRate: options.flawRate,
      retryFailed: options.retryFailed ?? true,
      ...(options.executor ? { executor: options.executor } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    });
    // A queued call that failed every attempt goes to the reject pile with its reason.
    for (const lost of batch.lost) store.append(RUN_FILES.rejects, { kind: "conversation", id: lost.id, stage: "simulate", reason: lost.reason });
    const usage = batch.usage;
    const finished: Manifest = {
      ...manifest,
      updatedAt: new Date().toISOString(),
      stages: [
        {
          name: "simulate",
          status: batch.aborted ? "running" : "done",
          counts: { planned: batch.total, finished: batch.simulated + batch.resumed, failed: batch.failed },
        },
      ],
      tokens: {
        prompt: usage.caller.promptTokens + usage.agent.promptTokens,
        completion: usage.caller.completionTokens + usage.agent.completionTokens,
        modelCalls: usage.caller.modelCalls + usage.agent.modelCalls,
        cachedCalls: usage.caller.cachedCalls + usage.agent.cachedCalls,
      },
      finished: !batch.aborted,
    };
    store.writeManifest(finished);
    return { runDir: options.out, batch, manifest: finished };
  } finally {
    store.close();
  }
}

export function selectScenarios(all: readonly Scenario[], ids: readonly string[] | undefined): Scenario[] {
  if (!ids || ids.length === 0 || (ids.length === 1 && ids[0] === "all")) return [...all];
  const byId = new Map(all.map((s) => [s.id, s]));
  const unknown = ids.filter((id) => !byId.has(id));
  if (unknown.length > 0) {
    throw new VoicesimError("bad_option", `unknown scenario id${unknown.length > 1 ? "s" : ""}: ${unknown.join(", ")}`, {
      hint: `the pack has: ${all.map((s) => s.id).join(", ")}`,
    });
  }
  return ids.map((id) => byId.get(id) as Scenario);
}

function scenarioRecord(scenario: Scenario): ScenarioRecord {
  return { scenario, round: 0, accepted: true };
}

export function newManifest(
  command: Manifest["command"],
  source: RunnablePack,
  options: { out: string; seed: number; config?: Record<string, unknown> },
  previous: Manifest | undefined,
): Manifest {
  const now = new Date().toISOString();
  return {
    name: options.out.split(/[\\/]/).filter(Boolean).at(-1) ?? options.out,
    command,
    createdAt: previous?.createdAt ?? now,
    updatedAt: now,
    packId: source.pack.id,
    packDir: source.dir,
    packHash: source.hash,
    seed: options.seed,
    config: options.config ?? {},
    versions: versions(),
    stages: previous?.stages ?? [],
    tokens: previous?.tokens ?? { prompt: 0, completion: 0, modelCalls: 0, cachedCalls: 0 },
    estimatedCostUsd: previous?.estimatedCostUsd ?? 0,
    finished: false,
  };
}

function versions(): Record<string, string> {
  const require = createRequire(import.meta.url);
  const versionOf = (name: string) => {
    try {
      return (require(join(name, "package.json")) as { version: string }).version;
    } catch {
      return "unknown";
    }
  };
  return {
    // By the package's own name (exports lists ./package.json): the same from source and from dist/.
    voicesim: versionOf("voicesim"),
    node: process.version,
    "@langchain/langgraph": versionOf("@langchain/langgraph"),
    "@langchain/openai": versionOf("@langchain/openai"),
  };
}
