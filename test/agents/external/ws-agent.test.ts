import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createMcpToolBridge, createWebSocketAgent, probeAgentEndpoint } from "../../../agents/index.ts";
import { type ConversationDeps, simulateConversation } from "../../../sim/index.ts";
import { builtinTools, Rng } from "../../../tools/index.ts";
import { miniCallDeps } from "../../helpers/mini-call.ts";
import { GREETING, OFFER, startWsPolicyAgent, type WsMischief, type WsPolicyAgent } from "../../helpers/policy-agents.ts";
import { miniPack } from "../../fixtures/mini-pack.ts";

const scenario = miniPack.scenarios[0]!;
const tools = builtinTools.filter((t) => miniPack.agent.tools.includes(t.name));

const deps = (agent: ConversationDeps["agent"], conversationId = "book-easy#0") => miniCallDeps({ agent, conversationId });

const agents = new Map<WsMischief, WsPolicyAgent>();
// Only the silent agent meets the short timeout; the others get room for a loaded machine.
const wsAgent = (mischief: WsMischief) => createWebSocketAgent({ url: agents.get(mischief)!.url, tools: tools.map((t) => t.openAISchema()), turnTimeoutMs: mischief === "silent_after_greeting" ? 150 : 5_000 });

beforeAll(async () => {
  for (const mischief of ["none", "silent_after_greeting", "hang_up_on_caller", "bad_frame", "not_json", "tools_over_mcp"] as const) agents.set(mischief, await startWsPolicyAgent(mischief));
});
afterAll(async () => {
  await Promise.all([...agents.values()].map((a) => a.close()));
});

