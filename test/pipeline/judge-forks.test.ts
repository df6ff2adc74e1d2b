import { describe, expect, it } from "vitest";
import { judgeForkedReplies } from "../../pipeline/index.ts";
import type { ConversationEvent, ForkedReplies } from "../../scenarios/index.ts";
import { miniPack } from "../fixtures/mini-pack.ts";

const speech = (said: string): ConversationEvent => ({ type: "agent_speech", turn: 2, said, callerHeard: said, interrupted: false, at: 0, durationMs: 1000 });
const fork = (replies: string[]): ForkedReplies => ({
  id: "F1",
  conversationId: "C1",
  scenarioId: "S1",
  afterEvent: 0,
  reason: "chosen",
  replies: replies.map((said, index) => ({ index, events: [speech(said)], injectedFlaws: [] })),
});

describe("judgeForkedReplies", () => {
  it("prefers the plain spoken reply over the one with markup", () => {
    const result = judgeForkedReplies(fork(["**Booked** for you", "You're booked for Tuesday at two."]), [], miniPack);
    expect(result.pair?.preferred.index).toBe(1);
    expect(result.pair?.nonPreferred.index).toBe(0);
  });

  it("returns no pair when the replies are equally good", () => {
    expect(judgeForkedReplies(fork(["Sure, one moment.", "Okay, one moment."]), [], miniPack).pair).toBeUndefined();
  });
});
