import { describe, expect, it } from "vitest";
import { complicationCoverage, complicationOutcomes, happened } from "../../pipeline/report/complication-coverage.ts";
import type { Complication, Conversation, ConversationEvent, Scenario } from "../../scenarios/index.ts";
import { miniPack } from "../fixtures/mini-pack.ts";

const zero = { promptTokens: 0, completionTokens: 0, modelCalls: 0, cachedCalls: 0 };
const baseScenario = miniPack.scenarios[0] as Scenario;

let at = 0;
const caller = (said: string, extra: Partial<Extract<ConversationEvent, { type: "caller_speech" }>> = {}): ConversationEvent => ({
  type: "caller_speech", turn: 1, said, heard: said, bargedIn: false, at: (at += 1000), durationMs: 900, ...extra,
});
const agent = (said: string, interrupted = false): ConversationEvent => ({
  type: "agent_speech", turn: 1, said, callerHeard: said, interrupted, at: (at += 1000), durationMs: 900,
});

function call(events: ConversationEvent[], extra: Partial<Conversation> = {}): Conversation {
  return {
    id: "c#0", scenarioId: baseScenario.id, packId: miniPack.id, candidate: 0, seed: 1,
    backends: { caller: "t", agent: "t" }, injectedFlaws: [], events,
    timing: { durationMs: 0, agentTalkMs: 0, callerTalkMs: 0, deadAirMs: 0, toolLatencyMs: 0 },
    worldChanges: [], session: { verifiedCustomerIds: [], failedVerifications: 0 }, toolLog: [],
    usage: { caller: zero, agent: zero }, status: "completed", endReason: "caller_satisfied", ...extra,
  };
}

const did = (complication: Complication, events: ConversationEvent[], extra: Partial<Conversation> = {}, scenario: Partial<Scenario> = {}) =>
  happened(complication, { conversation: call(events, extra), scenario: { ...baseScenario, complications: [complication], ...scenario }, pack: miniPack });

describe("a change of mind", () => {
  const change: Complication = { kind: "change_mind", slot: "time", from: "9 am", to: "2 pm" };
  it("happened when the caller says the new value after the first one was said", () => {
    expect(did(change, [caller("Thursday at nine a m please."), agent("Booked for 9 am."), caller("Uh, actually, can we do um two p m instead?")])).toBe(true);
    // The agent offered the first value; the caller moved off it.
    expect(did(change, [agent("I have 9 am or 2 pm."), caller("Two p m.")])).toBe(true);
  });
  it("did not happen when only one value came up, or the new one came first", () => {
    expect(did(change, [caller("Thursday at nine a m please."), agent("Booked."), caller("Thanks, bye.")])).toBe(false);
    expect(did(change, [caller("Two p m would be great."), agent("Booked for 2 pm."), caller("Nine a m is too early anyway.")])).toBe(false);
  });
});

describe("a correction", () => {
  const correction: Complication = { kind: "correction", slot: "date", wrong: "the 15th", right: "the 16th" };
  it("happened when the caller gives the wrong value and then the right one", () => {
    expect(did(correction, [caller("The fifteenth."), agent("The 15th, got it."), caller("Oh wait, sorry, I meant the sixteenth, not the fifteenth.")])).toBe(true);
  });
  it("did not happen when the caller never gave the wrong value, or never corrected it", () => {
    expect(did(correction, [caller("The sixteenth."), agent("Done.")])).toBe(false);
    expect(did(correction, [caller("The fifteenth."), agent("Done."), caller("Bye.")])).toBe(false);
    // The agent saying the right value is not the caller correcting.
    expect(did(correction, [caller("The fifteenth."), agent("Did you mean the 16th?")])).toBe(false);
  });
});

describe("a refusal trap", () => {
  it("happened when the caller says the trap's utterance, or a keyword of the pack's refusal rule for it", () => {
    const withLine: Complication = { kind: "refusal_trap", trap: "medical_advice", utterance: "Can you tell me which pills to take?" };
    expect(did(withLine, [caller("So, uh, can you tell me which pills to take?")])).toBe(true);
    const bare: Complication = { kind: "refusal_trap", trap: "medical_advice" };
    expect(did(bare, [caller("Should I take ibuprofen for this?")])).toBe(true);
    expect(did(bare, [caller("I'd like a cleaning on Thursday.")])).toBe(false);
    // A keyword of another trap's rule does not count.
    expect(did({ kind: "refusal_trap", trap: "waive_fee" }, [caller("Should I take ibuprofen?")])).toBe(false);
  });
});

