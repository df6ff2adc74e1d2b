import { type Command, Option } from "commander";
import type { LiveEventChunk } from "../../sim/index.ts";
import { availableParallelism } from "node:os";
import { loadPack, makeDirectory, VoicesimError } from "../../scenarios/index.ts";
import { allCallsFailed } from "../all-calls-failed.ts";
import { executorOptionsHelp } from "../executor-options.ts";
import { agentOptionHelp, cacheDirFor, type ModelOptions, modelOptionsHelp } from "../model-options.ts";
import { withInterrupt } from "../interrupt.ts";
import { defaultRunDir, intOption, rateOption } from "../options.ts";
import { createProgressView, type ProgressView } from "../progress.ts";

interface RunCommandOptions extends ModelOptions {
  out?: string;
  scenarios: number;
  candidates: number;
  forks: number;
  rounds: number;
  accepted?: number;
  budgetScenarios?: number;
  budgetTokens?: number;
  concurrency: number;
  workers?: number;
  queue?: string;
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  seed: number;
  flawRate: number;
  judgeModel?: string;
  dedup: number;
  splitToolSpeech?: boolean;
  rewrite: "none" | "scripted" | "model";
  resume?: boolean;
  retryFailed: boolean;
  view?: boolean;
  port?: number;
}

function fail(message: string): never {
  throw new VoicesimError("bad_option", message);
}


