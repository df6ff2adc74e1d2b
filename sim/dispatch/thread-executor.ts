import { Worker } from "node:worker_threads";
import type { ConversationEvent } from "../../scenarios/index.ts";
import type { LiveEventChunk } from "../conversation-graph.ts";
import type { CallOutcome, CallRequest } from "./call-request.ts";
import type { CallExecutor } from "./executor.ts";
import { FromWorker, type ThreadWorkerSetup, type ToWorker } from "./thread-messages.ts";
import { threadWorkerModule } from "./thread-worker-module.ts";
import { deserialiseError } from "./worker-error.ts";

const THREAD_OLD_SPACE_MB = 512;

export interface ThreadExecutorOptions {
  workers: number;
  /** Calls each worker thread runs at once. */
  concurrencyPerWorker: number;
  setup: ThreadWorkerSetup;
  /**
   * Batches with fewer calls to do run in the calling process: a thread costs about a second of
   * CPU to start (it loads the engine and the pack), more than a small scripted batch takes.
   */
  minBatch?: number;
}

interface Pending {
  resolve: (outcome: CallOutcome) => void;
  reject: (error: Error) => void;
  onEvent: ((chunk: LiveEventChunk) => void) | undefined;
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  pending: Map<number, Pending>;
}

/**
 * Spreads calls over worker threads, each with its own pack and backends, so a CPU-bound
 * (scripted) batch uses every core. A call goes to the thread with the fewest calls in flight;
 * the batch writes results in its canonical order, so files match a one-thread run byte for byte.
 */
export function createThreadExecutor(options: ThreadExecutorOptions): CallExecutor {
  let nextId = 0;
  let closed = false;
  const count = Math.max(1, options.workers);
  // Threads start at the first call, so a run whose batches all stay small never pays for them.
  let slots: Promise<Slot[]> | undefined;

  function startWorker(index: number, entry: URL): Slot {
    // A call's live data is small (the heap after a full collection stays near 70 MB however many
    // calls ran), but a thread's heap sized from the machine's memory grows between collections:
    // a 10k-call batch peaked at 1.37x a 1k one. With a cap far above the live size (512 MB, room
    // for large fixtures) V8 collects sooner: 1.04x, and no slower (`npm run bench:memory`).
    const worker = new Worker(entry, { workerData: options.setup, name: `voicesim-call-worker-${index}`, resourceLimits: { maxOldGenerationSizeMb: THREAD_OLD_SPACE_MB } });
    const pending = new Map<number, Pending>();
    const failAll = (error: Error) => {
      for (const call of pending.values()) call.reject(error);
      pending.clear();
    };
    const ready = new Promise<void>((resolve, reject) => {
      worker.on("message", (raw: unknown) => {
        const message = FromWorker.parse(raw);
        if (message.type === "ready") resolve();
        else if (message.type === "failed_to_start") reject(deserialiseError(message.error, `worker thread ${index}`));
        else if (message.type === "event") pending.get(message.id)?.onEvent?.(message.chunk as { conversationId: string; index: number; event: ConversationEvent });
        else {
          const call = pending.get(message.id);
          pending.delete(message.id);
          if (!call) return;
          if (message.type === "outcome") call.resolve(message.outcome);
          else call.reject(deserialiseError(message.error, `worker thread ${index}`));
        }
      });
      worker.on("error", (error) => {
        reject(error);
        failAll(error);
      });
      worker.on("exit", (code) => {
        const error = new Error(`worker thread ${index} exited with code ${code}`);
        reject(error);
        if (!closed) failAll(error);
      });
    });
    // Startup failures surface on the first call; never as an unhandled rejection.
    ready.catch(() => {});
    return { worker, ready, pending };
  }

  return {
    description: `${count} worker thread${count === 1 ? "" : "s"}`,
    capacity: count * Math.max(1, options.concurrencyPerWorker),
    minBatch: options.minBatch ?? 0,
    async run(request: CallRequest, { signal, onEvent }) {
      if (closed) throw new Error("the thread executor is closed");
      slots ??= threadWorkerModule().then((entry) => Array.from({ length: count }, (_, index) => startWorker(index, entry)));
      const slot = (await slots).reduce((best, s) => (s.pending.size < best.pending.size ? s : best));
      const id = nextId++;
      const outcome = new Promise<CallOutcome>((resolve, reject) => slot.pending.set(id, { resolve, reject, onEvent }));
      outcome.catch(() => {});
      try {
        await slot.ready;
      } catch (error) {
        slot.pending.delete(id);
        throw error;
      }
      if (signal?.aborted) {
        slot.pending.delete(id);
        return { kind: "aborted" };
      }
      const abort = () => slot.worker.postMessage({ type: "abort", id } satisfies ToWorker);
      signal?.addEventListener("abort", abort, { once: true });
      slot.worker.postMessage({ type: "call", id, request, wantsEvents: onEvent !== undefined } satisfies ToWorker);
      try {
        return await outcome;
      } finally {
        signal?.removeEventListener("abort", abort);
      }
    },
    async close() {
      closed = true;
      const started = await slots?.catch(() => undefined);
      await Promise.all((started ?? []).map((slot) => slot.worker.terminate()));
    },
  };
}
