import { availableParallelism } from "node:os";

/** One worker per core the process may use. */
export function defaultWorkerCount(): number {
  return Math.max(1, availableParallelism());
}
