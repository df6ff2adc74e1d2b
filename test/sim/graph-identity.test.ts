import { beforeAll, describe, expect, it } from "vitest";
import type { Conversation } from "../../scenarios/index.ts";
import { loadPack } from "../../scenarios/index.ts";
import {
  callConfigurable,
  candidateItems,
  initialConversationState,
  type LiveEventChunk,
  sharedConversationGraph,
  simulateConversation,
  toConversation,
} from "../../sim/index.ts";
import { runPlainLoop, scriptedDeps } from "../helpers/plain-loop.ts";

interface Pair {
  graph: Conversation;
  /** The same call run concurrently with the pack's others, without a live stream. */
  concurrent: Conversation;
  live: LiveEventChunk[];
  plain: Conversation;
  plainLive: LiveEventChunk[];
}

// The graph runs a turn's node functions inside one super-step; a loop that runs them one by one
// with the graph's reducer must produce the very same calls, event for event, for the same seeds.
describe("the conversation graph and a plain loop over its node functions", () => {
  const pairs = new Map<string, Pair[]>();

  beforeAll(async () => {
    for (const pack of ["collections", "clinic-booking"]) {
      const loaded = await loadPack(`scenarios/packs/${pack}`);
      const out: Pair[] = [];
      const all = scriptedDeps(loaded, candidateItems(loaded.pack.scenarios.slice(0, 6), 1), 5);
      // Every call runs on one compiled graph; its own deps travel in the invoke config.
      const concurrent = await Promise.all(all.map(async (deps) => (await simulateConversation(deps)).conversation));
      for (const [index, deps] of all.entries()) {
        const live: LiveEventChunk[] = [];
        const plainLive: LiveEventChunk[] = [];
        const call = await simulateConversation(deps, { onEvent: (chunk) => live.push(chunk) });
        const plain = toConversation(deps, await runPlainLoop(deps, (chunk) => plainLive.push(chunk)));
        out.push({ graph: call.conversation, concurrent: concurrent[index] as Conversation, live, plain, plainLive });
      }
      pairs.set(pack, out);
    }
  });

  it.each(["collections", "clinic-booking"])("produce identical conversations for every call of the %s pack", (pack) => {
    const calls = pairs.get(pack) ?? [];
    expect(calls.length).toBeGreaterThan(3);
    for (const { graph, concurrent, plain } of calls) {
      expect(graph).toEqual(plain);
      expect(concurrent).toEqual(plain);
    }
    // The calls exercise what a turn folds together: tool round trips, faults, barge-ins, flaws.
    const events = calls.flatMap(({ graph }) => graph.events);
    expect(events.some((e) => e.type === "tool_result" && e.fault !== undefined), "a fault").toBe(true);
    expect(events.some((e) => e.type === "agent_speech" && e.interrupted), "a barge-in").toBe(true);
    expect(calls.some(({ graph }) => graph.injectedFlaws.length > 0)).toBe(true);
  });

  it.each(["collections", "clinic-booking"])("stream the same live events, numbered in order, for the %s pack", (pack) => {
    for (const { graph, live, plainLive } of pairs.get(pack) ?? []) {
      expect(live).toEqual(plainLive);
      expect(live.map((chunk) => chunk.index)).toEqual(graph.events.map((_, index) => index));
      expect(live.map((chunk) => chunk.event)).toEqual(graph.events);
    }
  });

  // Each LangGraph step costs more than a scripted turn, so a call takes one per exchange, the
  // greeting riding in the first: no more, or the graph's cost over its functions grows again.
  it("takes one LangGraph super-step per exchange, the greeting inside the first", async () => {
    const loaded = await loadPack("scenarios/packs/collections");
    const graph = sharedConversationGraph();
    for (const deps of scriptedDeps(loaded, candidateItems(loaded.pack.scenarios.slice(0, 3), 1), 5)) {
      let steps = 0;
      const config = { configurable: { thread_id: deps.conversationId, ...callConfigurable(deps) }, streamMode: "updates" as const };
      for await (const _update of await graph.stream({ call: initialConversationState(deps) }, config)) steps++;
      const callerTurns = (await runPlainLoop(deps)).turn;
      expect(callerTurns).toBeGreaterThan(2);
      expect(steps).toBe(callerTurns);
    }
  });
});
