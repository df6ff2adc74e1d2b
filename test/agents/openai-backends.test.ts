import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  CALL_CONNECTED_NOTE,
  chatToolCallId,
  type AgentBackend,
  type AgentView,
  type CallerBackend,
  type CallerView,
  createModelClient,
  createOpenAIAgent,
  createOpenAICaller,
  createScriptedAgent,
  createScriptedCaller,
  type ModelClientOptions,
  parseBackendSpec,
  resolveBackends,
} from "../../agents/index.ts";
import { Conversation, type ConversationEvent, parsePack, VoicesimError } from "../../scenarios/index.ts";
import { simulate } from "../../sim/index.ts";
import { Rng } from "../../tools/index.ts";
import { type FakeOpenAIServer, type FakeReply, type RecordedRequest, startFakeOpenAIServer } from "../helpers/fake-openai-server.ts";
import { miniPackInput } from "../fixtures/mini-pack.ts";
import { TEMPLATE_RULES, templateMessage } from "../helpers/chat-template-rules.ts";

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
  const userTurns = body.messages.filter((m) => m.role === "user" && m.content !== CALL_CONNECTED_NOTE).length;
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
    // Every agent request is one that strict chat templates (Llama 3.1, Mistral, Qwen) accept.
    const agentRequests = server.requests.filter((r) => r.body.tools);
    expect(agentRequests.length).toBeGreaterThan(2);
    for (const request of agentRequests) {
      const row = { messages: request.body.messages.map(templateMessage), tools: request.body.tools ?? [] };
      expect(TEMPLATE_RULES.mistral(row)).toEqual([]);
      expect(TEMPLATE_RULES.qwen(row)).toEqual([]);
      expect(TEMPLATE_RULES["llama3.1"](row)).toEqual([]);
    }

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
    await expect(caller.nextTurn(callerView([]), Rng.derive(1))).rejects.toMatchObject({ name: "ModelCallError", kind: "malformed_output" });
    expect(server.requests).toHaveLength(2);
    // The second request says what was wrong; the first answer was not JSON at all.
    expect(server.requests[1]?.body.messages.at(-1)?.content).toMatch(/not valid: not JSON/);
  });
});

const at = { at: 0 };
function callerView(events: ConversationEvent[]): CallerView {
  return { pack: loaded.pack, scenario: loaded.pack.scenarios[0]!, persona: loaded.pack.personas[0]!, events, turn: 1, memory: null };
}
function agentView(events: ConversationEvent[]): AgentView {
  return { pack: loaded.pack, now: "2026-03-10T09:05:00-05:00", timezone: "America/Chicago", events, turn: 2, memory: null, flaws: [], conversationId: "conversation-1" };
}
const callSoFar: ConversationEvent[] = [
  { type: "agent_speech", turn: 1, said: "Thanks for calling Elm Street Dental, this is Ava.", callerHeard: "Thanks for calling Elm Street Dental, this is Ava.", interrupted: false, durationMs: 2000, ...at },
  { type: "caller_speech", turn: 1, said: "My number is 555 201 3344.", heard: "My number is 555 201 3340.", bargedIn: false, durationMs: 1500, ...at },
  { type: "agent_speech", turn: 2, said: "Let me look that up.", callerHeard: "Let me look that up.", interrupted: false, durationMs: 900, ...at },
  { type: "tool_call", turn: 2, callId: "call_7", tool: "find_customer", args: { phone: "5552013340" }, ...at },
  { type: "tool_result", turn: 2, callId: "call_7", tool: "find_customer", outcome: { ok: true, result: { customers: [] } }, latencyMs: 300, ...at },
  { type: "agent_speech", turn: 2, said: "I couldn't find that number. Could you say it again slowly please?", callerHeard: "I couldn't find that number.", interrupted: true, durationMs: 1200, ...at },
  { type: "silence", turn: 3, who: "caller", durationMs: 4000, ...at },
];

