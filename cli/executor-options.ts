import type { Command } from "commander";
import type { BackendRecipe, CallExecutor, RunnablePack } from "../sim/index.ts";
import { intOption } from "./options.ts";

/** Where `simulate` and `run` run their calls. */
export interface ExecutorOptions {
  workers?: number;
  concurrency: number;
}

/** Below this many calls, a default (unasked-for) thread pool is not worth its start-up. */
const AUTO_MIN_BATCH = 200;

export function executorOptionsHelp(command: Command, defaultWorkers: number): Command {
  return command.option(
    "--workers <n>",
    `worker threads for the calls, each running --concurrency at once (1: all in this process; default: one per core, ${defaultWorkers} here, for batches of ${AUTO_MIN_BATCH} calls or more)`,
    intOption("--workers", { min: 1, max: 64 }),
  );
}

/**
 * Worker threads when more than one is asked for, otherwise none (the batch runs in this
 * process). Close what this returns when the run ends.
 */
export async function executorFromOptions(options: ExecutorOptions, source: RunnablePack, recipe: BackendRecipe): Promise<CallExecutor | undefined> {
  const { createThreadExecutor, defaultWorkerCount } = await import("../sim/index.ts");
  const workers = options.workers ?? defaultWorkerCount();
  if (workers <= 1) return undefined;
  return createThreadExecutor({
    workers,
    concurrencyPerWorker: options.concurrency,
    setup: { packDir: source.dir, packHash: source.hash, backends: recipe },
    // Threads the user asked for are used whatever the batch size.
    minBatch: options.workers === undefined ? AUTO_MIN_BATCH : 0,
  });
}
