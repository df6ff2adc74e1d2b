import { describe, expect, it } from "vitest";
import { threadPlan } from "../../../cli/executor-options.ts";

const scripted = { caller: "scripted", agent: "scripted" };

describe("how many worker threads a run's calls get", () => {
  it("spreads scripted calls over every core, from a batch big enough to pay for the threads' start", () => {
    expect(threadPlan(undefined, scripted, 2)).toEqual({ workers: 2, minBatch: expect.any(Number) });
    expect(threadPlan(undefined, scripted, 2)?.minBatch).toBeGreaterThan(0);
    expect(threadPlan(undefined, scripted, 1)).toBeUndefined();
  });

  it("keeps calls that wait on a model or an external agent in this process unless threads are asked for", () => {
    // Each thread runs --concurrency calls: unasked threads would double what a provider sees.
    expect(threadPlan(undefined, { caller: "openai:gpt-4o-mini", agent: "openai:gpt-4o-mini" }, 8)).toBeUndefined();
    expect(threadPlan(undefined, { caller: "scripted", agent: "ws://127.0.0.1:8080/agent" }, 8)).toBeUndefined();
    expect(threadPlan(undefined, { caller: "openai:gpt-4o-mini", agent: "scripted" }, 8)).toBeUndefined();
  });

  it("uses the threads asked for whatever the backends and the batch, and none for --workers 1", () => {
    expect(threadPlan(3, { caller: "openai:m", agent: "openai:m" }, 2)).toEqual({ workers: 3, minBatch: 0 });
    expect(threadPlan(1, scripted, 8)).toBeUndefined();
  });
});
