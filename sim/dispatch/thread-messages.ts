import { z } from "zod";
import { BackendRecipe } from "./backend-recipe.ts";
import type { CallOutcome, CallRequest } from "./call-request.ts";

// Between threads of one process the payloads (a scenario, a whole conversation) are made and
// read by this same code, copied by structured clone: parsing them again with zod costs a few
// milliseconds of CPU per call for nothing, so only the envelope is checked here. The queue,
// whose data crosses machines and versions, parses everything.
const trusted = <T>() => z.custom<T>((value) => typeof value === "object" && value !== null);

/** What a worker thread is started with: where the pack is and how to build the backends. */
export const ThreadWorkerSetup = z.object({
  packDir: z.string(),
  /** The coordinator's pack hash: a worker that reads a different pack refuses to start. */
  packHash: z.string(),
  backends: BackendRecipe,
  /** The address the thread serves its calls' MCP tool servers on (the coordinator's machine); default 127.0.0.1. */
  mcpHost: z.string().optional(),
});
export type ThreadWorkerSetup = z.infer<typeof ThreadWorkerSetup>;

export const ToWorker = z.discriminatedUnion("type", [
  z.object({ type: z.literal("call"), id: z.number().int(), request: trusted<CallRequest>(), wantsEvents: z.boolean() }),
  z.object({ type: z.literal("abort"), id: z.number().int() }),
]);
export type ToWorker = z.infer<typeof ToWorker>;

/** An error crossing the thread boundary: a VoicesimError keeps its code and hint. */
export const WorkerError = z.object({ message: z.string(), code: z.string().optional(), hint: z.string().optional(), stack: z.string().optional() });
export type WorkerError = z.infer<typeof WorkerError>;

export const FromWorker = z.discriminatedUnion("type", [
  z.object({ type: z.literal("ready") }),
  z.object({ type: z.literal("failed_to_start"), error: WorkerError }),
  z.object({ type: z.literal("outcome"), id: z.number().int(), outcome: trusted<CallOutcome>() }),
  z.object({ type: z.literal("error"), id: z.number().int(), error: WorkerError }),
  z.object({
    type: z.literal("event"),
    id: z.number().int(),
    chunk: z.object({ conversationId: z.string(), index: z.number().int(), event: z.unknown() }),
  }),
]);
export type FromWorker = z.infer<typeof FromWorker>;
