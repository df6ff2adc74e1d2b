import { afterEach, describe, expect, it } from "vitest";
import { createModelClient } from "../../agents/index.ts";
import { createLLMCritic, createLLMJudge, programmaticChecks, scoreConversation } from "../../pipeline/index.ts";
import { cleanEvents, conversation, scenario } from "../fixtures/judge-fixtures.ts";
import { miniPack } from "../fixtures/mini-pack.ts";
import { type FakeOpenAIServer, type FakeReply, startFakeOpenAIServer } from "../helpers/fake-openai-server.ts";

let server: FakeOpenAIServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const goodRubric = JSON.stringify({
  scores: ["helpfulness", "correctness", "policy_compliance", "speech_formatting", "tool_usage"].map((dimension) => ({ dimension, score: 4, reason: `${dimension} was fine.` })),
});

async function judgeWith(replies: FakeReply[]) {
  server = await startFakeOpenAIServer(replies);
  return createLLMJudge(createModelClient({ model: "judge-model", baseUrl: server.baseUrl, retryBaseMs: 1 }));
}

describe("the LLM judge", () => {
  it("scores through the fake server at temperature 0 with a JSON schema, and the score uses its rubric", async () => {
    const judge = await judgeWith([{ content: goodRubric }]);
    const input = { conversation: conversation(cleanEvents()), scenario, pack: miniPack };
    const answer = await judge.rubric(input, programmaticChecks(input));
    expect("rubric" in answer && answer.rubric.map((r) => r.score)).toEqual([4, 4, 4, 4, 4]);
    const request = server?.requests[0]?.body;
    expect(request?.temperature).toBe(0);
    expect(request?.response_format?.type).toBe("json_schema");
    expect(request?.messages[1]?.content).toContain("CALLER said");
    if ("rubric" in answer) expect(scoreConversation(input, { rubric: answer.rubric, judge: judge.id }).judge).toBe("openai:judge-model");
  });

  it("retries once on a malformed answer, then records a judge failure and falls back to the scripted rubric", async () => {
    const judge = await judgeWith([{ content: "{not json" }, { content: '{"scores": [{"dimension": "helpfulness", "score": 9}]}' }]);
    const input = { conversation: conversation(cleanEvents()), scenario, pack: miniPack };
    const answer = await judge.rubric(input, programmaticChecks(input));
    expect(answer).toMatchObject({ error: expect.stringMatching(/malformed|JSON/) });
    expect(server?.requests).toHaveLength(2);
    // Both calls are counted; the one the client could not parse brings no token figures.
    expect(answer.usage).toMatchObject({ completionTokens: 10, modelCalls: 2, cachedCalls: 0 });
    const score = scoreConversation(input, { rubric: scoreConversation(input).rubric, judge: "scripted", judgeError: "error" in answer ? answer.error : "" });
    expect(score.judgeError).toBeDefined();
    expect(score.reasons.join(" ")).toMatch(/LLM judge failed/);
  });

  it("turns what it finds into checks that reject the call, and sees whole tool results", async () => {
    const found = JSON.stringify({ ...JSON.parse(goodRubric), findings: [{ kind: "tone", turn: 2, explanation: "curt and dismissive" }] });
    const judge = await judgeWith([{ content: found }]);
    const input = { conversation: conversation(cleanEvents()), scenario, pack: miniPack };
    const answer = await judge.rubric(input, programmaticChecks(input));
    expect("checks" in answer && answer.checks).toEqual([{ id: "llm:tone", passed: false, message: "agent turn 2: curt and dismissive", eventIndex: 2 }]);
    if (!("rubric" in answer)) throw new Error("no rubric");
    const score = scoreConversation(input, { rubric: answer.rubric, judge: judge.id, ...(answer.checks ? { checks: answer.checks } : {}) });
    expect(score.verdict).toBe("reject");
    expect(score.reasons.join(" ")).toMatch(/llm:tone/);
    // The longest tool result goes to the judge whole, not cut at 300 characters.
    expect(server?.requests[0]?.body.messages[1]?.content).toContain('"provider_name":"Dr. Chen","service_name":"cleaning"');
  });

  it("recovers when the retry is well-formed", async () => {
    const judge = await judgeWith([{ content: "nope" }, { content: goodRubric }]);
    const input = { conversation: conversation(cleanEvents()), scenario, pack: miniPack };
    expect(await judge.rubric(input, programmaticChecks(input))).toHaveProperty("rubric");
  });
});

describe("the LLM critic", () => {
  it("returns the model's flags as a structured critique", async () => {
    server = await startFakeOpenAIServer([{ content: JSON.stringify({ flags: [{ kind: "unrealistic", reason: "no clinic books on Sunday night" }] }) }]);
    const critic = createLLMCritic(createModelClient({ model: "critic-model", baseUrl: server.baseUrl }));
    const critique = await critic.critique(scenario, { pack: miniPack, existing: [] });
    expect(critique).toEqual({ ok: false, flags: [{ kind: "unrealistic", reason: "no clinic books on Sunday night" }], critic: "openai:critic-model",
      // What the verdict cost travels with it into scenarios.jsonl.
      usage: { promptTokens: expect.any(Number), completionTokens: 10, modelCalls: 1, cachedCalls: 0 },
    });
  });
});
