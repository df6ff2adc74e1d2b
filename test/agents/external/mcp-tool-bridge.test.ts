import { afterAll, describe, expect, it } from "vitest";
import { createMcpToolBridge } from "../../../agents/index.ts";
import { builtinTools } from "../../../tools/index.ts";

const bridge = createMcpToolBridge({ tools: builtinTools.filter((t) => t.name === "search_slots").map((t) => t.openAISchema()) });
afterAll(() => bridge.stop());

const post = async (url: string, body: unknown) => {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream" }, body: typeof body === "string" ? body : JSON.stringify(body) });
  return { status: response.status, body: response.status === 202 ? null : ((await response.json()) as Record<string, unknown> | Array<Record<string, unknown>>) };
};

describe("the MCP server of a call's mocked tools", () => {
  it("answers the JSON-RPC of the streamable HTTP transport: initialize, notifications, batches, tool calls through the call", async () => {
    const calls: Array<[string, Record<string, unknown>]> = [];
    const url = await bridge.open("c#1", async (name, args) => {
      calls.push([name, args]);
      return { ok: false, error: { code: "timeout", message: "the tool timed out", retryable: true } };
    });
    expect(await post(url, { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } } })).toMatchObject({
      status: 200,
      body: { id: 1, result: { protocolVersion: "2025-06-18", capabilities: { tools: {} } } },
    });
    expect(await post(url, { jsonrpc: "2.0", method: "notifications/initialized" })).toEqual({ status: 202, body: null });
    const batch = await post(url, [
      { jsonrpc: "2.0", id: 2, method: "tools/list" },
      { jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "search_slots", arguments: { date_from: "2026-03-12" } } },
      { jsonrpc: "2.0", id: 4, method: "resources/list" },
    ]);
    const [list, call, unknown] = batch.body as Array<Record<string, unknown>>;
    expect(list).toMatchObject({ id: 2, result: { tools: [{ name: "search_slots", inputSchema: { type: "object" } }] } });
    expect(call).toMatchObject({ id: 3, result: { isError: true, content: [{ type: "text", text: expect.stringContaining('"code":"timeout"') }] } });
    expect(unknown).toMatchObject({ id: 4, error: { code: -32601 } });
    expect(calls).toEqual([["search_slots", { date_from: "2026-03-12" }]]);
  });

  it("rejects what is not JSON-RPC, serves no stream on GET, and forgets a call once it is over", async () => {
    const url = await bridge.open("c#2", async () => ({ ok: true, result: [] }));
    expect(await post(url, "{nope")).toMatchObject({ status: 400, body: { error: { code: -32700 } } });
    expect(await post(url, { hello: "world" })).toMatchObject({ status: 400, body: { error: { code: -32600 } } });
    expect((await fetch(url)).status).toBe(405);
    await bridge.close("c#2");
    expect((await post(url, { jsonrpc: "2.0", id: 1, method: "ping" })).status).toBe(404);
  });
});