describe("the other complications", () => {
  it("silence: a caller silence at least as long as planned", () => {
    const silence: Complication = { kind: "silence", atTurn: 2, seconds: 6 };
    expect(did(silence, [{ type: "silence", turn: 2, who: "caller", durationMs: 6000, at: 1 }])).toBe(true);
    expect(did(silence, [{ type: "silence", turn: 2, who: "agent", durationMs: 9000, at: 1 }])).toBe(false);
    expect(did(silence, [{ type: "silence", turn: 2, who: "caller", durationMs: 3000, at: 1 }])).toBe(false);
  });

  it("request_human: a hand-off, or the caller asking for a person", () => {
    const human: Complication = { kind: "request_human" };
    expect(did(human, [caller("Can I just talk to a real person, please?")])).toBe(true);
    expect(did(human, [{ type: "tool_call", turn: 1, callId: "t1", tool: "transfer_to_human", args: {}, at: 1 }])).toBe(true);
    expect(did(human, [caller("Thursday works.")], { endReason: "handoff" })).toBe(true);
    expect(did(human, [caller("Thursday works.")])).toBe(false);
  });

  it("dtmf: digits keyed on the keypad", () => {
    const keyed: Complication = { kind: "dtmf", slot: "zip" };
    expect(did(keyed, [caller("[keypad 6 0 6 1 4]", { heard: "60614", dtmf: "60614" })])).toBe(true);
    expect(did(keyed, [caller("Six oh six one four.")])).toBe(false);
  });

  it("wrong_person: the caller says who they are, or that they are not the account holder", () => {
    const wrong: Complication = { kind: "wrong_person", relation: "daughter" };
    expect(did(wrong, [caller("Oh, this isn't Maria. I'm her daughter.")])).toBe(true);
    expect(did(wrong, [caller("She's not home right now.")])).toBe(true);
    expect(did(wrong, [caller("Yes, this is Maria.")])).toBe(false);
  });

  it("interrupts: a barge-in", () => {
    const interrupts: Complication = { kind: "interrupts", rate: 0.5 };
    expect(did(interrupts, [agent("Let me read you the", true), caller("Thursday.", { bargedIn: true })])).toBe(true);
    expect(did(interrupts, [agent("Let me read you the times."), caller("Thursday.")])).toBe(false);
  });

  it("underspecified: the opening leaves the named slots out", () => {
    const vague: Complication = { kind: "underspecified", slots: ["date"] };
    expect(did(vague, [caller("I need to come in."), agent("What day?"), caller("Thursday.")])).toBe(true);
    expect(did(vague, [caller("I need to come in on Thursday.")])).toBe(false);
  });
});

describe("coverage over calls", () => {
  it("counts calls that planned each complication, calls where it happened, and those kept in the dataset", () => {
    const scenario: Scenario = { ...baseScenario, complications: [{ kind: "dtmf", slot: "zip" }, { kind: "refusal_trap", trap: "medical_advice" }] };
    const keyed = caller("[keypad 1]", { heard: "1", dtmf: "1" });
    const calls = [
      { conversation: { ...call([keyed, caller("Should I take aspirin?")]), id: "a#0" }, scenario, pack: miniPack },
      { conversation: { ...call([keyed]), id: "a#1" }, scenario, pack: miniPack },
      { conversation: { ...call([caller("hello")]), id: "a#2" }, scenario, pack: miniPack },
    ];
    expect(complicationOutcomes(calls[1] as (typeof calls)[number])).toEqual([
      { label: "dtmf", happened: true },
      { label: "trap:medical_advice", happened: false },
    ]);
    expect(complicationCoverage(calls, new Set(["a#0", "a#2"]))).toEqual([
      { label: "dtmf", planned: 3, happened: 2, inDataset: 1 },
      { label: "trap:medical_advice", planned: 3, happened: 1, inDataset: 1 },
    ]);
  });
});
