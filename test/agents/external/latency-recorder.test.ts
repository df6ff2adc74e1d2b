import { describe, expect, it } from "vitest";
import { LatencyRecorder } from "../../../agents/external/latency-recorder.ts";
import { latencySummary } from "../../../pipeline/index.ts";
import type { Conversation } from "../../../scenarios/index.ts";

describe("latency of an external agent", () => {
  it("measures each turn from the caller's turn to the first words, and each tool step to the agent's next move", () => {
    let now = 1_000;
    const latency = new LatencyRecorder(() => now);
    latency.turnStarted(0);
    now += 300;
    latency.moved({ kind: "speech" });
    latency.turnStarted(1);
    now += 200;
    latency.moved({ kind: "tool", tool: "lookup", callId: "a" });
    now += 900;
    latency.moved({ kind: "tool", tool: "lookup", callId: "b" });
    now += 100;
    latency.moved({ kind: "speech" });
    now += 5_000;
    // Later speech in the same turn does not move its first-speech time.
    latency.moved({ kind: "speech" });
    expect(latency.report()).toEqual([
      { turn: 0, firstSpeechMs: 300, tools: [] },
      { turn: 1, firstSpeechMs: 1_200, tools: [{ tool: "lookup", callId: "a", ms: 900 }, { tool: "lookup", callId: "b", ms: 100 }] },
    ]);
  });

  it("summarises a run as p50/p95 and marks turns over the threshold; runs that measured nothing get no section", () => {
    const call = (id: string, firstSpeech: number[]) => ({ id, agentLatency: firstSpeech.map((ms, turn) => ({ turn, firstSpeechMs: ms, tools: [{ tool: "t", callId: `${turn}`, ms: ms / 2 }] })) }) as unknown as Conversation;
    const summary = latencySummary([call("a#0", [100, 200, 2_500]), call("a#1", [300, 400])], 2_000);
    expect(summary?.firstSpeech).toEqual({ p50: 300, p95: 2_500, n: 5 });
    expect(summary?.toolTime).toEqual({ p50: 150, p95: 1_250, n: 5 });
    expect(summary?.slowTurns).toEqual([{ conversationId: "a#0", turn: 2, firstSpeechMs: 2_500 }]);
    expect(latencySummary([{ id: "x" } as unknown as Conversation])).toBeUndefined();
  });
});
