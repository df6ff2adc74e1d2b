import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpAgent, createMcpToolBridge, createScriptedAgent, createScriptedCaller, resolveBackends } from "../../../agents/index.ts";
import { candidateItems, type ConversationDeps, RUN_FILES, RunStore, runBatch, simulateConversation } from "../../../sim/index.ts";
import { Conversation, VoicesimError } from "../../../scenarios/index.ts";
import { builtinTools } from "../../../tools/index.ts";
import { linesCaller } from "../../helpers/backend-doubles.ts";
import { miniCallDeps } from "../../helpers/mini-call.ts";
import { GREETING, type HttpMischief, type HttpPolicyAgent, OFFER, startHttpPolicyAgent } from "../../helpers/policy-agents.ts";
import { miniPack } from "../../fixtures/mini-pack.ts";

const scenario = miniPack.scenarios[0]!;
const tools = builtinTools.filter((t) => miniPack.agent.tools.includes(t.name)).map((t) => t.openAISchema());

const deps = (agent: ConversationDeps["agent"]) => miniCallDeps({ agent });

const servers = new Map<HttpMischief, HttpPolicyAgent>();
const httpAgent = (mischief: HttpMischief) => createHttpAgent({ url: servers.get(mischief)!.url, tools, turnTimeoutMs: mischief === "slow" ? 150 : 3_000 });

beforeAll(async () => {
  for (const mischief of ["none", "status_500", "bad_body", "slow"] as const) servers.set(mischief, await startHttpPolicyAgent(mischief));
});
afterAll(async () => {
  await Promise.all([...servers.values()].map((s) => s.close()));
});

describe("an agent behind HTTP", () => {
  it("runs a batch of calls: one POST per step with the OpenAI-shaped history, tool calls in the tool log with faults", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "voicesim-http-agent-")), "run");
    const store = RunStore.open(out, { resume: false });
    const agent = resolveBackends({ caller: "scripted", agent: servers.get("none")!.url, tools }, { createScriptedAgent, createScriptedCaller }).agent;
    const result = await runBatch({ pack: miniPack, tools: builtinTools }, candidateItems([scenario], 3), store, {
      seed: 1,
      concurrency: 3,
      caller: linesCaller(["I'd like to book a cleaning.", "Thursday works."]),
      agent,
      flawRate: 0,
    });
    const conversations = await store.readAll(RUN_FILES.conversations, Conversation);
    expect(conversations.map((c) => c.error ?? "")).toEqual(["", "", ""]);
    expect(result).toMatchObject({ total: 3, failed: 0 });
    expect(conversations).toHaveLength(3);
    for (const conversation of conversations) {
      expect(conversation.backends.agent).toBe(`http:${servers.get("none")!.url}`);
      expect(conversation.toolLog.map((r) => [r.tool, r.fault ?? null])).toEqual([
        ["search_slots", "timeout"],
        ["search_slots", null],
      ]);
      expect(conversation.events.filter((e) => e.type === "agent_speech").map((e) => e.said)).toEqual([GREETING, "Let me check.", OFFER, "Goodbye."]);
      expect(conversation.endReason).toBe("agent_ended");
      expect(conversation.agentLatency?.map((t) => t.turn)).toEqual([0, 1, 2]);
    }
    // The last request of a call holds the whole history: tool messages answer the assistant's tool-call ids.
    const requests = servers.get("none")!.requests.filter((r) => r.callId === "book-easy#2");
    const history = requests.at(-1)!.messages;
    expect(history[0]).toEqual({ role: "user", content: "[call connected]" });
    const callIds = history.flatMap((m) => m.tool_calls?.map((c) => c.id) ?? []);
    expect(history.filter((m) => m.role === "tool").map((m) => m.tool_call_id)).toEqual(callIds);
    expect(callIds).toHaveLength(2);
    expect(requests.at(-1)!.tools.length).toBe(tools.length);
  });

  it("fails the call with the status, the body's mistake or the timeout", async () => {
    const failed = await simulateConversation(deps(httpAgent("status_500")));
    expect(failed.conversation).toMatchObject({ status: "failed", error: expect.stringMatching(/^agent failed: http agent http:\/\/127\.0\.0\.1:\d+\/agent: answered 500 at turn 1: upstream model overloaded/) });
    const invalid = await simulateConversation(deps(httpAgent("bad_body")));
    expect(invalid.conversation.error).toMatch(/answered with an invalid body: .*content/);
    const slow = await simulateConversation(deps(httpAgent("slow")));
    expect(slow.conversation.error).toMatch(/no answer within 150 ms at turn 1/);
  });
});

