import { describe, expect, it } from "vitest";
import type { AgentAction } from "../../agents/index.ts";
import { type ConversationDeps, DEFAULT_LIMITS, simulateConversation } from "../../sim/index.ts";
import { failingAgent, linesCaller, stepsAgent } from "../helpers/backend-doubles.ts";
import { miniCallDeps } from "../helpers/mini-call.ts";
import { miniPack } from "../fixtures/mini-pack.ts";

const persona = miniPack.personas[0]!;

const deps = (overrides: Partial<ConversationDeps> = {}) =>
  miniCallDeps({ caller: linesCaller(["I'd like to book a cleaning.", "My number is 555 201 3344."]), ...overrides });

const searchTwice: AgentAction[] = [
  { kind: "speak", text: "Thanks for calling Elm Street Dental, how can I help?" },
  { kind: "tool_calls", calls: [{ callId: "c1", tool: "search_slots", args: { date_from: "2026-03-12", date_to: "2026-03-13" } }] },
  { kind: "tool_calls", calls: [{ callId: "c2", tool: "search_slots", args: { date_from: "2026-03-12", date_to: "2026-03-13" } }] },
  { kind: "speak", text: "I have Thursday at nine {roll}." },
  { kind: "speak", text: "Is there anything else?" },
];

describe("conversation graph", () => {
  it("alternates agent and caller, runs tools against the world and ends when the caller hangs up", async () => {
    const { conversation } = await simulateConversation(deps({ agent: stepsAgent(searchTwice) }));
    expect(conversation.events.map((e) => e.type)).toEqual([
      "agent_speech",
      "caller_speech",
      "tool_call",
      "silence",
      "tool_result",
      "tool_call",
      "tool_result",
      "agent_speech",
      "caller_speech",
      "agent_speech",
      "caller_speech",
      "end",
    ]);
    const results = conversation.events.filter((e) => e.type === "tool_result");
    expect(results[0]).toMatchObject({ fault: "timeout", outcome: { ok: false } });
    expect(results[1]).toMatchObject({ outcome: { ok: true } });
    expect(conversation.endReason).toBe("caller_satisfied");
    expect(conversation.status).toBe("completed");
    // Simulated time only moves forward, and the dead air of the timeout is counted.
    const times = conversation.events.map((e) => e.at);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(conversation.timing.deadAirMs).toBeGreaterThanOrEqual(10_000);
  });

  it("keeps what the caller said apart from what the agent heard", async () => {
    const noisy = { ...persona, asr: { wer: 0.5, bargeInRate: 0, silenceRate: 0 } };
    const { conversation } = await simulateConversation(deps({ persona: noisy, agent: stepsAgent(searchTwice) }));
    const speech = conversation.events.filter((e) => e.type === "caller_speech");
    expect(speech.some((e) => e.type === "caller_speech" && e.said !== e.heard)).toBe(true);
  });

  it("never lets the caller barge in on two agent lines running: the line said again after a cut-off is heard whole", async () => {
    const rude = { ...persona, asr: { wer: 0, bargeInRate: 1, silenceRate: 0 } };
    const lines = Array.from({ length: 6 }, () => ({ kind: "speak", text: "I have a suite checking in Wednesday, March eleventh. Shall I cancel it?" }) as AgentAction);
    const caller = linesCaller(Array.from({ length: 6 }, () => "Sorry, go ahead."));
    const { conversation } = await simulateConversation(deps({ persona: rude, caller, agent: stepsAgent(lines) }));
    const cut = conversation.events.flatMap((e) => (e.type === "agent_speech" ? [e.interrupted] : []));
    expect(cut.filter(Boolean).length).toBeGreaterThan(0);
    expect(cut.some((interrupted, i) => interrupted && cut[i - 1])).toBe(false);
  });

  it("records a model failure as a failed conversation instead of throwing", async () => {
    const { conversation } = await simulateConversation(deps({ agent: failingAgent() }));
    expect(conversation.status).toBe("failed");
    expect(conversation.endReason).toBe("error");
    expect(conversation.error).toContain("server answered 500");
  });

  it("ends a call that exceeds the turn limit", async () => {
    const chatty = linesCaller(Array.from({ length: 50 }, (_, i) => `line ${i}`));
    const talker = stepsAgent(Array.from({ length: 60 }, () => ({ kind: "speak", text: "Go on." }) as AgentAction));
    const { conversation } = await simulateConversation(deps({ caller: chatty, agent: talker, limits: { ...DEFAULT_LIMITS, maxCallerTurns: 5 } }));
    expect(conversation.endReason).toBe("turn_limit");
    expect(conversation.events.filter((e) => e.type === "caller_speech")).toHaveLength(5);
  });

  it("forks K agent replies from the checkpoint after a tool fault, beside the call's own reply 0", async () => {
    const call = await simulateConversation(deps({ agent: stepsAgent(searchTwice) }), { keepCheckpoints: true });
    const faultIndex = call.conversation.events.findIndex((e) => e.type === "tool_result" && !e.outcome.ok);
    const forks = await call.forkAt(faultIndex, 3, { reason: "after_fault" });
    expect(forks.replies.map((r) => r.index)).toEqual([0, 1, 2, 3]);
    // Reply 0 is the call as it went, up to the caller's next turn.
    const ownEnd = call.conversation.events.findIndex((e, i) => i > faultIndex && e.type === "caller_speech");
    expect(forks.replies[0]?.events).toEqual(call.conversation.events.slice(faultIndex + 1, ownEnd));
    for (const reply of forks.replies) {
      // Each reply is the agent's continuation up to the caller's next turn.
      expect(reply.events[0]?.type).toBe("tool_call");
      expect(reply.events.at(-1)?.type).toBe("agent_speech");
      expect(reply.events.some((e) => e.type === "caller_speech")).toBe(false);
    }
    const texts = forks.replies.map((r) => r.events.at(-1)).map((e) => (e?.type === "agent_speech" ? e.said : ""));
    expect(new Set(texts).size).toBe(4);
    await call.dispose();
  });

  it("keeps only replies that differ visibly when asked, trying more attempts to find them", async () => {
    // Without {roll} the agent says the same thing on every branch: nothing distinct to keep.
    const same = searchTwice.map((a) => (a.kind === "speak" ? { ...a, text: a.text.replace(" {roll}", "") } : a));
    const call = await simulateConversation(deps({ agent: stepsAgent(same) }), { keepCheckpoints: true });
    const faultIndex = call.conversation.events.findIndex((e) => e.type === "tool_result" && !e.outcome.ok);
    expect((await call.forkAt(faultIndex, 2, { distinctWithin: 4 })).replies.map((r) => r.index)).toEqual([0]);
    expect((await call.forkAt(faultIndex, 2)).replies.map((r) => r.index)).toEqual([0, 1, 2]);
    await call.dispose();
  });
});
