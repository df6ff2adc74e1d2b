import { AsyncLocalStorageProviderSingleton } from "@langchain/core/singletons";
import { isTracingRequested } from "../agents/index.ts";

export { isTracingRequested };

// @langchain/core keeps the running config in async-local storage by wrapping it in a langsmith
// RunTree, built for every runnable call (node, router, channel write) even with tracing off: a
// uuid from crypto, a timestamp string and several environment reads each time. In a scripted
// call that was the largest single cost of a LangGraph step (about half of it, measured with
// `npm run bench`). With no callbacks and tracing off, nobody reads that RunTree but as a holder
// of the config, so a plain holder of the same shape does the job.
const CHILD_CONFIG = Symbol.for("lc:child_config");
const CONTEXT_VARIABLES = Symbol.for("lc:context_variables");
const INSTALLED = Symbol.for("voicesim:lean-context");

interface StoredContext {
  tracingEnabled?: boolean;
  extra?: Record<symbol, unknown>;
  [CONTEXT_VARIABLES]?: unknown;
}

interface ContextStorage {
  getStore(): StoredContext | undefined;
  run<T>(store: StoredContext | undefined, callback: () => T): T;
}

type RunWithConfig = (config: { callbacks?: unknown } | undefined, callback: () => unknown, avoidCreatingRootRunTree?: boolean) => unknown;

interface ConfigStorageSingleton {
  getInstance(): ContextStorage;
  runWithConfig: RunWithConfig;
  [INSTALLED]?: true;
}

/**
 * Swaps @langchain/core's config propagation for one that builds no RunTree when nothing can
 * trace: no callbacks in the config and no tracing variable set. Anything else (a tracer, a
 * callback handler, LANGSMITH_TRACING=true at start) takes the library's own path, unchanged.
 * Idempotent.
 */
export function installLeanContext(): void {
  const singleton = AsyncLocalStorageProviderSingleton as unknown as ConfigStorageSingleton;
  if (singleton[INSTALLED]) return;
  // Tracing is switched on before a process starts (as LangSmith documents), so read it once.
  if (isTracingRequested()) return;
  const original = singleton.runWithConfig.bind(singleton);
  singleton.runWithConfig = function leanRunWithConfig(config, callback, avoidCreatingRootRunTree) {
    if (hasCallbacks(config?.callbacks)) return original(config, callback, avoidCreatingRootRunTree);
    const storage = singleton.getInstance();
    const previous = storage.getStore();
    // `tracingEnabled: false` is what the library's RunTree said too: callbacks configured under
    // it then skip their own tracing checks.
    let store: StoredContext | undefined = avoidCreatingRootRunTree ? undefined : { tracingEnabled: false, extra: { [CHILD_CONFIG]: config } };
    if (previous?.[CONTEXT_VARIABLES] !== undefined) {
      store ??= {};
      store[CONTEXT_VARIABLES] = previous[CONTEXT_VARIABLES];
    }
    return storage.run(store, callback);
  };
  singleton[INSTALLED] = true;
}

/** Callbacks given as a list or as a manager; an empty one traces nothing. */
function hasCallbacks(callbacks: unknown): boolean {
  if (callbacks === undefined || callbacks === null) return false;
  if (Array.isArray(callbacks)) return callbacks.length > 0;
  const handlers = (callbacks as { handlers?: unknown }).handlers;
  return !Array.isArray(handlers) || handlers.length > 0;
}
