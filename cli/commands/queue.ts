import type { Command } from "commander";
import { VoicesimError } from "../../scenarios/index.ts";

/** `voicesim queue status|clean --queue redis://…`: what a queue holds, and removing a run's jobs. */
export function registerQueueCommand(program: Command): void {
  const queue = program.command("queue").description("show or remove the calls on a BullMQ queue");
  queue
    .command("status")
    .description("connected workers, and each run's jobs by state")
    .requiredOption("--queue <redis-url>", "redis://host:port[/db]")
    .action(async (options: { queue: string }) => {
      const { queueStatus } = await import("../../sim/index.ts");
      const status = await queueStatus(options.queue);
      const lines = [`workers: ${status.workers}`];
      if (status.runs.length === 0) lines.push("no jobs");
      for (const { run, counts } of status.runs) {
        lines.push(`${run}: ${Object.entries(counts).map(([state, n]) => `${n} ${state}`).join(", ")}`);
      }
      process.stdout.write(`${lines.join("\n")}\n`);
    });
  queue
    .command("clean")
    .description("remove one run's jobs (--run KEY, as `queue status` lists it), or everything voicesim keeps in Redis (--all)")
    .requiredOption("--queue <redis-url>", "redis://host:port[/db]")
    .option("--run <key>", "the run whose jobs to remove")
    .option("--all", "every job, the uploaded packs and the shared response cache")
    .action(async (options: { queue: string; run?: string; all?: boolean }) => {
      if (!options.run && !options.all) throw new VoicesimError("bad_option", "say which jobs: --run <key> (see `voicesim queue status`) or --all");
      const { cleanQueue } = await import("../../sim/index.ts");
      const removed = await cleanQueue(options.queue, options.all ? { all: true } : { run: options.run as string });
      process.stdout.write(`removed ${removed} job${removed === 1 ? "" : "s"}\n`);
    });
}