describe("agent files", () => {
  const dir = mkdtempSync(join(tmpdir(), "voicesim-agent-file-"));
  mkdirSync(join(dir, "prompts"));
  writeFileSync(join(dir, "prompts", "ours.md"), "You are Ava. Today is {now}.");
  const file = join(dir, "agents.yaml");
  writeFileSync(
    file,
    [
      "agents:",
      "  ours:",
      "    model: team-model",
      "    baseUrl: http://127.0.0.1:9/v1",
      "    temperature: 0.1",
      "    systemPrompt: prompts/ours.md",
      "    tools: [search_slots]",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the agent file's own ${NAME} syntax, not a template
      "    headers: { X-Team-Token: '${TEAM_TOKEN}' }",
      "  remote:",
      `    url: ${servers.get("none")?.url ?? "http://127.0.0.1:9/agent"}`,
      "",
    ].join("\n"),
  );
  const resolve = (spec: string, env: NodeJS.ProcessEnv = { TEAM_TOKEN: "secret-123" }) =>
    resolveBackends({ caller: "scripted", agent: spec, tools, env }, { createScriptedAgent, createScriptedCaller });

  it("builds a named agent with its model, prompt, tools and headers, and never shows a header value", () => {
    const { agent, clients } = resolve(`${file}#ours`);
    expect(agent.id).toBe(`${file}#ours (openai:team-model)`);
    expect(clients).toHaveLength(1);
    expect(JSON.stringify(agent)).not.toContain("secret-123");
    expect(resolve(`${file}#remote`).agent.id).toMatch(/^http:http:\/\/127\.0\.0\.1/);
  });

  it("never shows a password or a query token of an agent's address, and still dials it", () => {
    const { agent } = resolve("wss://team:hunter2@agents.example.com/call?token=abc123&region=eu");
    expect(agent.id).toBe("ws:wss://team:***@agents.example.com/call?token=***&region=***");
    expect(agent.endpoint).toBe("wss://team:hunter2@agents.example.com/call?token=abc123&region=eu");
    expect(resolve("http://127.0.0.1:9/step?key=s3cret").agent.id).toBe("http:http://127.0.0.1:9/step?key=***");
  });

  it("names the file and field of every mistake", () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "agents:\n  a:\n    model: m\n    temperature: hot\n");
    // Only the kind the author meant (a model agent) is reported, not the url every endpoint needs.
    expect(() => resolve(bad)).toThrow(/bad\.yaml: agents\.a\.temperature: Invalid input: expected number, received string$/);
    expect(() => resolve(file)).toThrow(/defines 2 agents; say which/);
    expect(() => resolve(`${file}#nobody`)).toThrow(/defines no agent "nobody"/);
    expect(() => resolve(`${file}#ours`, {})).toThrow(/agents\.ours\.headers\.X-Team-Token: environment variable TEAM_TOKEN is not set/);
    const wrongTool = join(dir, "tools.yaml");
    writeFileSync(wrongTool, "model: m\nbaseUrl: http://127.0.0.1:9/v1\ntools: [teleport]\n");
    expect(() => resolve(wrongTool)).toThrow(VoicesimError);
    expect(() => resolve(wrongTool)).toThrow(/tools: the pack has no tool teleport/);
  });
});

describe("an agent file's tools: list", () => {
  // book_appointment fails on its first call in this scenario: a withheld tool must not use up that fault.
  const narrowScenario = { ...miniPack.scenarios[0]!, faultPlan: [{ tool: "book_appointment", nth: 1, times: 1, kind: "server_error" as const }] };

  /** An HTTP agent that reaches for a tool it was not given, then carries on with what it has. */
  let server: Server;
  let url = "";
  beforeAll(async () => {
    server = createServer((req, res) => {
      let text = "";
      req.on("data", (chunk) => {
        text += chunk;
      });
      req.on("end", () => {
        const body = JSON.parse(text) as { messages: Array<{ role: string; content: string | null }> };
        const answer = (value: unknown) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(value));
        const last = body.messages.at(-1);
        if (body.messages.length === 1) return answer({ content: "Hello, how can I help?" });
        if (last?.role === "tool") return answer({ content: `That did not work: ${last.content}` });
        if (body.messages.filter((m) => m.role === "tool").length === 0) {
          return answer({ tool_calls: [{ function: { name: "book_appointment", arguments: { slot_id: "s1", customer_id: "c1" } } }] });
        }
        return answer({ content: "Goodbye.", end_call: true });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/agent`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("is an allowlist: a tool the agent was not given does not run, the agent gets unknown_tool in the tool log, and the call goes on", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "voicesim-allowlist-")), "agents.yaml");
    writeFileSync(file, `agents:\n  narrow:\n    url: ${url}\n    tools: [search_slots]\n`);
    const { agent } = resolveBackends({ caller: "scripted", agent: `${file}#narrow`, tools, env: {} }, { createScriptedAgent, createScriptedCaller });
    expect(agent.allowedTools).toEqual(["search_slots"]);
    const { conversation } = await simulateConversation(miniCallDeps({ scenario: narrowScenario, caller: linesCaller(["I'd like to book a cleaning.", "OK."]), agent }));
    expect(conversation.status).not.toBe("failed");
    expect(conversation.toolLog).toHaveLength(1);
    const [record] = conversation.toolLog;
    expect(record).toMatchObject({ tool: "book_appointment", outcome: { ok: false, error: { code: "unknown_tool", message: "book_appointment is not one of the tools this agent was given" } } });
    expect(record?.fault).toBeUndefined();
    // Nothing was booked, and the agent heard the error and spoke on.
    expect(conversation.worldChanges).toEqual([]);
    const said = conversation.events.filter((e) => e.type === "agent_speech").map((e) => e.said);
    expect(said[1]).toMatch(/^That did not work: .*unknown_tool/);
    expect(said.at(-1)).toBe("Goodbye.");
  });
});

describe("an agent behind HTTP with the mocked tools over MCP", () => {
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

  it("gets the call's MCP URL in every POST; tools called there while the POST is out land in the tool log with the scenario's faults", async () => {
    const bridge = createMcpToolBridge({ tools });
    try {
      // An agent file that gives the agent two tools: MCP's tools/list offers those two, no more.
      const file = join(mkdtempSync(join(tmpdir(), "voicesim-http-mcp-")), "agents.yaml");
      writeFileSync(file, `url: ${url}\ntools: [search_slots, find_customer]\n`);
      const { agent } = resolveBackends({ caller: "scripted", agent: file, tools, mcp: bridge, env: {} }, { createScriptedAgent, createScriptedCaller });
      const { conversation } = await simulateConversation(miniCallDeps({ agent }));
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
