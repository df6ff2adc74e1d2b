import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";

/**
 * Test doubles of a team's agent on 127.0.0.1, following one simple policy over the mini pack:
 * greet; on the caller's first turn search slots (retrying once after a failed search); offer
 * the slot; on the caller's next turn say goodbye and hang up.
 */
const SEARCH = { date_from: "2026-03-12", date_to: "2026-03-13" };
export const GREETING = "Thanks for calling Elm Street Dental, how can I help?";
export const OFFER = "I have Thursday at nine in the morning.";

/** What a misbehaving WebSocket agent does instead of following the policy. */
export type WsMischief = "none" | "silent_after_greeting" | "hang_up_on_caller" | "bad_frame" | "not_json" | "tools_over_mcp";

/** What an MCP-using agent saw from tools/list and tools/call (its own: test files share modules). */
export interface McpSeen {
  tools: string[];
  results: Array<{ isError: boolean; text: string }>;
}

/** Calls search_slots over MCP at the call's URL, retrying once after an error result, as an MCP-capable framework would. */
async function searchOverMcp(url: string, mcpSeen: McpSeen): Promise<void> {
  const { Client } = await import("@modelcontextprotocol/sdk/client/index.js");
  const { StreamableHTTPClientTransport } = await import("@modelcontextprotocol/sdk/client/streamableHttp.js");
  const client = new Client({ name: "policy-agent", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  mcpSeen.tools = (await client.listTools()).tools.map((t) => t.name);
  for (let attempt = 0; attempt < 2; attempt++) {
    const result = await client.callTool({ name: "search_slots", arguments: SEARCH });
    const text = (result.content as Array<{ text: string }>)[0]?.text ?? "";
    mcpSeen.results.push({ isError: result.isError === true, text });
    if (!result.isError) break;
  }
  await client.close();
}

export interface WsPolicyAgent {
  url: string;
  /** Every frame voicesim sent, per call id. */
  received: Map<string, Array<Record<string, unknown>>>;
  /** What it saw over MCP (the tools_over_mcp agent). */
  mcpSeen: McpSeen;
  close(): Promise<void>;
}

export async function startWsPolicyAgent(mischief: WsMischief = "none"): Promise<WsPolicyAgent> {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0, path: "/agent" });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  const received = new Map<string, Array<Record<string, unknown>>>();
  const mcpSeen: McpSeen = { tools: [], results: [] };
  server.on("connection", (socket: WebSocket) => {
    let callId = "";
    let mcpUrl = "";
    let turns = 0;
    let toolCalls = 0;
    const send = (frame: unknown) => socket.send(JSON.stringify(frame));
    const search = () => send({ type: "agent.tool_call", id: `t${++toolCalls}`, name: "search_slots", arguments: SEARCH });
    socket.on("message", (data) => {
      const frame = JSON.parse(data.toString()) as Record<string, unknown>;
      if (frame.type === "session.start") {
        callId = String(frame.callId);
        mcpUrl = (frame.mcp as { url?: string } | undefined)?.url ?? "";
      }
      received.set(callId, [...(received.get(callId) ?? []), frame]);
      if (frame.type === "session.start") return send({ type: "agent.say", text: GREETING });
      if (frame.type === "caller.said") {
        turns++;
        if (mischief === "silent_after_greeting") return;
        if (mischief === "hang_up_on_caller") return socket.terminate();
        if (mischief === "bad_frame") return send({ type: "agent.tool_call", id: "t1", name: "search_slots", arguments: "date=thursday" });
        if (mischief === "not_json") return socket.send("{oops");
        if (mischief === "tools_over_mcp" && turns === 1) return void searchOverMcp(mcpUrl, mcpSeen).then(() => send({ type: "agent.say", text: OFFER }));
        return turns === 1 ? search() : send({ type: "agent.end", say: "Goodbye." });
      }
      if (frame.type === "tool.result") return frame.ok ? send({ type: "agent.say", text: OFFER }) : search();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/agent`,
    received,
    mcpSeen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
}

export type HttpMischief = "none" | "status_500" | "bad_body" | "slow";

export interface HttpPolicyAgent {
  url: string;
  /** Every POST body, in order. */
  requests: Array<{ callId: string; messages: Array<{ role: string; content: string | null; tool_calls?: Array<{ id: string }>; tool_call_id?: string }>; tools: unknown[] }>;
  close(): Promise<void>;
}

/** The same policy as a stateless handler: it reads the OpenAI-shaped history on every POST. */
export async function startHttpPolicyAgent(mischief: HttpMischief = "none"): Promise<HttpPolicyAgent> {
  const requests: HttpPolicyAgent["requests"] = [];
  const server: Server = createServer((req, res) => {
    if (req.method !== "POST") return res.writeHead(405).end();
    let text = "";
    req.on("data", (chunk) => {
      text += chunk;
    });
    req.on("end", () => {
      const body = JSON.parse(text) as HttpPolicyAgent["requests"][number];
      requests.push(body);
      const answer = (value: unknown) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(value));
      const heardTurns = body.messages.filter((m) => m.role === "user").length - 1;
      const last = body.messages.at(-1);
      if (heardTurns >= 1 && mischief === "status_500") return res.writeHead(500).end("upstream model overloaded");
      if (heardTurns >= 1 && mischief === "bad_body") return answer({ content: 42 });
      if (heardTurns >= 1 && mischief === "slow") return;
      if (last?.role === "tool") {
        const failed = (last.content ?? "").includes('"error"');
        return answer(failed ? { content: null, tool_calls: [{ id: "x", type: "function", function: { name: "search_slots", arguments: JSON.stringify(SEARCH) } }] } : { content: OFFER });
      }
      if (heardTurns === 0) return answer({ content: GREETING });
      if (heardTurns === 1) return answer({ choices: [{ message: { content: "Let me check.", tool_calls: [{ id: "x", type: "function", function: { name: "search_slots", arguments: JSON.stringify(SEARCH) } }] } }] });
      return answer({ content: "Goodbye.", end_call: true });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/agent`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
