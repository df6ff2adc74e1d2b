import type { Command } from "commander";
import { OPTIONS } from "../model-options.ts";
import { intOption } from "../options.ts";

interface WorkerCommandOptions {
  queue: string;
  concurrency: number;
  lockMs: number;
  callsPerMinute?: number;
  name?: string;
  mcpHost?: string;
}

/** `voicesim worker --queue redis://…`: runs calls for any coordinator on that queue until stopped. */
export function registerWorkerCommand(program: Command): void {
  program
    .command("worker")
    .description("process calls that `run`/`simulate --queue` put on a BullMQ queue (any number of workers, any machines)")
    .requiredOption("--queue <redis-url>", "the coordinator's queue, redis://host:port[/db]")
    .option("--concurrency <c>", "calls at once in this worker", intOption("--concurrency", { min: 1, max: 256 }), 4)
    .option("--lock-ms <ms>", "how long a job stays with a worker that stopped answering before another takes it", intOption("--lock-ms", { min: 500 }), 30_000)
    .option("--name <name>", "this worker's name in `queue status` and on the jobs it takes (default host-pid)")
    .option("--calls-per-minute <n>", "calls started per minute across every worker on the queue (BullMQ limiter)", intOption("--calls-per-minute", { min: 1 }))
    .option(...OPTIONS.mcpHost)
    .action(async (options: WorkerCommandOptions) => {
      const { startQueueWorker } = await import("../../sim/index.ts");
      const worker = await startQueueWorker({
        url: options.queue,
        concurrency: options.concurrency,
        lockMs: options.lockMs,
        ...(options.callsPerMinute ? { callsPerMinute: options.callsPerMinute } : {}),
        ...(options.name ? { name: options.name } : {}),
        ...(options.mcpHost ? { mcpHost: options.mcpHost } : {}),
        log: (line) => process.stderr.write(`${line}\n`),
      });
      // The first Ctrl-C finishes the calls in hand (nothing is lost: unstarted ones stay queued); a second quits.
      await new Promise<void>((resolve) => {
        let presses = 0;
        const stop = () => {
          presses++;
          if (presses > 1) process.exit(130);
          process.stderr.write(`stopping after the calls in hand (${worker.processed()} done)…\n`);
          void worker.close().then(resolve);
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
    });
}
