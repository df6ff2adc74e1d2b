import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { loadPack, VoicesimError } from "../../scenarios/index.ts";
import { withInterrupt } from "../interrupt.ts";
import { type ModelOptions, OPTIONS } from "../model-options.ts";
import { intOption, rateOption } from "../options.ts";

interface CompareCommandOptions extends Omit<ModelOptions, "agent" | "model" | "cacheDir"> {
  agent?: string[];
  out?: string;
  failOnRegression?: boolean;
  slowTurnMs: number;
  viewerPort: number;
  seed: number;
  scenarios: number;
  candidates: number;
  rounds: number;
  concurrency: number;
  flawRate: number;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `voicesim compare`: agents side by side on the same scenarios, or two finished runs. */
export function registerCompareCommand(program: Command): void {
  program
    .command("compare")
    .description("compare agents on the same scenarios, seeds and callers (--agent A --agent B <pack>), or finished runs (<runA> <runB>); the first is the baseline")
    .argument("<paths...>", "a pack folder (with --agent twice or more), or two or more run directories")
    .option("--agent <spec>", "an agent to compare (repeat; the first is the baseline): scripted, openai:<model>, agent.yaml#name, ws://…, http://…", collect)
    .option("--out <dir>", "where report.html and report.md go (and each agent's run, with --agent)")
    .option("--fail-on-regression", "exit 1 when a candidate's pass^k drops beyond its 95% interval")
    .option("--slow-turn-ms <ms>", "mark agent turns whose first words came later than this", intOption("--slow-turn-ms", { min: 1 }), 2_000)
    .option("--viewer-port <p>", "the port the reports' call links point at (start `voicesim view <run> --port <p>` to open them)", intOption("--viewer-port", { min: 1, max: 65535 }), 4173)
    .option("--seed <s>", "seed for the runs and the bootstrap", intOption("--seed"), 1)
    .option("--scenarios <n>", "with --agent: scenarios to accept", intOption("--scenarios", { min: 1, max: 10_000 }), 24)
    .option("--candidates <k>", "with --agent: calls per scenario (pass^k up to k)", intOption("--candidates", { min: 1, max: 50 }), 3)
    .option("--rounds <r>", "with --agent: generation rounds", intOption("--rounds", { min: 1, max: 50 }), 1)
    .option("--concurrency <c>", "with --agent: calls at once", intOption("--concurrency", { min: 1, max: 256 }), 4)
    .option("--flaw-rate <r>", "with --agent: share of calls whose scripted agent gets an injected flaw", rateOption("--flaw-rate"), 0)
    .option("--caller-model <name>", "with --agent: model for the simulated caller (the same for every agent), or 'scripted' (default)")
    .option(...OPTIONS.baseUrl)
    .option(...OPTIONS.timeout)
    .option(...OPTIONS.agentTimeout)
    .option(...OPTIONS.mcpHost)
    .action(async (paths: string[], options: CompareCommandOptions) => {
      const { compareAgents, compareRunDirs } = await import("../../pipeline/index.ts");
      const agents = options.agent ?? [];
      const stamp = new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
      let result: Awaited<ReturnType<typeof compareRunDirs>>;
      if (agents.length > 0) {
        const [packDir, ...extra] = paths;
        if (agents.length < 2 || !packDir || extra.length > 0) {
          throw new VoicesimError("bad_option", "comparing agents takes one pack and --agent at least twice", { hint: "voicesim compare scenarios/packs/clinic-booking --agent scripted --agent ws://127.0.0.1:8080/agent" });
        }
        const loaded = await loadPack(packDir);
        const out = options.out ?? `runs/compare-${loaded.pack.id}-${stamp}`;
        const { backendsFromOptions } = await import("../backend-options.ts");
        // Each agent through the same resolver as `run --agent` (its endpoint probed, MCP for an external one), with its own cache.
        const { agent: _agents, ...modelOptions } = options;
        const resolved: Array<Awaited<ReturnType<typeof backendsFromOptions>>["backends"]> = [];
        for (const [i, spec] of agents.entries()) {
          resolved.push((await backendsFromOptions({ ...modelOptions, agent: spec }, { cacheDir: join(out, `cache-${i + 1}`), tools: loaded.tools })).backends);
        }
        // One caller for every agent: the same simulated people, the same lines.
        const caller = resolved[0]?.caller;
        if (!caller) throw new VoicesimError("bad_option", "no agents to compare");
        result = await withInterrupt((signal) =>
          compareAgents(loaded, {
            out,
            agents: resolved.map((r) => r.agent),
            caller,
            seed: options.seed,
            scenarios: options.scenarios,
            candidates: options.candidates,
            rounds: options.rounds,
            concurrency: options.concurrency,
            flawRate: options.flawRate,
            slowTurnMs: options.slowTurnMs,
            viewerPort: options.viewerPort,
            signal,
            onAgent: (agent, index, runDir) => process.stderr.write(`compare: agent ${index + 1}/${agents.length} ${agent.id} → ${runDir}\n`),
          }),
        );
      } else {
        if (paths.length < 2) throw new VoicesimError("bad_option", "compare needs two or more run directories, or a pack with --agent twice", { hint: "voicesim compare runs/before runs/after --fail-on-regression" });
        for (const dir of paths) if (!existsSync(dir)) throw new VoicesimError("file_not_found", `${dir} does not exist`);
        result = await compareRunDirs(paths, { out: options.out ?? `runs/compare-${stamp}`, seed: options.seed, slowTurnMs: options.slowTurnMs, viewerPort: options.viewerPort });
      }
      process.stdout.write(`${result.summary}\n${result.files.map((f) => `  ${f}`).join("\n")}\n`);
      if (result.files.length > 0) process.stdout.write(`  the reports' call links open with: voicesim view <run> --port ${options.viewerPort} (each run's command is in report.md)\n`);
      if (options.failOnRegression && result.isRegression) {
        process.stdout.write("regression: a pass^k drop is beyond its 95% interval (--fail-on-regression)\n");
        process.exitCode = 1;
      }
    });
}
