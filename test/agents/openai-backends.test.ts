import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createModelClient, createOpenAIAgent, createOpenAICaller, createScriptedCaller } from "../../agents/index.ts";
import { Conversation, parsePack } from "../../scenarios/index.ts";
import { simulate } from "../../sim/index.ts";
import { type FakeOpenAIServer, type FakeReply, type RecordedRequest, startFakeOpenAIServer } from "../helpers/fake-openai-server.ts";
import { miniPackInput } from "../fixtures/mini-pack.ts";

let server: FakeOpenAIServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const loaded = { ...parsePack(miniPackInput), dir: "test/fixtures", hash: "mini" };
const CALLER_LINES = ["Hi, I'd like to book a cleaning on Thursday.", "It's three one two, five five five, oh one four seven.", "Great, thanks. Bye!"];

/** A pretend model: the caller answers from a script, the agent greets, searches, then confirms. */
function pretendModel(request: RecordedRequest): FakeReply {
  const body = request.body;
  if (body.response_format) {
    const turn = body.messages.filter((m) => m.role === "assistant").length;
    const line = CALLER_LINES[Math.min(turn, CALLER_LINES.length - 1)] ?? "";
    return { content: JSON.stringify({ utterance: line, hang_up: turn >= CALLER_LINES.length - 1 }) };
  }
  const last = body.messages.at(-1);
  const userTurns = body.messages.filter((m) => m.role === "user").length;
  if (userTurns === 0) return { content: "Thanks for calling Elm Street Dental. How can I help?" };
  if (last?.role === "tool") return { content: "I found Thursday at nine. Shall I book it?" };
  if (userTurns === 1) return { content: "", toolCalls: [{ name: "search_slots", arguments: { date_from: "2026-03-12", date_to: "2026-03-12" } }] };
  return { content: "Anything else?" };
}

describe("the openai backends", () => {
  it("run a whole call through the real client: caller JSON turns, agent tool calls, usage, then the cache", async () => {
    server = await startFakeOpenAIServer(pretendModel);
    const out = mkdtempSync(join(tmpdir(), "voicesim-openai-"));
    const makeBackends = () => {
      const client = createModelClient({ model: "fake-model", baseUrl: server?.baseUrl ?? "", cacheDir: join(out, "cache"), retryBaseMs: 5 });
      return { caller: createOpenAICaller({ client }), agent: createOpenAIAgent({ client, tools: loaded.tools.map((t) => t.openAISchema()) }) };
    };
    const first = await simulate(loaded, { out, perScenario: 1, concurrency: 1, seed: 3, backends: makeBackends(), flawRate: 0, resume: false });
    const [call] = readFileSync(join(out, "conversations.jsonl"), "utf8").trim().split("\n").map((l) => Conversation.parse(JSON.parse(l)));
    expect(call?.status).toBe("completed");
    expect(call?.backends).toEqual({ caller: "openai:fake-model", agent: "openai:fake-model" });
    expect(call?.events.some((e) => e.type === "tool_call" && e.tool === "search_slots")).toBe(true);
    expect(call?.events.some((e) => e.type === "caller_speech" && e.said.includes("book a cleaning"))).toBe(true);
    expect(call?.endReason).toBe("caller_satisfied");
    expect(first.batch.usage.agent.modelCalls).toBeGreaterThan(1);
    expect(first.batch.usage.agent.promptTokens).toBeGreaterThan(0);
    // The agent's request carried the pack policy as system prompt and the tools as functions.
    const agentRequest = server.requests.find((r) => r.body.tools);
    expect(agentRequest?.body.messages[0]?.content).toContain("Verify date of birth");
    expect(agentRequest?.body.tools?.map((t) => t.function.name)).toContain("book_appointment");

    const before = server.requests.length;
    const rerun = mkdtempSync(join(tmpdir(), "voicesim-openai-"));
    const cachedClient = createModelClient({ model: "fake-model", baseUrl: server.baseUrl, cacheDir: join(out, "cache") });
    const again = await simulate(loaded, {
      out: rerun,
      perScenario: 1,
      concurrency: 1,
      seed: 3,
      backends: { caller: createOpenAICaller({ client: cachedClient }), agent: createOpenAIAgent({ client: cachedClient, tools: loaded.tools.map((t) => t.openAISchema()) }) },
      flawRate: 0,
      resume: false,
    });
    expect(server.requests.length).toBe(before);
    expect(again.batch.usage.agent.cachedCalls).toBeGreaterThan(0);
    const events = (dir: string) => Conversation.parse(JSON.parse(readFileSync(join(dir, "conversations.jsonl"), "utf8").trim())).events;
    expect(events(rerun)).toEqual(events(out));
  });

  it("records a call whose model keeps failing as failed, and the batch goes on", async () => {
    server = await startFakeOpenAIServer(() => ({ status: 503 }));
    const out = mkdtempSync(join(tmpdir(), "voicesim-openai-"));
    const client = createModelClient({ model: "fake-model", baseUrl: server.baseUrl, retryBaseMs: 1, maxRetries: 1 });
    const result = await simulate(loaded, {
      out,
      perScenario: 2,
      concurrency: 2,
      seed: 1,
      backends: { caller: createScriptedCaller(), agent: createOpenAIAgent({ client, tools: [] }) },
      flawRate: 0,
      resume: false,
    });
    expect(result.batch.failed).toBe(2);
    const calls = readFileSync(join(out, "conversations.jsonl"), "utf8").trim().split("\n").map((l) => Conversation.parse(JSON.parse(l)));
    expect(calls.map((c) => c.status)).toEqual(["failed", "failed"]);
    expect(calls[0]?.error).toMatch(/agent model failed: .*server failed/);
  });

  it("asks the caller model once more after malformed JSON, then fails the call", async () => {
    server = await startFakeOpenAIServer([{ content: "not json" }, { content: '{"utterance": 42}' }]);
    const client = createModelClient({ model: "fake-model", baseUrl: server.baseUrl });
    const caller = createOpenAICaller({ client });
    const view = { pack: loaded.pack, scenario: loaded.pack.scenarios[0]!, persona: loaded.pack.personas[0]!, events: [], turn: 1, memory: null };
    const { Rng } = await import("../../tools/index.ts");
    await expect(caller.nextTurn(view, Rng.derive(1))).rejects.toMatchObject({ name: "ModelCallError", kind: "malformed_output" });
    expect(server.requests).toHaveLength(2);
  });
});