describe("an agent behind a WebSocket", () => {
  it("runs calls end to end: its tool calls land in the tool log with the scenario's faults, and it hears tool results and the caller", async () => {
    const agent = wsAgent("none");
    const calls = await Promise.all(["book-easy#0", "book-easy#1"].map((id) => simulateConversation(deps(agent, id))));
    for (const { conversation } of calls) {
      expect(conversation.status).toBe("completed");
      expect(conversation.endReason).toBe("agent_ended");
      expect(conversation.backends.agent).toBe(`ws:${agents.get("none")!.url}`);
      // The first search meets the scenario's timeout fault; the agent's retry succeeds.
      expect(conversation.toolLog.map((r) => [r.tool, r.fault ?? null, r.outcome.ok])).toEqual([
        ["search_slots", "timeout", false],
        ["search_slots", null, true],
      ]);
      expect(conversation.events.filter((e) => e.type === "agent_speech").map((e) => e.said)).toEqual([GREETING, OFFER, "Goodbye."]);
      expect(conversation.agentLatency?.map((t) => t.turn)).toEqual([0, 1, 2]);
      expect(conversation.agentLatency?.[1]?.tools.map((t) => t.tool)).toEqual(["search_slots", "search_slots"]);
      expect(conversation.agentLatency?.every((t) => typeof t.firstSpeechMs === "number")).toBe(true);
    }
    // The agent receives session.end just after the call is recorded.
    await vi.waitFor(() => expect(agents.get("none")!.received.get("book-easy#1")!.at(-1)).toMatchObject({ type: "session.end" }));
    const frames = agents.get("none")!.received.get("book-easy#1")!;
    expect(frames.map((f) => f.type)).toEqual(["session.start", "caller.said", "tool.result", "tool.result", "caller.said", "session.end"]);
    const start = frames[0]!;
    expect(start).toMatchObject({ protocol: "voicesim.agent.v1", callId: "book-easy#1", clock: { timezone: "America/Chicago" } });
    expect((start.tools as Array<{ function: { name: string } }>).map((t) => t.function.name)).toContain("search_slots");
    // Never the scenario's hidden facts or expectations.
    expect(JSON.stringify(start)).not.toMatch(/1982-03-03|hiddenFacts|expectations|SLT-1/);
    expect(frames[1]).toMatchObject({ turn: 1, events: [{ type: "speech", text: "I'd like to book a cleaning.", bargedIn: false }] });
    expect(frames[2]).toMatchObject({ ok: false, error: { code: "timeout" } });
    expect(frames[5]).toMatchObject({ reason: "agent_ended" });
  });

  it("fails the call with the reason when the agent does not answer within the turn timeout", async () => {
    const { conversation } = await simulateConversation(deps(wsAgent("silent_after_greeting")));
    expect(conversation.status).toBe("failed");
    expect(conversation.error).toMatch(/^agent failed: ws agent ws:\/\/127\.0\.0\.1:\d+\/\S*: no answer within 150 ms at turn 1/);
  });

  it("fails the call when the agent drops the connection, and does not reconnect", async () => {
    const { conversation } = await simulateConversation(deps(wsAgent("hang_up_on_caller")));
    expect(conversation.status).toBe("failed");
    expect(conversation.error).toMatch(/closed the connection mid-call .*not resumed/);
    expect(agents.get("hang_up_on_caller")!.received.size).toBe(1);
    // Asked to go on with the same call (a fork, a retry), it refuses rather than reconnect.
    const agent = wsAgent("none");
    const later = await agent.nextStep({ pack: miniPack, now: scenario.clock.now, timezone: scenario.clock.timezone, events: conversation.events, turn: 2, memory: null, flaws: [], conversationId: "book-easy#9" }, Rng.derive(1, "x")).catch((e: Error) => e);
    expect(String(later)).toMatch(/never resumed or replayed on a new one/);
    expect(agents.get("none")!.received.has("book-easy#9")).toBe(false);
  });

  it("rejects a frame that breaks the protocol with a message naming the field, tells the agent, and fails the call", async () => {
    const { conversation } = await simulateConversation(deps(wsAgent("bad_frame")));
    expect(conversation.status).toBe("failed");
    expect(conversation.error).toMatch(/invalid "agent\.tool_call" frame: arguments: /);
    await vi.waitFor(() => expect(agents.get("bad_frame")!.received.get("book-easy#0")!.at(-1)).toMatchObject({ type: "session.end" }));
    const frames = agents.get("bad_frame")!.received.get("book-easy#0")!;
    expect(frames.at(-2)).toMatchObject({ type: "error", message: expect.stringMatching(/arguments/) });
    expect(frames.at(-1)).toMatchObject({ type: "session.end" });
    const notJson = await simulateConversation(deps(wsAgent("not_json")));
    expect(notJson.conversation.error).toMatch(/invalid frame: not JSON: \{oops/);
  });

  it("serves the call's mocked tools over MCP: calls made there land in the same tool log with the same faults", async () => {
    const bridge = createMcpToolBridge({ tools: tools.map((t) => t.openAISchema()) });
    try {
      const agent = createWebSocketAgent({ url: agents.get("tools_over_mcp")!.url, tools: tools.map((t) => t.openAISchema()), turnTimeoutMs: 3_000, mcp: bridge });
      const { conversation } = await simulateConversation(deps(agent));
      expect(conversation.status).toBe("completed");
      expect(conversation.toolLog.map((r) => [r.tool, r.fault ?? null, r.outcome.ok])).toEqual([
        ["search_slots", "timeout", false],
        ["search_slots", null, true],
      ]);
      const { mcpSeen } = agents.get("tools_over_mcp")!;
      expect(mcpSeen.tools).toContain("search_slots");
      expect(mcpSeen.results.map((r) => r.isError)).toEqual([true, false]);
      expect(mcpSeen.results[0]?.text).toMatch(/"code":"timeout"/);
      const start = agents.get("tools_over_mcp")!.received.get("book-easy#0")![0]!;
      expect(start.mcp).toEqual({ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/mcp\/book-easy%230$/) });
      // The call is over: its MCP address answers 404.
      expect((await fetch((start.mcp as { url: string }).url, { method: "POST" })).status).toBe(404);
    } finally {
      await bridge.stop();
    }
  });

  it("fails fast on a dead endpoint with a message naming the URL", async () => {
    await expect(probeAgentEndpoint("ws://127.0.0.1:9/agent", 500)).rejects.toThrow(/no agent answers at ws:\/\/127\.0\.0\.1:9\/agent/);
    const { conversation } = await simulateConversation(deps(createWebSocketAgent({ url: "ws://127.0.0.1:9/agent", tools: [] })));
    expect(conversation.status).toBe("failed");
    expect(conversation.error).toMatch(/ws:\/\/127\.0\.0\.1:9\/agent: cannot connect/);
  });
});
