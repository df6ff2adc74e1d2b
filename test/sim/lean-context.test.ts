import { AsyncLocalStorageProviderSingleton } from "@langchain/core/singletons";
import { Annotation, getConfig, START, StateGraph } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { installLeanContext, isTracingRequested } from "../../sim/lean-context.ts";

const State = Annotation.Root({ seen: Annotation<string>(), holder: Annotation<string>() });

/** What holds the config in async-local storage while a node runs (langsmith's RunTree, or not). */
const holderName = () => (AsyncLocalStorageProviderSingleton.getInstance().getStore() as object | undefined)?.constructor?.name ?? "none";

function graphReadingItsConfig() {
  return new StateGraph(State)
    .addNode("read", async () => ({ seen: String(getConfig().configurable?.thread_id), holder: holderName() }))
    .addEdge(START, "read")
    .compile();
}

describe("the lean LangChain context", () => {
  it("still carries the running config to code inside a node", async () => {
    installLeanContext();
    const result = await graphReadingItsConfig().invoke({ seen: "", holder: "" }, { configurable: { thread_id: "call-7" } });
    expect(result.seen).toBe("call-7");
    // With no callbacks and no tracing no RunTree is built to hold it.
    expect(result.holder).toBe("Object");
  });

  it("leaves callbacks working: a handler given in the config sees the graph's runs", async () => {
    installLeanContext();
    const started: string[] = [];
    const handler = { handleChainStart: (_chain: unknown, _inputs: unknown, _runId: string, _parent?: string, _tags?: string[], _meta?: unknown, _type?: string, name?: string) => void started.push(String(name)) };
    const result = await graphReadingItsConfig().invoke({ seen: "", holder: "" }, { configurable: { thread_id: "call-8" }, callbacks: [handler] });
    expect(result.seen).toBe("call-8");
    expect(started).toContain("read");
  });

  it("steps aside when LangSmith tracing is asked for", () => {
    expect(isTracingRequested({ LANGSMITH_TRACING: "true" })).toBe(true);
    expect(isTracingRequested({ LANGCHAIN_TRACING_V2: "true" })).toBe(true);
    expect(isTracingRequested({ LANGSMITH_TRACING: "false" })).toBe(false);
    expect(isTracingRequested({})).toBe(false);
  });
});
