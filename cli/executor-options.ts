import type { Command } from "commander";
import type { BackendRecipe, CallExecutor, RunnablePack } from "../sim/index.ts";
import { intOption } from "./options.ts";

/** Where `simulate` and `run` run their calls. */
export interface ExecutorOptions {
  workers?: number;
  concurrency: number;
  queue?: string;
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  /** Where worker threads serve MCP to an external agent (`--mcp-host`). */
  mcpHost?: string;
}

/** Below this many calls, a default (unasked-for) thread pool is not worth its start-up. */
const AUTO_MIN_BATCH = 200;

export function executorOptionsHelp(command: Command, defaultWorkers: number): Command {
  return command
    .option(
      "--workers <n>",
      `worker threads for the calls, each running --concurrency at once (1: all in this process; default: with the scripted caller and agent, one per core, ${defaultWorkers} here, for batches of ${AUTO_MIN_BATCH} calls or more; otherwise 1)`,
      intOption("--workers", { min: 1, max: 64 }),
    )
    .option("--queue <redis-url>", "coordinate: put every call on BullMQ at redis://host:port[/db] for `voicesim worker` processes anywhere")
    .option("--requests-per-minute <n>", "with --queue: model requests per minute across all workers", intOption("--requests-per-minute", { min: 1 }))
    .option("--tokens-per-minute <n>", "with --queue: model tokens (prompt + completion) per minute across all workers", intOption("--tokens-per-minute", { min: 1 }));
}

/**
 * A queue coordinator with --queue, worker threads when more than one thread is wanted,
 * otherwise none (the batch runs in this process). Close what this returns when the run ends.
 */
export async function executorFromOptions(
  options: ExecutorOptions,
  run: { source: RunnablePack; recipe: BackendRecipe; out: string; seed: number },
): Promise<CallExecutor | undefined> {
  const { createQueueExecutor, createThreadExecutor, defaultWorkerCount } = await import("../sim/index.ts");
  if (options.queue) {
    const executor = await createQueueExecutor({
      url: options.queue,
      out: run.out,
      seed: run.seed,
      pack: { dir: run.source.dir, hash: run.source.hash },
      backends: run.recipe,
      ...(options.requestsPerMinute ? { requestsPerMinute: options.requestsPerMinute } : {}),
      ...(options.tokensPerMinute ? { tokensPerMinute: options.tokensPerMinute } : {}),
    });
    process.stderr.write(`coordinating on ${executor.description}; start workers with: voicesim worker --queue <url>\n`);
    return executor;
  }
  const plan = threadPlan(options.workers, run.recipe, defaultWorkerCount());
  if (!plan) return undefined;
  return createThreadExecutor({
    workers: plan.workers,
    concurrencyPerWorker: options.concurrency,
    setup: { packDir: run.source.dir, packHash: run.source.hash, backends: run.recipe, ...(options.mcpHost ? { mcpHost: options.mcpHost } : {}) },
    minBatch: plan.minBatch,
  });
}

/**
 * How many worker threads a run's calls get, and from what batch size; undefined keeps them in this
 * process. Threads the user asked for are used whatever the batch. Unasked, only calls that are all
 * CPU (the scripted caller and agent) are spread: a call that waits on a model or an external agent
 * gains nothing from a second core, and each thread running --concurrency calls would multiply the
 * requests a provider sees.
 */
export function threadPlan(asked: number | undefined, recipe: Pick<BackendRecipe, "caller" | "agent">, cores: number): { workers: number; minBatch: number } | undefined {
  if (asked !== undefined) return asked > 1 ? { workers: asked, minBatch: 0 } : undefined;
  const isCpuBound = recipe.caller === "scripted" && recipe.agent === "scripted";
  return isCpuBound && cores > 1 ? { workers: cores, minBatch: AUTO_MIN_BATCH } : undefined;
}
