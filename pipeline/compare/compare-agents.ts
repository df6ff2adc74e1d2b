import { join } from "node:path";
import type { AgentBackend, CallerBackend } from "../../agents/index.ts";
import { VoicesimError } from "../../scenarios/index.ts";
import type { RunnablePack } from "../../sim/index.ts";
import { type RunPipelineOptions, runPipeline } from "../run-pipeline.ts";
import { type CompareRunDirsResult, compareRunDirs } from "./compare-run-dirs.ts";

export interface CompareAgentsOptions extends Omit<RunPipelineOptions, "out" | "backends" | "forks" | "resume" | "accepted" | "budget"> {
  /** Each agent's run goes to `<out>/<n>-<slug>`; the reports to `<out>`. */
  out: string;
  /** The baseline first. */
  agents: readonly AgentBackend[];
  /** One caller for every agent: same personas, same seeded choices. */
  caller: CallerBackend;
  slowTurnMs?: number;
  /** The port the reports' call links point at; default 4173. */
  viewerPort?: number;
  onAgent?: (agent: AgentBackend, index: number, runDir: string) => void;
}

/**
 * Runs every agent through the same pipeline with the same seed, scenario generator, caller
 * and judge, so each meets the same accepted scenarios with the same callers; then compares the
 * runs. Rounds are fixed (no `accepted` target), since a target would let a weaker agent get
 * more scenarios. No forks: an external agent cannot be rewound, and the pairs are not compared.
 */
export async function compareAgents(source: RunnablePack, options: CompareAgentsOptions): Promise<CompareRunDirsResult & { runDirs: string[] }> {
  const { agents, caller, out, slowTurnMs, viewerPort, onAgent, ...pipeline } = options;
  const runDirs: string[] = [];
  for (const [index, agent] of agents.entries()) {
    const runDir = join(out, `${index + 1}-${slug(agent.id)}`);
    runDirs.push(runDir);
    onAgent?.(agent, index, runDir);
    const result = await runPipeline(source, { ...pipeline, out: runDir, forks: 0, resume: false, backends: { agent, caller }, config: { ...pipeline.config, agent: agent.id, caller: caller.id } });
    if (result.aborted) throw new VoicesimError("aborted", `compare stopped while running ${agent.id}`, { exitCode: 130 });
  }
  const compared = await compareRunDirs(runDirs, { out, seed: options.seed, ...(slowTurnMs !== undefined ? { slowTurnMs } : {}), ...(viewerPort !== undefined ? { viewerPort } : {}) });
  return { ...compared, runDirs };
}

/** A folder-safe name for an agent id (`ws:ws://127.0.0.1:8080/agent` → `ws-127-0-0-1-8080-agent`). */
function slug(id: string): string {
  return (
    id
      .replace(/^(ws|http|file):/, "")
      .replace(/^[a-z]+:\/\//i, "")
      .replace(/[^A-Za-z0-9]+/g, "-")
      .replace(/^-|-$/g, "")
      .slice(0, 48) || "agent"
  );
}
