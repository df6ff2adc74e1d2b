import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScriptedAgent, createScriptedCaller } from "../../../agents/index.ts";
import { type LoadedPack, loadPack, VoicesimError } from "../../../scenarios/index.ts";
import {
  type BatchOptions,
  type CallExecutor,
  type CallOutcome,
  candidateItems,
  createThreadExecutor,
  type ForkPlan,
  RUN_FILES,
  RunStore,
  runBatch,
  SCRIPTED_RECIPE,
} from "../../../sim/index.ts";
import { startWsPolicyAgent, type WsPolicyAgent } from "../../helpers/policy-agents.ts";

const FORKS: ForkPlan = {
  replies: 2,
  maxPoints: 2,
  flawByReason: { after_fault: "claim_success_after_failure", after_refusal_trap: "comply_out_of_policy", after_ambiguity: "wrong_slot", chosen: "markup_in_speech" },
};

async function batchInto(loaded: LoadedPack, executor: CallExecutor | undefined): Promise<{ conversations: string; forks: string; simulated: number }> {
  const out = mkdtempSync(join(tmpdir(), "voicesim-threads-"));
  const store = RunStore.open(out);
  const options: BatchOptions = {
    seed: 5,
    concurrency: 2,
    caller: createScriptedCaller(),
    agent: createScriptedAgent(),
    flawRate: 0.4,
    forkPlan: FORKS,
    ...(executor ? { executor } : {}),
  };
  try {
    const result = await runBatch(loaded, candidateItems(loaded.pack.scenarios.slice(0, 3), 2), store, options);
    return {
      conversations: readFileSync(join(out, RUN_FILES.conversations), "utf8"),
      forks: readFileSync(join(out, RUN_FILES.forks), "utf8"),
      simulated: result.simulated,
    };
  } finally {
    store.close();
  }
}

describe("a batch spread over worker threads", () => {
  let loaded: LoadedPack;
  let executor: CallExecutor;
  let inProcess: Awaited<ReturnType<typeof batchInto>>;
  let threaded: Awaited<ReturnType<typeof batchInto>>;

  beforeAll(async () => {
    loaded = await loadPack("scenarios/packs/collections");
    // Threads start (and load the pack, TypeScript and all) while this process runs its own batch.
    executor = createThreadExecutor({ workers: 2, concurrencyPerWorker: 2, setup: { packDir: loaded.dir, packHash: loaded.hash, backends: SCRIPTED_RECIPE } });
    inProcess = await batchInto(loaded, undefined);
    threaded = await batchInto(loaded, executor);
  });
  afterAll(() => executor?.close());

  it("writes conversations and forks byte for byte as one process does", () => {
    expect(threaded.simulated).toBe(6);
    expect(threaded.conversations.split("\n").filter(Boolean)).toHaveLength(6);
    expect(threaded.forks.length).toBeGreaterThan(0);
    expect(threaded.conversations).toBe(inProcess.conversations);
    expect(threaded.forks).toBe(inProcess.forks);
  });

  it("brings a user mistake inside a worker back as the same typed error", async () => {
    const scenario = { ...(loaded.pack.scenarios[0] as (typeof loaded.pack.scenarios)[number]), persona: "nobody-by-this-name" };
    const request = { conversationId: `${scenario.id}#0`, scenario, candidate: 0, seed: 1, flaws: [], limits: { maxCallerTurns: 5, maxAgentStepsPerTurn: 4, maxSilenceMs: 1000 } };
    const error = await executor.run(request, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VoicesimError);
    expect((error as VoicesimError).code).toBe("pack_invalid");
    expect((error as VoicesimError).message).toContain("nobody-by-this-name");
  });
});

describe("a batch smaller than an executor's minimum", () => {
  it("runs in the calling process and never asks the executor", async () => {
    const loaded = await loadPack("scenarios/packs/collections");
    let asked = 0;
    const executor: CallExecutor = {
      description: "refuses small batches",
      capacity: 4,
      minBatch: 100,
      run: async () => {
        asked++;
        throw new Error("a small batch reached the executor");
      },
      close: async () => {},
    };
    const store = RunStore.open(mkdtempSync(join(tmpdir(), "voicesim-threads-")));
    try {
      const result = await runBatch(loaded, candidateItems(loaded.pack.scenarios.slice(0, 1), 2), store, {
        seed: 5,
        concurrency: 2,
        caller: createScriptedCaller(),
        agent: createScriptedAgent(),
        flawRate: 0,
        executor,
      });
      expect(result.simulated).toBe(2);
      expect(asked).toBe(0);
    } finally {
      store.close();
    }
  });
});

describe("an external agent's calls in worker threads", () => {
  let agent: WsPolicyAgent;
  let executor: CallExecutor;
  let outcome: CallOutcome;
  let scenarioId = "";

  beforeAll(async () => {
    agent = await startWsPolicyAgent("tools_over_mcp");
    const loaded = await loadPack("scenarios/packs/clinic-booking");
    const scenario = loaded.pack.scenarios.find((s) => s.faultPlan.length === 0)!;
    scenarioId = scenario.id;
    executor = createThreadExecutor({
      workers: 1,
      concurrencyPerWorker: 1,
      setup: { packDir: loaded.dir, packHash: loaded.hash, backends: { caller: "scripted", agent: agent.url, agentTurnTimeoutMs: 10_000 } },
    });
    outcome = await executor.run({ conversationId: `${scenario.id}#0`, scenario, candidate: 0, seed: 1, flaws: [], limits: { maxCallerTurns: 6, maxAgentStepsPerTurn: 4, maxSilenceMs: 1000 } }, {});
  });
  afterAll(async () => {
    await executor?.close();
    await agent?.close();
  });

  it("give the agent a working MCP URL of the thread's own: its tool calls there land in the call's tool log", () => {
    expect(outcome.kind).toBe("done");
    const conversation = (outcome as Extract<CallOutcome, { kind: "done" }>).conversation;
    expect(conversation.status, conversation.error).toBe("completed");
    const start = agent.received.get(`${scenarioId}#0`)![0]!;
    expect(start.mcp).toEqual({ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/mcp\//) });
    const { mcpSeen } = agent;
    expect(mcpSeen.tools).toContain("search_slots");
    expect(conversation.toolLog.map((r) => [r.tool, r.callId])).toEqual([["search_slots", "mcp-1"]]);
    expect(mcpSeen.results).toEqual([{ isError: false, text: JSON.stringify((conversation.toolLog[0]!.outcome as { result: unknown }).result) }]);
  });
});
