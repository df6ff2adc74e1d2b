import { describe, expect, it } from "vitest";
import { CALL_CONNECTED_NOTE } from "../../agents/index.ts";
import { judgeFork, preferencePair, scoreConversation } from "../../pipeline/index.ts";
import { type ConversationEvent, type ForkedReplies, OpenAIPreferenceRow, TrlPreferenceRow } from "../../scenarios/index.ts";
import { cleanEvents, conversation, scenario } from "../fixtures/judge-fixtures.ts";
import { miniPack } from "../fixtures/mini-pack.ts";

const speech = (said: string): ConversationEvent => ({ type: "agent_speech", turn: 3, said, callerHeard: said, interrupted: false, at: 0, durationMs: 1000 });
const tools = miniPack.agent.tools.map((name) => ({ type: "function" as const, function: { name, description: name, parameters: { type: "object" } } }));
// The fork comes after the caller's date of birth (event 7 of the clean call); the call's own reply
// verifies, searches and offers nine a m with Dr. Chen (events 8 to 12).
const call = conversation(cleanEvents());
const own = call.events.slice(8, 13);
const score = scoreConversation({ conversation: call, scenario, pack: miniPack });
/** The call's own tool steps with other words spoken after them. */
const saying = (said: string): ConversationEvent[] => [...own.slice(0, 4), speech(said)];
const fork = (alternatives: ConversationEvent[][], reason: ForkedReplies["reason"] = "chosen"): ForkedReplies => ({
  id: "F1",
  conversationId: call.id,
  scenarioId: call.scenarioId,
  afterEvent: 7,
  reason,
  replies: [{ index: 0, events: own, injectedFlaws: [] }, ...alternatives.map((events, i) => ({ index: i + 1, events, injectedFlaws: [] }))],
});
const judged = (f: ForkedReplies) => judgeFork({ fork: f, conversation: call, score, scenario, pack: miniPack });

describe("judgeFork: the full judge picks the rejected reply, the call's own reply is preferred", () => {
  it("rejects the first reply with checks that fail only because of it, with the judge's reasons", () => {
    const choice = judged(
      fork([
        saying("Thanks. Thursday the twelfth, I've got nine a m with Dr. Chen. Would that work for you?"),
        saying("On Thursday I have ten a m with Dr. Patel, or nine a m. Shall I book one?"),
        saying("**Thursday**: nine a m with Dr. Chen. Does that work?"),
      ]),
    );
    if ("skipped" in choice) throw new Error(choice.skipped);
    expect(choice.preferred.index).toBe(0);
    // Reply 1 is a fair paraphrase; reply 2 names a time and a provider no tool gave.
    expect(choice.rejected.index).toBe(2);
    expect(choice.rejected.reasons.map((r) => r.split(":")[0])).toEqual(["grounded_facts"]);
    expect(choice.verdicts.map((v) => [v.index, v.reasons.map((r) => r.split(":")[0])])).toEqual([
      [1, []],
      [2, ["grounded_facts"]],
      [3, ["voice_markup"]],
    ]);
  });

  it("makes no pair when the judge faults no alternative, however differently it reads", () => {
    const choice = judged(fork([saying("Thanks. Thursday the twelfth, I've got nine a m with Dr. Chen. Would that work for you?")]));
    expect(choice).toMatchObject({ skipped: expect.stringMatching(/none of the 1 alternative/) });
  });

  it("makes no pair when the judge faulted the call's own reply at this turn", () => {
    const weights = score.agentTurnWeights.map((w, i) => (i === 3 ? 0 : w));
    const choice = judgeFork({ fork: fork([saying("**Thursday** works?")]), conversation: call, score: { ...score, agentTurnWeights: weights }, scenario, pack: miniPack });
    expect(choice).toMatchObject({ skipped: expect.stringMatching(/faulted the call's own reply/) });
  });

  it("reads the call's own reply from the call when an older fork file has no reply 0", () => {
    const old = fork([saying("**Thursday**, nine a m with Dr. Chen?")]);
    const choice = judged({ ...old, replies: old.replies.filter((r) => r.index !== 0) });
    expect("skipped" in choice ? choice.skipped : choice.rejected.index).toBe(1);
  });
});

describe("preferencePair, the one way a fork becomes rows", () => {
  it("writes both formats from the call up to the fork, the call's own reply as the preferred output", () => {
    const f = fork([saying("**Verified!** Nine a m with Dr. Chen?")]);
    const choice = judged(f);
    if ("skipped" in choice) throw new Error(choice.skipped);
    const pair = preferencePair(f, call, choice, "You are Ava.", tools);
    if ("skipped" in pair) throw new Error(pair.skipped);
    const openai = OpenAIPreferenceRow.parse(pair.openai);
    expect(openai.input.messages.slice(0, 2)).toEqual([
      { role: "system", content: "You are Ava." },
      { role: "user", content: CALL_CONNECTED_NOTE },
    ]);
    // The two replies share their tool steps, so the prompt runs up to the search result.
    expect(openai.input.messages.at(-1)?.role).toBe("tool");
    expect(openai.preferred_output).toEqual([{ role: "assistant", content: "Thank you. On Thursday, March twelfth, I have nine a m with Dr. Chen. Does that work?" }]);
    expect(openai.non_preferred_output).toEqual([{ role: "assistant", content: "**Verified!** Nine a m with Dr. Chen?" }]);
    expect(openai.input.tools).toEqual(tools);
    const trl = TrlPreferenceRow.parse(pair.trl);
    expect(trl.tools).toEqual(tools);
    expect(trl.chosen).toEqual(openai.preferred_output);
    // The prompt's tool call and its result keep one id, in both formats.
    const trlCall = trl.prompt.find((m) => m.role === "assistant" && m.tool_calls?.length);
    const trlResult = trl.prompt.find((m) => m.role === "tool");
    expect(trlCall?.role === "assistant" && trlCall.tool_calls?.[0]?.id).toMatch(/^[a-z0-9]{9}$/);
    expect(trlResult?.role === "tool" && trlResult.tool_call_id).toBe(trlCall?.role === "assistant" ? trlCall.tool_calls?.[0]?.id : "");
  });

  it("splits speech from the tool call in the outputs when asked, and pairs the first message that differs", () => {
    const withCall = (said: string, callId: string): ConversationEvent[] => [
      speech(said),
      { type: "tool_call", turn: 3, callId, tool: "search_slots", args: { service_id: "SVC-CLEAN" }, at: 0 },
      { type: "tool_result", turn: 3, callId, tool: "search_slots", outcome: { ok: true, result: { slots: [] } }, latencyMs: 200, at: 0 },
    ];
    const f: ForkedReplies = { ...fork([]), replies: [withCall("Let me check that for you.", "x2"), withCall("**Checking** now", "x1")].map((events, index) => ({ index, events, injectedFlaws: [] })) };
    const choice = { preferred: { index: 0, reasons: [] }, rejected: { index: 1, reasons: ["voice_markup"] } };
    const split = preferencePair(f, call, choice, "sys", tools, { splitToolSpeech: true });
    if ("skipped" in split) throw new Error(split.skipped);
    expect(split.openai.preferred_output).toEqual([{ role: "assistant", content: "Let me check that for you." }]);
    const joined = preferencePair(f, call, choice, "sys", tools);
    if ("skipped" in joined) throw new Error(joined.skipped);
    expect(joined.openai.preferred_output[0]).toMatchObject({ content: "Let me check that for you.", tool_calls: [{ function: { name: "search_slots" } }] });
  });
});