/** `voicesim run <pack>`: the whole pipeline, from a pack to a dataset, a reject pile and a report. */
export function registerRunCommand(program: Command): void {
  const command = program
    .command("run")
    .description("generate, critique, gate, simulate, judge, filter and export: a pack to a dataset")
    .argument("<pack>", "pack folder (holds pack.yaml)")
    .option("--out <dir>", "run directory (default runs/<pack>-<time>)")
    .option("--scenarios <n>", "scenarios to accept in the first round", intOption("--scenarios", { min: 1, max: 10_000 }), 24)
    .option("--candidates <k>", "candidate calls per scenario (best-of-N, pass^k)", intOption("--candidates", { min: 1, max: 50 }), 2)
    .option("--forks <k>", "alternative agent replies at each fork point (preference pairs; 0 for none)", intOption("--forks", { min: 0, max: 10 }), 2)
    .option("--rounds <r>", "generation rounds", intOption("--rounds", { min: 1, max: 50 }), 2)
    .option("--accepted <n>", "keep running rounds until the dataset holds N accepted calls", intOption("--accepted", { min: 1 }))
    .option("--budget-scenarios <n>", "with --accepted: stop after trying this many scenarios", intOption("--budget-scenarios", { min: 1 }))
    .option("--budget-tokens <n>", "with --accepted: stop after spending this many model tokens", intOption("--budget-tokens", { min: 1 }))
    .option("--concurrency <c>", "calls at once (in each worker)", intOption("--concurrency", { min: 1, max: 256 }), 4)
    .option("--seed <s>", "seed: same seed, same run", intOption("--seed"), 1)
    .option("--flaw-rate <r>", "share of calls whose scripted agent gets an injected flaw", rateOption("--flaw-rate"), 0.25)
    .option("--judge-model <name>", "model for the critic and judge (default: scripted)")
    .option("--dedup <j>", "Jaccard similarity above which calls are near-duplicates", rateOption("--dedup"), 0.8)
    .addOption(new Option("--rewrite <how>", "rewrite agent turns that do not fit the voice style (recorded in dataset/rewrites.jsonl)").choices(["none", "scripted", "model"]).default("scripted"))
    .option("--split-tool-speech", "export speech and each tool call as separate assistant messages (Hermes, Llama 3.1 templates drop text beside tool calls)")
    .option("--resume", "continue the run in --out")
    .option("--retry-failed", "with --resume: simulate again the calls that failed (the default)", true)
    .option("--no-retry-failed", "with --resume: keep failed calls as they are")
    .option("--view", "start the replay viewer beside the run and stream calls as they happen")
    .option("--port <p>", "with --view: viewer port", intOption("--port", { min: 0, max: 65535 }), 0);
  modelOptionsHelp(command);
  agentOptionHelp(command);
  executorOptionsHelp(command, availableParallelism());
  command.action(async (packDir: string, options: RunCommandOptions) => {
    // The engine (LangGraph, LangChain) loads only for the commands that run it.
    const { createLLMCritic, createLLMGenerator, createLLMJudge, createLLMRewriter, createScriptedRewriter, runPipeline } = await import("../../pipeline/index.ts");
    const { createModelClient } = await import("../../agents/index.ts");
    const { startViewer } = await import("../../viewer/index.ts");
    const { backendsFromOptions } = await import("../backend-options.ts");
    const loaded = await loadPack(packDir);
    if (options.resume && !options.out) throw new VoicesimError("bad_option", "--resume needs --out <dir> naming the run to continue");
    const out = options.out ?? defaultRunDir(loaded.pack.id);
    // Ctrl-C reaches the model clients' retry waits in every stage, not only in the calls.
    const interrupt = new AbortController();
    const { backends, recipe, config, client } = await backendsFromOptions(options, { cacheDir: cacheDirFor(options, out), tools: loaded.tools, signal: interrupt.signal });
    // An agent with its own state per call cannot be rewound to a checkpoint: no forked replies.
    const forks = backends.agent.canFork === false ? 0 : options.forks;
    if (forks !== options.forks) process.stderr.write(`note: ${backends.agent.id} keeps its own state per call, so no forked replies (--forks 0)\n`);
    const { executorFromOptions } = await import("../executor-options.ts");
    const executor = await executorFromOptions(options, { source: loaded, recipe, out, seed: options.seed });
    const judgeClient = options.judgeModel
      ? createModelClient({ model: options.judgeModel, ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}), cacheDir: cacheDirFor(options, out), timeoutMs: options.timeout ?? 60_000, signal: interrupt.signal })
      : undefined;
    let view: ProgressView | undefined;
    // The viewer follows the run directory; live events reach it straight from the engine.
    const viewer = options.view ? await startViewer({ runDir: (makeDirectory(out), out), port: options.port ?? 0 }) : undefined;
    if (viewer) process.stderr.write(`viewer: ${viewer.url}\n`);
    const result = await withInterrupt((signal) =>
      runPipeline(loaded, {
        out,
        ...(executor ? { executor } : {}),
        seed: options.seed,
        scenarios: options.scenarios,
        candidates: options.candidates,
        forks,
        rounds: options.rounds,
        ...(options.accepted !== undefined ? { accepted: options.accepted } : {}),
        budget: { ...(options.budgetScenarios ? { scenarios: options.budgetScenarios } : {}), ...(options.budgetTokens ? { tokens: options.budgetTokens } : {}) },
        concurrency: options.concurrency,
        flawRate: options.flawRate,
        backends,
        ...(client ? { generator: createLLMGenerator(client) } : {}),
        ...(judgeClient ? { critic: createLLMCritic(judgeClient), judge: createLLMJudge(judgeClient) } : {}),
        dedupThreshold: options.dedup,
        ...(options.splitToolSpeech ? { splitToolSpeech: true } : {}),
        ...(options.rewrite === "scripted" ? { rewriter: createScriptedRewriter() } : {}),
        ...(options.rewrite === "model" ? { rewriter: createLLMRewriter(client ?? judgeClient ?? fail("--rewrite model needs --model or --judge-model")) } : {}),
        resume: options.resume ?? false,
        retryFailed: options.retryFailed,
        config: { ...config, judge: options.judgeModel ?? "scripted", scenarios: options.scenarios, candidates: options.candidates, forks, rounds: options.rounds, flawRate: options.flawRate, ...(options.splitToolSpeech ? { splitToolSpeech: true } : {}) },
        signal,
        ...(viewer ? { onEvent: (chunk: LiveEventChunk) => viewer.publish(chunk) } : {}),
        onStage: (event) => {
          if (event.type === "start") {
            view?.stop();
            view = createProgressView(event.stage);
            view.start(event.total, event.done);
          } else if (event.type === "progress") view?.update(event.done, event);
          else {
            view?.stop();
            view = undefined;
            process.stderr.write(`${event.stage}: ${event.summary}\n`);
          }
        },
      }),
      interrupt,
    )
      .finally(() => executor?.close())
      .catch(async (error: unknown) => {
      // Ctrl-C ends a stage's model call (generate, critique, judge, rewrite) mid-wait, which
      // stops the stage where it stood, as a kill would: the run resumes from there.
      if (!interrupt.signal.aborted) throw error;
      view?.stop();
      await viewer?.close();
      process.stdout.write(`\nstopped: continue with: voicesim run ${packDir} --out ${out} --resume\n`);
      process.exitCode = 130;
      return undefined;
    });
    if (!result) return;
    view?.stop();
    process.stdout.write(
      [
        "",
        `${result.aborted ? "stopped" : "done"}: ${result.sftRows} SFT conversations, ${result.preferenceRows} preference pairs`,
        ...result.funnel.map((f) => `  ${f.stage.padEnd(22)} ${f.count}`),
        `  ${out}/dataset/sft.jsonl, ${out}/dataset/dpo.jsonl, ${out}/dataset/trl/`,
        `  ${out}/rejects.jsonl, ${out}/report.html`,
        result.aborted ? `continue with: voicesim run ${packDir} --out ${out} --resume` : `replay calls: voicesim view ${out}`,
        "",
      ].join("\n"),
    );
    if (result.aborted) process.exitCode = 130;
    else if (result.calls.total > 0 && result.calls.failed === result.calls.total) {
      throw allCallsFailed(result.calls, `voicesim run ${packDir} --out ${out} --resume`);
    }
    if (viewer) {
      process.stderr.write(`the viewer keeps running at ${viewer.url} (Ctrl-C to stop)\n`);
      await new Promise<void>((resolve) => process.once("SIGINT", () => void viewer.close().then(resolve)));
    }
  });
}