describe("the openai agent", () => {
  const tools = loaded.tools.map((t) => t.openAISchema());

  it("sees the pack policy, the date, and the call as heard, with its tool calls and their results", async () => {
    server = await startFakeOpenAIServer([{ toolCalls: [{ name: "find_customer", arguments: { phone: "5552013344" }, id: "call_8" }], usage: { prompt: 300, completion: 12 } }]);
    const agent = createOpenAIAgent({ client: createModelClient({ model: "fake-model", baseUrl: server.baseUrl }), tools });
    const step = await agent.nextStep(agentView(callSoFar), Rng.derive(1, "agent"));
    expect(step.action).toEqual({ kind: "tool_calls", calls: [{ callId: "call_8", tool: "find_customer", args: { phone: "5552013344" } }] });
    expect(step.usage).toEqual({ promptTokens: 300, completionTokens: 12, modelCalls: 1, cachedCalls: 0 });
    const body = server.requests[0]?.body;
    const system = String(body?.messages[0]?.content);
    expect(system).toContain("Verify date of birth before discussing appointments.");
    expect(system).toContain("Today is Tuesday, March 10, 2026, 9:05 AM, America/Chicago.");
    expect(system).toMatch(/numbers, amounts, dates and times in words/);
    expect(system).toContain("I can't give medical advice.");
    // A user turn first (Llama 3.1 and Mistral templates need one), then the call as heard.
    expect(body?.messages.slice(1).map((m) => [m.role, m.content])).toEqual([
      ["user", CALL_CONNECTED_NOTE],
      ["assistant", "Thanks for calling Elm Street Dental, this is Ava."],
      ["user", "My number is 555 201 3340."],
      ["assistant", "Let me look that up."],
      ["tool", '{"customers":[]}'],
      ["assistant", "I couldn't find that number. [interrupted]"],
      ["user", "[caller silent for 4 seconds]"],
    ]);
    // Ids the model sees are nine alphanumerics derived from the conversation, not the server's.
    const id = chatToolCallId("conversation-1", 0);
    expect(id).toMatch(/^[a-z0-9]{9}$/);
    expect(body?.messages[4]?.tool_calls).toEqual([{ id, type: "function", function: { name: "find_customer", arguments: '{"phone":"5552013340"}' } }]);
    expect(body?.messages[5]).toEqual({ role: "tool", tool_call_id: id, content: '{"customers":[]}' });
    expect(body?.tools?.map((t) => t.function.name)).toEqual(tools.map((t) => t.function.name));
  });

  it("speaks plain content, and leaves end_call to the graph as an ordinary tool call", async () => {
    server = await startFakeOpenAIServer([{ content: "  You're all set. Goodbye!  " }, { content: "Goodbye!", toolCalls: [{ name: "end_call", arguments: { reason: "done" } }] }]);
    const agent = createOpenAIAgent({ client: createModelClient({ model: "fake-model", baseUrl: server.baseUrl }), tools });
    expect((await agent.nextStep(agentView(callSoFar), Rng.derive(1))).action).toEqual({ kind: "speak", text: "You're all set. Goodbye!" });
    expect((await agent.nextStep(agentView(callSoFar), Rng.derive(2))).action).toEqual({
      kind: "tool_calls",
      text: "Goodbye!",
      calls: [{ callId: expect.any(String), tool: "end_call", args: { reason: "done" } }],
    });
  });

  it("draws a fresh sample for each fork, and replays the same one from the cache", async () => {
    server = await startFakeOpenAIServer((_request, i) => ({ content: `reply ${i}` }));
    const cacheDir = mkdtempSync(join(tmpdir(), "voicesim-forks-"));
    const agent = createOpenAIAgent({ client: createModelClient({ model: "fake-model", baseUrl: server.baseUrl, cacheDir }), tools });
    const fork = (k: number) => agent.nextStep(agentView(callSoFar), Rng.derive(5, "conversation-1", "agent", 2, 0, k));
    const replies = await Promise.all([0, 1, 2].map(fork));
    expect(new Set(replies.map((r) => (r.action.kind === "speak" ? r.action.text : "")))).toEqual(new Set(["reply 0", "reply 1", "reply 2"]));
    const again = await fork(1);
    expect(again.action).toEqual(replies[1]?.action);
    expect(again.usage).toMatchObject({ modelCalls: 0, cachedCalls: 1 });
    expect(server.requests).toHaveLength(3);
  });
});

describe("the openai caller", () => {
  it("plays its persona from a prompt and answers in the structured shape", async () => {
    server = await startFakeOpenAIServer([{ content: JSON.stringify({ utterance: " Forget it. ", hang_up: true, goal_met: false, dtmf: null }), usage: { prompt: 200, completion: 15 } }, { content: JSON.stringify({ utterance: "", hang_up: false, goal_met: false, dtmf: "5552013344" }) }]);
    const caller = createOpenAICaller({ client: createModelClient({ model: "fake-model", baseUrl: server.baseUrl }) });
    const turn = await caller.nextTurn(callerView(callSoFar), Rng.derive(1));
    expect(turn).toEqual({ utterance: "Forget it.", hangUp: true, hangUpReason: "gave_up", memory: null, usage: { promptTokens: 200, completionTokens: 15, modelCalls: 1, cachedCalls: 0 } });
    expect((await caller.nextTurn(callerView(callSoFar), Rng.derive(2))).dtmf).toBe("5552013344");

    const body = server.requests[0]?.body;
    expect(body?.response_format).toMatchObject({ type: "json_schema", json_schema: { name: "caller_turn", strict: true } });
    const schema = body?.response_format?.json_schema?.schema as { required: string[] };
    expect(schema.required).toEqual(["utterance", "hang_up", "goal_met", "dtmf"]);
    const system = String(body?.messages[0]?.content);
    expect(system).toContain("You are Maria Lopez, phoning Elm Street Dental.");
    expect(system).toMatch(/say only when the agent asks for it:\n- your name: Maria Lopez\n- your date of birth: 1982-03-03/);
    expect(system).not.toContain("CUS-1");
    expect(system).toContain("Today is Tuesday, March 10, 2026, 9:00 AM, America/Chicago.");
    // The caller hears what reached its ear (cut short by its barge-in), and its own words as it said them.
    expect(body?.messages.slice(1).map((m) => m.role)).toEqual(["user", "assistant", "user", "assistant"]);
    expect(body?.messages[2]?.content).toContain('"utterance":"My number is 555 201 3344."');
    expect(body?.messages[3]?.content).toBe("Let me look that up. I couldn't find that number.");
  });

  it("opens the call with a user turn when the agent has not spoken yet", async () => {
    server = await startFakeOpenAIServer([{ content: JSON.stringify({ utterance: "Hello?", hang_up: false, goal_met: false, dtmf: null }) }]);
    const caller = createOpenAICaller({ client: createModelClient({ model: "fake-model", baseUrl: server.baseUrl }) });
    expect((await caller.nextTurn(callerView([]), Rng.derive(1))).utterance).toBe("Hello?");
    expect(server.requests[0]?.body.messages.map((m) => m.role)).toEqual(["system", "user"]);
  });

  it("accepts a good second answer after a malformed first one", async () => {
    server = await startFakeOpenAIServer([{ content: '{"utterance": "hi"}' }, { content: '{"utterance": "hi", "hang_up": false}' }]);
    const caller = createOpenAICaller({ client: createModelClient({ model: "fake-model", baseUrl: server.baseUrl }) });
    const turn = await caller.nextTurn(callerView([]), Rng.derive(1));
    expect(turn).toMatchObject({ utterance: "hi", hangUp: false, usage: { modelCalls: 2 } });
    expect(server.requests[1]?.body.messages.at(-1)?.content).toMatch(/hang_up/);
  });
});

