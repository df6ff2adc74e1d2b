import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { loadPack, Manifest, VoicesimError } from "../../scenarios/index.ts";
import { intOption } from "../options.ts";
import { createProgressView, type ProgressView } from "../progress.ts";

interface JudgeCommandOptions {
  pack?: string;
  judgeModel?: string;
  baseUrl?: string;
  timeout: number;
  cacheDir?: string;
  concurrency: number;
}

/** `voicesim judge <run-dir>`: re-judge a run's recorded calls and rewrite what depends on the scores. */
export function registerJudgeCommand(program: Command): void {
  program
    .command("judge")
    .description("judge a run's recorded calls again (e.g. after a pack's expectations changed) and rewrite scores, dataset, rejects and report")
    .argument("<run-dir>", "a run directory")
    .option("--pack <dir>", "the pack to judge against (default: the one the run was made from)")
    .option("--judge-model <name>", "OpenAI-compatible model for the rubric (default: scripted)")
    .option("--base-url <url>", "OpenAI-compatible endpoint for --judge-model (key from OPENAI_API_KEY)")
    .option("--timeout <ms>", "per model request attempt, headers and body, in milliseconds", intOption("--timeout", { min: 1 }), 60_000)
    .option("--cache-dir <dir>", "model answer cache, shareable by runs (default <run-dir>/cache)")
    .option("--concurrency <c>", "calls judged at once", intOption("--concurrency", { min: 1, max: 256 }), 4)
    .action(async (runDir: string, options: JudgeCommandOptions) => {
      const { createLLMJudge, createScriptedRewriter, rejudgeRun } = await import("../../pipeline/index.ts");
      const { createModelClient } = await import("../../agents/index.ts");
      let manifest: Manifest;
      try {
        manifest = Manifest.parse(JSON.parse(readFileSync(join(runDir, "manifest.json"), "utf8")));
      } catch {
        throw new VoicesimError("run_dir_conflict", `${runDir} has no readable manifest.json`, { hint: "point at a run directory written by `voicesim run`" });
      }
      const loaded = await loadPack(options.pack ?? manifest.packDir);
      // Ctrl-C stops the judge's requests and retry waits at once; the scores written so far stay.
      const interrupt = new AbortController();
      process.once("SIGINT", () => interrupt.abort());
      const client = options.judgeModel
        ? createModelClient({ model: options.judgeModel, ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}), cacheDir: options.cacheDir ?? join(runDir, "cache"), timeoutMs: options.timeout, signal: interrupt.signal })
        : undefined;
      let view: ProgressView | undefined;
      const result = await rejudgeRun(runDir, loaded, {
        ...(client ? { judge: createLLMJudge(client) } : {}),
        concurrency: options.concurrency,
        rewriter: createScriptedRewriter(),
        onStage: (event) => {
          if (event.type === "start") {
            view?.stop();
            view = createProgressView(event.stage);
            view.start(event.total ?? 0, 0);
          } else if (event.type === "progress") view?.update(event.done ?? 0, { failed: 0, tokens: 0 });
          else {
            view?.stop();
            view = undefined;
            process.stderr.write(`${event.stage}: ${event.summary ?? ""}\n`);
          }
        },
      });
      view?.stop();
      process.stdout.write(
        [
          "",
          `re-judged ${result.judged} calls (${result.changed} verdicts changed): ${result.sftRows} SFT conversations, ${result.preferenceRows} preference pairs`,
          ...result.funnel.map((f) => `  ${f.stage.padEnd(22)} ${f.count}`),
          `  ${runDir}/scores.jsonl, ${runDir}/dataset/, ${runDir}/rejects.jsonl, ${runDir}/report.html`,
          "",
        ].join("\n"),
      );
    });
}
