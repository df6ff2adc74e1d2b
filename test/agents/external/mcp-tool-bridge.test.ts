import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMcpToolBridge, type McpToolCallHandler } from "../../../agents/index.ts";
import { builtinTools, type FaultRule, ToolWorld } from "../../../tools/index.ts";
import { miniPack } from "../../fixtures/mini-pack.ts";

const scenario = miniPack.scenarios[0]!;
const tools = builtinTools.filter((t) => miniPack.agent.tools.includes(t.name));
const bridge = createMcpToolBridge({ tools: tools.map((t) => t.openAISchema()) });
afterAll(() => bridge.stop());

/** The call's side of the bridge: every MCP tool call runs in a tool world, whose log the tests read. */
const worldHandler = (faultPlan: readonly FaultRule[] = []) => {
  const world = ToolWorld.create({ tools, config: miniPack.toolsConfig, faultPlan, seed: 1, fixtures: miniPack.fixtures, now: scenario.clock.now, timezone: scenario.clock.timezone });
  let n = 0;
  const onCall: McpToolCallHandler = async (name, args) => world.call(name, args, `mcp-${++n}`).outcome;
  return { world, onCall };
};

const text = (result: Awaited<ReturnType<Client["callTool"]>>) => (result.content as Array<{ type: string; text: string }>)[0]?.text ?? "";

describe("the MCP server of a call's mocked tools", () => {
  let client: Client;
  let world: ToolWorld;
  beforeAll(async () => {
    const handler = worldHandler([{ tool: "search_slots", kind: "timeout", nth: 1, times: 1 }]);
    world = handler.world;
    client = new Client({ name: "test", version: "1" });
    await client.connect(new StreamableHTTPClientTransport(new URL(await bridge.open("c#1", handler.onCall))));
  });
  afterAll(() => client.close());

  it("lists the call's tools with the pack's argument schemas, to an MCP client of the SDK", async () => {
    const { tools: listed } = await client.listTools();
    expect(listed.map((t) => t.name).sort()).toEqual(tools.map((t) => t.name).sort());
    const search = listed.find((t) => t.name === "search_slots");
    const spec = tools.find((t) => t.name === "search_slots")!.openAISchema().function;
    expect(search).toMatchObject({ description: spec.description, inputSchema: { ...spec.parameters, type: "object" } });
  });

  it("runs tool calls in the call's world: a fault is an error result, the retry a result, both in the tool log", async () => {
    const failed = await client.callTool({ name: "search_slots", arguments: { date_from: "2026-03-12", date_to: "2026-03-13" } });
    expect(failed.isError).toBe(true);
    expect(JSON.parse(text(failed))).toMatchObject({ error: { code: "timeout", retryable: true } });
    const found = await client.callTool({ name: "search_slots", arguments: { date_from: "2026-03-12", date_to: "2026-03-13" } });
    expect(found.isError).toBeFalsy();
    expect(world.log.at(-1)!.outcome).toEqual({ ok: true, result: JSON.parse(text(found)) });
    expect(world.log.slice(-2).map((r) => [r.tool, r.fault ?? null, r.outcome.ok])).toEqual([
      ["search_slots", "timeout", false],
      ["search_slots", null, true],
    ]);
  });

  it("answers an unknown tool and bad arguments as the tool world does, and logs both (the SDK does not judge them first)", async () => {
    const before = world.log.length;
    const unknown = await client.callTool({ name: "launch_rocket", arguments: {} });
    expect(unknown.isError).toBe(true);
    expect(JSON.parse(text(unknown))).toMatchObject({ error: { code: "unknown_tool" } });
    const invalid = await client.callTool({ name: "search_slots", arguments: { date_from: 12 } });
    expect(invalid.isError).toBe(true);
    expect(JSON.parse(text(invalid))).toMatchObject({ error: { code: "invalid_arguments", message: expect.stringContaining("date_from") } });
    expect(world.log.slice(before).map((r) => [r.tool, r.outcome.ok ? "ok" : r.outcome.error.code])).toEqual([
      ["launch_rocket", "unknown_tool"],
      ["search_slots", "invalid_arguments"],
    ]);
  });

  it("lists only the tools the call's agent was given", async () => {
    const allowed = new Client({ name: "test", version: "1" });
    await allowed.connect(new StreamableHTTPClientTransport(new URL(await bridge.open("c#allow", worldHandler().onCall, ["search_slots"]))));
    expect((await allowed.listTools()).tools.map((t) => t.name)).toEqual(["search_slots"]);
    await allowed.close();
    await bridge.close("c#allow");
  });

  it("answers only POST, rejects a body that is not JSON, and forgets a call once it is over", async () => {
    const url = await bridge.open("c#2", worldHandler().onCall);
    const post = (body: string) => fetch(url, { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream" }, body });
    expect((await post("{nope")).status).toBe(400);
    expect((await fetch(url)).status).toBe(405);
    const ping = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" });
    expect((await post(ping)).status).toBe(200);
    await bridge.close("c#2");
    expect((await post(ping)).status).toBe(404);
  });
});
