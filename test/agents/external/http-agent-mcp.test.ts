import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMcpToolBridge, createScriptedAgent, createScriptedCaller, resolveBackends } from "../../../agents/index.ts";
import { DEFAULT_LIMITS, simulateConversation } from "../../../sim/index.ts";
import { builtinTools } from "../../../tools/index.ts";
import { linesCaller } from "../../helpers/backend-doubles.ts";
import { miniPack } from "../../fixtures/mini-pack.ts";

const tools = builtinTools.filter((t) => miniPack.agent.tools.includes(t.name)).map((t) => t.openAISchema());
const persona = miniPack.personas[0]!;
const quietPersona = { ...persona, asr: { wer: 0, bargeInRate: 0, silenceRate: 0 }, style: { ...persona.style, disfluencyRate: 0 } };
const SEARCH = { date_from: "2026-03-12", date_to: "2026-03-13" };

interface Step {
  mcpUrl?: string;
  messages: Array<{ role: string; content: string | null }>;
}

/** A stateless HTTP agent that uses the mocked tools over MCP (the SDK's client), retrying once after an error, inside its POST. */
let server: Server;
let url = "";
const steps: Step[] = [];
const mcpResults: Array<{ isError: boolean; text: string }> = [];
const mcpListed: string[][] = [];
beforeAll(async () => {
  const { Client } = await import("@modelcontextprotocol/sdk/client/index.js");
  const { StreamableHTTPClientTransport } = await import("@modelcontextprotocol/sdk/client/streamableHttp.js");
  server = createServer((req, res) => {
    let text = "";
    req.on("data", (chunk) => {
      text += chunk;
    });
    req.on("end", async () => {
      const body = JSON.parse(text) as { mcp?: { url: string }; messages: Step["messages"] };
      steps.push({ messages: body.messages, ...(body.mcp ? { mcpUrl: body.mcp.url } : {}) });
      const answer = (value: unknown) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(value));
      const heardTurns = body.messages.filter((m) => m.role === "user").length - 1;
      if (heardTurns === 0) return answer({ content: "Hello, how can I help?" });
      if (heardTurns > 1 || !body.mcp) return answer({ content: "Goodbye.", end_call: true });
      const client = new Client({ name: "http-agent", version: "1.0.0" });
      await client.connect(new StreamableHTTPClientTransport(new URL(body.mcp.url)));
      mcpListed.push((await client.listTools()).tools.map((t) => t.name));
      for (let attempt = 0; attempt < 2; attempt++) {
        const result = await client.callTool({ name: "search_slots", arguments: SEARCH });
        mcpResults.push({ isError: result.isError === true, text: (result.content as Array<{ text: string }>)[0]?.text ?? "" });
        if (!result.isError) break;
      }
      await client.close();
      return answer({ content: "I found a slot." });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/agent`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("an agent behind HTTP with the mocked tools over MCP", () => {
  it("gets the call's MCP URL in every POST; tools called there while the POST is out land in the tool log with the scenario's faults", async () => {
    const bridge = createMcpToolBridge({ tools });
    try {
      // An agent file that gives the agent two tools: MCP's tools/list offers those two, no more.
      const file = join(mkdtempSync(join(tmpdir(), "voicesim-http-mcp-")), "agents.yaml");
      writeFileSync(file, `url: ${url}\ntools: [search_slots, find_customer]\n`);
      const { agent } = resolveBackends({ caller: "scripted", agent: file, tools, mcp: bridge, env: {} }, { createScriptedAgent, createScriptedCaller });
      const { conversation } = await simulateConversation({
        conversationId: "book-easy#0",
        seed: 7,
        pack: miniPack,
        scenario: miniPack.scenarios[0]!,
        persona: quietPersona,
        tools: builtinTools,
        caller: linesCaller(["I'd like to book a cleaning.", "Thursday works."]),
        agent,
        flaws: [],
        limits: DEFAULT_LIMITS,
        names: ["Maria Lopez"],
      });
      expect(conversation.error).toBeUndefined();
      expect(steps.map((s) => s.mcpUrl)).toEqual(steps.map(() => expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/mcp\/book-easy%230$/)));
      // The scenario's first search times out; the agent saw that over MCP and retried.
      expect(conversation.toolLog.map((r) => [r.tool, r.fault ?? null])).toEqual([
        ["search_slots", "timeout"],
        ["search_slots", null],
      ]);
      expect(mcpListed.map((names) => [...names].sort())).toEqual([["find_customer", "search_slots"]]);
      expect(mcpResults.map((r) => r.isError)).toEqual([true, false]);
      expect(mcpResults[0]?.text).toContain('"code":"timeout"');
      // The tool calls are in the history the next POST carries, answered by their results.
      const after = steps.at(-1)!.messages;
      expect(after.filter((m) => m.role === "tool")).toHaveLength(2);
      expect(conversation.events.filter((e) => e.type === "agent_speech").map((e) => e.said)).toEqual(["Hello, how can I help?", "I found a slot.", "Goodbye."]);
      expect(conversation.agentLatency?.[1]?.tools.map((t) => t.tool)).toEqual(["search_slots", "search_slots"]);
      // Once the call is over, its MCP address answers nothing.
      const gone = await fetch(steps[0]!.mcpUrl!, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }) });
      expect(gone.status).toBe(404);
    } finally {
      await bridge.stop();
    }
  });
});
