import { hostname } from "node:os";
import type { Job } from "bullmq";
import type { Redis } from "ioredis";
import { createMcpToolBridge, createModelClient, type McpToolBridge, type ModelClientOptions } from "../../../agents/index.ts";
import { loadPack, type Scenario, VoicesimError } from "../../../scenarios/index.ts";
import type { OpenAIFunctionTool } from "../../../tools/index.ts";
import { backendsFromRecipe } from "../backend-recipe.ts";
import type { CallOutcome } from "../call-request.ts";
import { type CallContext, callContext, runCall } from "../run-call.ts";
import { voicesimVersion } from "../version.ts";
import { eventRelay } from "./event-relay.ts";
import { materialisePack } from "./pack-bundle.ts";
import { parseQueueJob, QUEUE_NAME, type QueueJob } from "./queue-job.ts";
import { connectRedis, scrubRedisUrl } from "./redis-connection.ts";
import { sharedModelClient } from "./shared-model-client.ts";

export interface QueueWorkerOptions {
  url: string;
  /** Calls this worker runs at once. */
  concurrency: number;
  /**
   * How long a job stays with a worker that stopped answering (killed, frozen) before another
   * worker takes it over; default 30 s. Shorter recovers sooner, but a call that blocks the event
   * loop longer than this would be handed out twice (the run still keeps it once).
   */
  lockMs?: number;
  /** BullMQ's limiter: calls started per minute across every worker on the queue; 0 for none. */
  callsPerMinute?: number;
  /** Defaults to this package's version; a job from another version is refused. */
  version?: string;
  /** Shown by `queue status` and recorded on each job it takes; default hostname-pid. */
  name?: string;
  /** Where packs from Redis are written (default: the system temp folder). */
  packRoot?: string;
  /**
   * The address this worker serves its calls' tools over MCP on, and names in the URLs it gives a
   * WebSocket or HTTP agent: one of this machine's that the agent can reach. Default 127.0.0.1,
   * which only an agent on the worker's own machine reaches.
   */
  mcpHost?: string;
  log?: (line: string) => void;
  /** Told of each call this worker finished, by conversation id (a progress display, a test). */
  onCallDone?: (conversationId: string) => void;
}

export interface QueueWorker {
  /** Calls finished by this worker. */
  processed(): number;
  /** Finishes the calls in hand, then disconnects. */
  close(): Promise<void>;
}

/** The reason a job from another voicesim version fails with (the coordinator reads it back). */
export const versionMismatch = (worker: string, coordinator: string) =>
  `version mismatch: this worker runs voicesim ${worker}, the coordinator voicesim ${coordinator}; run the same version on both`;

/** `voicesim worker`: takes calls from the queue and returns their conversations, until closed. */
export async function startQueueWorker(options: QueueWorkerOptions): Promise<QueueWorker> {
  const { Worker, UnrecoverableError } = await import("bullmq");
  const redis = await connectRedis(options.url);
  const version = options.version ?? voicesimVersion();
  const log = options.log ?? (() => {});
  const contexts = new Map<string, Promise<CallContext>>();
  const scenarios = new Map<string, Scenario>();
  // One MCP server per pack and backends, stopped with the worker (a call's agent may hold a connection open).
  const bridges: McpToolBridge[] = [];
  let processed = 0;

  const contextFor = (job: QueueJob): Promise<CallContext> => {
    const key = JSON.stringify([job.packHash, job.backends, job.requestsPerMinute, job.tokensPerMinute]);
    let context = contexts.get(key);
    if (!context) {
      context = buildContext(redis, job, options.packRoot, (tools) => {
        const bridge = createMcpToolBridge({ tools, ...(options.mcpHost !== undefined ? { listen: options.mcpHost } : {}) });
        bridges.push(bridge);
        return bridge;
      });
      // A failure (pack expired, bad key) is not cached: the next job tries again.
      context.catch(() => contexts.delete(key));
      contexts.set(key, context);
    }
    return context;
  };

  const worker = new Worker(
    QUEUE_NAME,
    async (job: Job): Promise<CallOutcome> => {
      const parsed = parseQueueJob(job.data, scenarios);
      if (!parsed.success) throw new UnrecoverableError(`job ${job.id} does not hold a call: ${parsed.error.issues[0]?.message ?? "bad data"}`);
      const data = parsed.data;
      if (data.version !== version) {
        const reason = versionMismatch(version, data.version);
        log(`refused ${job.id}: ${reason}`);
        throw new UnrecoverableError(reason);
      }
      const context = await contextFor(data);
      const relay = data.wantsEvents ? eventRelay((progress) => job.updateProgress(progress)) : undefined;
      const outcome = await runCall(context, data.request, relay ? { onEvent: relay.onEvent } : {});
      await relay?.flush();
      processed++;
      options.onCallDone?.(data.request.conversationId);
      return outcome;
    },
    {
      connection: redis,
      name: options.name ?? `${hostname()}-${process.pid}`,
      concurrency: Math.max(1, options.concurrency),
      lockDuration: options.lockMs ?? 30_000,
      stalledInterval: Math.max(500, Math.floor((options.lockMs ?? 30_000) / 2)),
      // A worker killed mid-call stalls its job once; a machine so loaded that a live worker misses
      // its lock renewals stalls it again. Neither is the call's fault, so neither spends an attempt.
      maxStalledCount: 5,
      ...(options.callsPerMinute ? { limiter: { max: options.callsPerMinute, duration: 60_000 } } : {}),
    },
  );
  worker.on("error", (error) => log(`queue error: ${error.message}`));
  worker.on("failed", (job, error) => log(`call ${job?.id ?? "?"} failed: ${error.message}`));
  await worker.waitUntilReady();
  log(`worker ready on ${scrubRedisUrl(options.url)} (voicesim ${version}, ${options.concurrency} at once)`);
  return {
    processed: () => processed,
    async close() {
      await worker.close();
      await Promise.all(bridges.map((bridge) => bridge.stop()));
      redis.disconnect();
    },
  };
}

async function buildContext(
  redis: Redis,
  job: QueueJob,
  packRoot: string | undefined,
  bridgeFor: (tools: readonly OpenAIFunctionTool[]) => McpToolBridge,
): Promise<CallContext> {
  const dir = await materialisePack(redis, job.packHash, ...(packRoot ? [packRoot] : []));
  const loaded = await loadPack(dir);
  if (loaded.hash !== job.packHash) {
    throw new VoicesimError("pack_invalid", `the pack from Redis hashes to ${loaded.hash.slice(0, 12)}, not ${job.packHash.slice(0, 12)}`, {
      hint: "run `voicesim queue clean --all` and start the coordinator again",
    });
  }
  // Answers cached in Redis instead of a run folder this machine does not have; one request window for all workers.
  const makeClient = (clientOptions: ModelClientOptions) => {
    const { cacheDir: _local, ...rest } = clientOptions;
    return sharedModelClient(createModelClient(rest), redis, clientOptions.baseUrl ?? "https://api.openai.com/v1", {
      requestsPerWindow: job.requestsPerMinute,
      tokensPerWindow: job.tokensPerMinute,
    });
  };
  return callContext(loaded.pack, loaded.tools, backendsFromRecipe(job.backends, loaded.tools, { createModelClient: makeClient, mcp: bridgeFor(loaded.tools.map((t) => t.openAISchema())) }));
}