describe("backend specs", () => {
  it("reads scripted and openai:<model> ids, promptfoo style", () => {
    expect(parseBackendSpec("scripted")).toEqual({ kind: "scripted", id: "scripted" });
    expect(parseBackendSpec("openai:gpt-4o-mini")).toEqual({ kind: "openai", id: "openai:gpt-4o-mini", model: "gpt-4o-mini" });
    expect(parseBackendSpec("openai:chat:gpt-4o")).toMatchObject({ model: "gpt-4o" });
    expect(parseBackendSpec("openai:llama3.1:8b")).toMatchObject({ model: "llama3.1:8b" });
    expect(parseBackendSpec("openai:meta-llama/Llama-3.1-8B-Instruct")).toMatchObject({ model: "meta-llama/Llama-3.1-8B-Instruct" });
    for (const bad of ["openai:", "gpt-4o", "anthropic:claude", ""]) {
      expect(() => parseBackendSpec(bad)).toThrow(VoicesimError);
    }
    try {
      parseBackendSpec("gpt-4o");
    } catch (e) {
      expect((e as VoicesimError).code).toBe("bad_option");
      expect((e as VoicesimError).hint).toMatch(/openai:<model>/);
    }
  });

  it("builds the scripted backends from the injected factories, and one client per distinct model", () => {
    const made: ModelClientOptions[] = [];
    const scriptedCaller: CallerBackend = createScriptedCaller();
    const scriptedAgent: AgentBackend = createScriptedAgent();
    const factories = {
      createScriptedCaller: () => scriptedCaller,
      createScriptedAgent: () => scriptedAgent,
      createModelClient: (options: ModelClientOptions) => {
        made.push(options);
        return createModelClient(options);
      },
    };
    const offline = resolveBackends({ caller: "scripted", agent: "scripted", tools: [] }, factories);
    expect(offline.caller).toBe(scriptedCaller);
    expect(offline.agent).toBe(scriptedAgent);
    expect(offline.clients).toEqual([]);

    const shared = resolveBackends({ caller: "openai:m1", agent: "openai:m1", tools: [], baseUrl: "http://127.0.0.1:9/v1", cacheDir: "/tmp/x", timeoutMs: 1000 }, factories);
    expect([shared.caller.id, shared.agent.id]).toEqual(["openai:m1", "openai:m1"]);
    expect(shared.clients).toHaveLength(1);
    expect(made).toEqual([{ model: "m1", baseUrl: "http://127.0.0.1:9/v1", cacheDir: "/tmp/x", timeoutMs: 1000 }]);

    const mixed = resolveBackends({ caller: "openai:small", agent: "openai:big", tools: [], baseUrl: "http://localhost:11434/v1" }, factories);
    expect(mixed.clients.map((c) => c.id)).toEqual(["openai:small", "openai:big"]);
    const half = resolveBackends({ caller: "scripted", agent: "openai:big", tools: [], baseUrl: "http://localhost:11434/v1" }, factories);
    expect([half.caller, half.agent.id]).toEqual([scriptedCaller, "openai:big"]);
  });

  it("fails before any call when a remote model has no key", () => {
    const saved = process.env.OPENAI_API_KEY;
    delete process.env.OPENAI_API_KEY;
    try {
      expect(() => resolveBackends({ caller: "scripted", agent: "openai:gpt-4o-mini", tools: [] }, { createScriptedCaller, createScriptedAgent })).toThrow(VoicesimError);
    } finally {
      if (saved !== undefined) process.env.OPENAI_API_KEY = saved;
    }
  });
});
