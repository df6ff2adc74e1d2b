const TRACING_VARIABLES = ["LANGSMITH_TRACING", "LANGSMITH_TRACING_V2", "LANGCHAIN_TRACING", "LANGCHAIN_TRACING_V2"];

/**
 * True when a LangSmith/LangChain tracing variable asks for traces. LangSmith documents these as
 * set before a process starts, so the lean paths that skip LangChain's callback machinery (the
 * model client's, sim/lean-context.ts) read them once and step aside when one is set.
 */
export function isTracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  return TRACING_VARIABLES.some((name) => env[name] === "true");
}
