import { describe, expect, it } from "vitest";
import { CALL_CONNECTED_NOTE } from "../../agents/index.ts";
import { preferencePair } from "../../pipeline/index.ts";
import { type ConversationEvent, type ForkedReplies, OpenAIPreferenceRow, TrlPreferenceRow } from "../../scenarios/index.ts";
import { cleanEvents, conversation } from "../fixtures/judge-fixtures.ts";
import { miniPack } from "../fixtures/mini-pack.ts";

const speech = (said: string): ConversationEvent => ({ type: "agent_speech", turn: 2, said, callerHeard: said, interrupted: false, at: 0, durationMs: 1000 });
const tools = miniPack.agent.tools.map((name) => ({ type: "function" as const, function: { name, description: name, parameters: { type: "object" } } }));
// The fork comes after the caller's date of birth (event 7 of the clean call).
const call = conversation(cleanEvents());
const fork = (replies: ConversationEvent[][], reason: ForkedReplies["reason"] = "chosen"): ForkedReplies => ({
  id: "F1",
  conversationId: call.id,
  scenarioId: call.scenarioId,
  afterEvent: 7,
  reason,
  replies: replies.map((events, index) => ({ index, events, injectedFlaws: [] })),
});

describe("preferencePair, the one way a fork becomes a pair", () => {
  it("prefers the plain spoken reply over the one with markup, and writes both formats from the call up to the fork", () => {
    const pair = preferencePair(fork([[speech("**Verified!** Which day works?")], [speech("Thanks, you're verified. Which day works for you?")]]), call, miniPack, "You are Ava.", tools);
    if ("skipped" in pair) throw new Error(pair.skipped);
    expect(pair.preferred.index).toBe(1);
    expect(pair.rejected).toMatchObject({ index: 0, reasons: ["markup in speech"] });
    expect(pair.scores.map((s) => s.index)).toEqual([0, 1]);
    const openai = OpenAIPreferenceRow.parse(pair.openai);
    expect(openai.input.messages.slice(0, 2)).toEqual([
      { role: "system", content: "You are Ava." },
      { role: "user", content: CALL_CONNECTED_NOTE },
    ]);
    expect(openai.input.messages.at(-1)).toEqual({ role: "user", content: "March third, nineteen eighty-two." });
    expect(openai.preferred_output).toEqual([{ role: "assistant", content: "Thanks, you're verified. Which day works for you?" }]);
    expect(openai.non_preferred_output).toEqual([{ role: "assistant", content: "**Verified!** Which day works?" }]);
    expect(openai.input.tools).toEqual(tools);
    const trl = TrlPreferenceRow.parse(pair.trl);
    expect(trl.tools).toEqual(tools);
    expect(trl.chosen).toEqual([{ role: "assistant", content: "Thanks, you're verified. Which day works for you?" }]);
    // The prompt's tool call and its result keep one id, in both formats.
    const trlCall = trl.prompt.find((m) => m.role === "assistant" && m.tool_calls?.length);
    const trlResult = trl.prompt.find((m) => m.role === "tool");
    expect(trlCall?.role === "assistant" && trlCall.tool_calls?.[0]?.id).toMatch(/^[a-z0-9]{9}$/);
    expect(trlResult?.role === "tool" && trlResult.tool_call_id).toBe(trlCall?.role === "assistant" ? trlCall.tool_calls?.[0]?.id : "");
  });

  it("makes no pair when the replies are equally good, or the gap is under minGap", () => {
    expect(preferencePair(fork([[speech("Sure, one moment.")], [speech("Okay, one moment.")]]), call, miniPack, "sys", tools)).toMatchObject({ skipped: expect.stringMatching(/no clear preference/) });
    const markup = fork([[speech("**Verified!** Which day?")], [speech("You're verified. Which day?")]]);
    expect("skipped" in preferencePair(markup, call, miniPack, "sys", tools, { minGap: 4 })).toBe(true);
    expect("skipped" in preferencePair(markup, call, miniPack, "sys", tools, { minGap: 3 })).toBe(false);
  });

  it("prefers a refusal to going along with an out-of-policy request", () => {
    const pair = preferencePair(fork([[speech("Sure, I'll waive that fee.")], [speech("I'm sorry, I can't waive the fee, but I can book you a visit.")]], "after_refusal_trap"), call, miniPack, "sys", tools);
    expect("skipped" in pair ? pair.skipped : pair.openai.preferred_output[0]?.content).toBe("I'm sorry, I can't waive the fee, but I can book you a visit.");
  });

  it("splits speech from the tool call in the outputs when asked, and pairs the first message that differs", () => {
    const withCall = (said: string, callId: string): ConversationEvent[] => [
      speech(said),
      { type: "tool_call", turn: 3, callId, tool: "search_slots", args: { service_id: "SVC-CLEAN" }, at: 0 },
      { type: "tool_result", turn: 3, callId, tool: "search_slots", outcome: { ok: true, result: { slots: [] } }, latencyMs: 200, at: 0 },
    ];
    const split = preferencePair(fork([withCall("**Checking** now", "x1"), withCall("Let me check that for you.", "x2")]), call, miniPack, "sys", tools, { splitToolSpeech: true });
    if ("skipped" in split) throw new Error(split.skipped);
    expect(split.openai.preferred_output).toEqual([{ role: "assistant", content: "Let me check that for you." }]);
    const joined = preferencePair(fork([withCall("**Checking** now", "x1"), withCall("Let me check that for you.", "x2")]), call, miniPack, "sys", tools);
    if ("skipped" in joined) throw new Error(joined.skipped);
    expect(joined.openai.preferred_output[0]).toMatchObject({ content: "Let me check that for you.", tool_calls: [{ function: { name: "search_slots" } }] });
  });
});
