import type { Command } from "commander";
import { loadPack, VoicesimError } from "../../scenarios/index.ts";
import { availableParallelism } from "node:os";
import { executorOptionsHelp } from "../executor-options.ts";
import { agentOptionHelp, cacheDirFor, type ModelOptions, modelOptionsHelp } from "../model-options.ts";
import { defaultRunDir, intOption, listOption, rateOption } from "../options.ts";
import { createProgressView } from "../progress.ts";
import { allCallsFailed } from "../all-calls-failed.ts";
import { withInterrupt } from "../interrupt.ts";

interface SimulateCommandOptions extends ModelOptions {
  scenarios?: string[];
  perScenario: number;
  concurrency: number;
  workers?: number;
  queue?: string;
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  seed: number;
  out?: string;
  resume?: boolean;
  retryFailed: boolean;
  flawRate: number;
}

/** `voicesim simulate <pack>`: step 4 alone, a batch of calls into a run directory. */
export function registerSimulateCommand(program: Command): void {
  const command = program
    .command("simulate")
    .description("simulate calls for a pack's scenarios into a run directory (no judging or export)")
    .argument("<pack>", "pack folder (holds pack.yaml)")
    .option("--scenarios <ids>", "comma-separated scenario ids, or all", listOption)
    .option("--per-scenario <n>", "calls per scenario", intOption("--per-scenario", { min: 1, max: 10_000 }), 1)
    .option("--concurrency <c>", "calls at once (in each worker)", intOption("--concurrency", { min: 1, max: 256 }), 4)
    .option("--seed <s>", "seed: same seed, same calls", intOption("--seed"), 1)
    .option("--flaw-rate <r>", "share of calls whose scripted agent gets an injected flaw", rateOption("--flaw-rate"), 0.2)
    .option("--out <dir>", "run directory (default runs/<pack>-<time>)")
    .option("--resume", "continue the run in --out, skipping finished calls")
    .option("--retry-failed", "with --resume: simulate again the calls that failed (the default)", true)
    .option("--no-retry-failed", "with --resume: keep failed calls as they are");
  modelOptionsHelp(command);
  agentOptionHelp(command);
  executorOptionsHelp(command, availableParallelism());
  command.action(async (packDir: string, options: SimulateCommandOptions) => {
    const { simulate } = await import("../../sim/index.ts");
    const { backendsFromOptions } = await import("../backend-options.ts");
    const loaded = await loadPack(packDir);
    if (options.resume && !options.out) {
      throw new VoicesimError("bad_option", "--resume needs --out <dir> naming the run to continue");
    }
    const out = options.out ?? defaultRunDir(loaded.pack.id);
    const { backends, recipe, config } = await backendsFromOptions(options, { cacheDir: cacheDirFor(options, out), tools: loaded.tools });
    const { executorFromOptions } = await import("../executor-options.ts");
    const executor = await executorFromOptions(options, { source: loaded, recipe, out, seed: options.seed });
    const progress = createProgressView("simulate");
    const result = await withInterrupt((signal) =>
      simulate(loaded, {
        ...(executor ? { executor } : {}),
        out,
        ...(options.scenarios ? { scenarioIds: options.scenarios } : {}),
        perScenario: options.perScenario,
        concurrency: options.concurrency,
        seed: options.seed,
        backends,
        flawRate: options.flawRate,
        resume: options.resume ?? false,
        retryFailed: options.retryFailed,
        onWarning: (message) => process.stderr.write(`warning: ${message}\n`),
        config: { ...config, perScenario: options.perScenario, flawRate: options.flawRate },
        signal,
        onProgress: (event) => {
          if (event.type === "start") progress.start(event.total, event.alreadyDone);
          else if (event.type === "conversation" || event.type === "lost") progress.update(event.done, event);
        },
      }),
    ).finally(() => executor?.close());
    const { batch } = result;
    progress.stop(
      batch.aborted
        ? `stopped: ${batch.simulated + batch.resumed}/${batch.total} calls in ${out}; continue with --resume --out ${out}`
        : `${batch.total} calls (${batch.failed} failed) in ${out}/conversations.jsonl`,
    );
    if (batch.aborted) process.exitCode = 130;
    else if (batch.total > 0 && batch.failed === batch.total) throw allCallsFailed(batch, `voicesim simulate ${packDir} --out ${out} --resume`);
  });
}
