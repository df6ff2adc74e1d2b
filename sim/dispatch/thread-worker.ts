import { setMaxListeners } from "node:events";
import { parentPort, workerData } from "node:worker_threads";
import { loadPack, VoicesimError } from "../../scenarios/index.ts";
import { backendsFromRecipe } from "./backend-recipe.ts";
import { callContext, runCall } from "./run-call.ts";
import { type FromWorker, ThreadWorkerSetup, ToWorker } from "./thread-messages.ts";
import { serialiseError } from "./worker-error.ts";

// The body of one worker thread: load the pack (its TypeScript tool modules included) and build
// the backends once, then run the calls the coordinator posts, several at a time.
const port = parentPort;
if (!port) throw new Error("thread-worker runs only as a worker thread");
const post = (message: FromWorker) => port.postMessage(message);

try {
  const setup = ThreadWorkerSetup.parse(workerData);
  const loaded = await loadPack(setup.packDir);
  if (loaded.hash !== setup.packHash) {
    throw new VoicesimError("run_dir_conflict", `the pack in ${setup.packDir} changed on disk after the run started`, {
      hint: "leave the pack alone while a run is going, or start the run again",
    });
  }
  const context = callContext(loaded.pack, loaded.tools, backendsFromRecipe(setup.backends, loaded.tools, setup.mcpHost !== undefined ? { mcpHost: setup.mcpHost } : {}));
  const running = new Map<number, AbortController>();
  port.on("message", (raw: unknown) => {
    const message = ToWorker.parse(raw);
    if (message.type === "abort") {
      running.get(message.id)?.abort();
      return;
    }
    const controller = new AbortController();
    // Every fork of the call streams from its own checkpoint with this signal, and LangGraph adds a
    // listener per stream: a call with more than ten forks is no leak.
    setMaxListeners(0, controller.signal);
    running.set(message.id, controller);
    runCall(context, message.request, {
      signal: controller.signal,
      ...(message.wantsEvents ? { onEvent: (chunk) => post({ type: "event", id: message.id, chunk }) } : {}),
    })
      .then((outcome) => post({ type: "outcome", id: message.id, outcome }))
      .catch((error: unknown) => post({ type: "error", id: message.id, error: serialiseError(error) }))
      .finally(() => running.delete(message.id));
  });
  post({ type: "ready" });
} catch (error) {
  post({ type: "failed_to_start", error: serialiseError(error) });
}
