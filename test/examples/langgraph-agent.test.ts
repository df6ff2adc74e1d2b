import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMcpToolBridge, createWebSocketAgent } from "../../agents/index.ts";
import { startLangGraphAgent } from "../../examples/langgraph-agent/agent.ts";
import type { Conversation } from "../../scenarios/index.ts";
import { simulateConversation } from "../../sim/index.ts";
import { builtinTools } from "../../tools/index.ts";
import { miniCallDeps } from "../helpers/mini-call.ts";
import { type FakeOpenAIServer, startFakeOpenAIServer } from "../helpers/fake-openai-server.ts";
import { miniPack } from "../fixtures/mini-pack.ts";

const tools = builtinTools.filter((t) => miniPack.agent.tools.includes(t.name)).map((t) => t.openAISchema());
const SEARCH = { date_from: "2026-03-12", date_to: "2026-03-13" };

let model: FakeOpenAIServer;
let agent: Awaited<ReturnType<typeof startLangGraphAgent>>;
let conversation: Conversation;
const bridge = createMcpToolBridge({ tools });

beforeAll(async () => {
  // The model, on loopback: greets, searches when asked to book, retries a failed search, offers the slot, says goodbye.
  model = await startFakeOpenAIServer((request) => {
    const last = request.body.messages.at(-1);
    if (last?.role === "tool") return (last.content ?? "").includes('"error"') ? { toolCalls: [{ name: "search_slots", arguments: SEARCH }] } : { content: "I have Thursday at nine in the morning." };
    if (last?.content?.includes("[call connected]")) return { content: "Thanks for calling Elm Street Dental, how can I help?" };
    if (last?.content?.includes("book")) return { toolCalls: [{ name: "search_slots", arguments: SEARCH }] };
    return { content: "Goodbye, and thanks for calling." };
  });
  agent = await startLangGraphAgent({ model: "fake-model", baseUrl: model.baseUrl, apiKey: "test", port: 0 });
  ({ conversation } = await simulateConversation(miniCallDeps({ agent: createWebSocketAgent({ url: agent.url, tools, turnTimeoutMs: 10_000, mcp: bridge }) })));
});

afterAll(async () => {
  await agent?.close();
  await model?.close();
  await bridge.stop();
});

describe("the reference LangGraph.js agent in examples/", () => {
  it("takes a call over the WebSocket protocol and uses the mocked tools over MCP, faults included", () => {
    expect(conversation.status).toBe("completed");
    expect(conversation.toolLog.map((r) => [r.tool, r.fault ?? null, r.outcome.ok])).toEqual([
      ["search_slots", "timeout", false],
      ["search_slots", null, true],
    ]);
    expect(conversation.events.filter((e) => e.type === "agent_speech").map((e) => e.said)).toEqual([
      "Thanks for calling Elm Street Dental, how can I help?",
      "I have Thursday at nine in the morning.",
      "Goodbye, and thanks for calling.",
    ]);
  });

  it("sends its model the MCP tools as functions and the caller's words as heard", () => {
    const first = model.requests[0]!.body;
    expect(first.tools?.map((t) => t.function.name)).toContain("search_slots");
    expect(first.messages[0]?.content).toContain("America/Chicago");
    expect(model.requests.some((r) => r.body.messages.some((m) => m.role === "user" && m.content === "I'd like to book a cleaning."))).toBe(true);
  });
});
