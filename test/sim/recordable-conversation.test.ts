import { describe, expect, it } from "vitest";
import { Conversation } from "../../scenarios/index.ts";
import { recordableConversation } from "../../sim/recordable-conversation.ts";

const zero = { promptTokens: 0, completionTokens: 0, modelCalls: 0, cachedCalls: 0 };
const valid: Conversation = {
  id: "s1#0",
  scenarioId: "s1",
  packId: "p",
  candidate: 0,
  seed: 1,
  backends: { caller: "scripted", agent: "scripted" },
  injectedFlaws: [],
  events: [
    { type: "agent_speech", turn: 1, said: "Hello.", callerHeard: "Hello.", interrupted: false, at: 0, durationMs: 500 },
    { type: "end", turn: 1, reason: "agent_ended", at: 500 },
  ],
  timing: { durationMs: 500, agentTalkMs: 500, callerTalkMs: 0, deadAirMs: 0, toolLatencyMs: 0 },
  worldChanges: [],
  session: { verifiedCustomerIds: [], failedVerifications: 0 },
  toolLog: [],
  usage: { caller: zero, agent: zero },
  status: "completed",
  endReason: "agent_ended",
};

describe("a conversation about to be written", () => {
  it("is written unchanged when it is valid", () => {
    expect(recordableConversation(valid)).toBe(valid);
  });

  it("becomes a failed call that keeps its valid events and says which were not, when an event breaks the schema", () => {
    const broken = {
      ...valid,
      events: [
        ...valid.events.slice(0, 1),
        { type: "tool_result", turn: 1, callId: "c1", tool: "x", outcome: { ok: false, error: { code: "account_locked", message: "m" } }, latencyMs: 1, at: 1 },
        ...valid.events.slice(1),
      ],
    } as unknown as Conversation;
    const written = recordableConversation(broken);
    expect(Conversation.safeParse(written).success).toBe(true);
    expect(written).toMatchObject({ id: "s1#0", status: "failed", endReason: "error", error: expect.stringContaining("events.1.outcome") });
    expect(written.events.map((e) => e.type)).toEqual(["agent_speech", "end"]);
  });

  it("keeps at least the call's identity when even its frame is broken or not JSON", () => {
    const broken = { ...valid, timing: { durationMs: -1 }, seed: 1n } as unknown as Conversation;
    const written = recordableConversation(broken);
    expect(Conversation.safeParse(written).success).toBe(true);
    expect(() => JSON.stringify(written)).not.toThrow();
    expect(written).toMatchObject({ id: "s1#0", scenarioId: "s1", status: "failed", events: [] });
  });
});
