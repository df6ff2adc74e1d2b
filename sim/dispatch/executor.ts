import type { LiveEventChunk } from "../conversation-graph.ts";
import type { CallOutcome, CallRequest } from "./call-request.ts";

/**
 * Runs calls somewhere: in this process, in worker threads, or on queue workers. The batch keeps
 * the books (what is done, the run files, progress); an executor only turns requests into outcomes.
 */
export interface CallExecutor {
  /** e.g. "in-process", "2 worker threads", "queue redis://127.0.0.1:6379". */
  readonly description: string;
  /** Calls this executor runs well at once (the batch never has more in flight). */
  readonly capacity: number;
  /** Batches with fewer calls to do than this run in the calling process instead. */
  readonly minBatch?: number;
  run(request: CallRequest, options: { signal?: AbortSignal; onEvent?: (chunk: LiveEventChunk) => void }): Promise<CallOutcome>;
  /** Stops workers and releases connections; the executor is unusable afterwards. */
  close(): Promise<void>;
}
