import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import type { OpenAIFunctionTool, ToolOutcome } from "../../tools/index.ts";
import type { McpToolBridge, McpToolCallHandler } from "./mcp-bridge.ts";

export interface McpToolBridgeOptions {
  /** The tools every call serves (the same function specs session.start carries). */
  tools: readonly OpenAIFunctionTool[];
  /** Address to listen on; default 127.0.0.1 (agents on this machine). */
  listen?: string;
  port?: number;
}

/**
 * Protocol revisions this server speaks. The tools part voicesim serves (initialize, ping,
 * tools/list, tools/call) is the same in all of them; a client asking for another gets the newest.
 */
const MCP_VERSIONS = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"];

const JsonRpcMessage = z.object({
  jsonrpc: z.literal("2.0"),
  id: z.union([z.string(), z.number()]).optional(),
  method: z.string().optional(),
  params: z.record(z.string(), z.unknown()).optional(),
});
type JsonRpcMessage = z.infer<typeof JsonRpcMessage>;
const CallParams = z.object({ name: z.string().min(1), arguments: z.record(z.string(), z.unknown()).optional() });

/**
 * Serves each running call's mocked tools as an MCP server at `http://<listen>:<port>/mcp/<call
 * id>`: the streamable HTTP transport in its stateless form (every POST answered with JSON, no
 * session id, no server-initiated stream, so GET is 405 as the spec allows). `tools/call` goes
 * through the call's handler, i.e. through the call graph: the same tool log, faults and
 * final-state check as a tool call over the agent protocol. Written out rather than taken from
 * @modelcontextprotocol/sdk, whose server side brings an HTTP framework and ~190 packages for
 * the four methods served here; the tests drive it with the SDK's own client.
 */
export function createMcpToolBridge(options: McpToolBridgeOptions): McpToolBridge {
  const calls = new Map<string, { onCall: McpToolCallHandler; tools: typeof tools }>();
  const tools = options.tools.map((t) => ({ name: t.function.name, description: t.function.description, inputSchema: { type: "object", ...t.function.parameters } }));
  let started: Promise<{ server: HttpServer; base: string }> | undefined;

  const answer = async (message: JsonRpcMessage, call: { onCall: McpToolCallHandler; tools: typeof tools }): Promise<object | undefined> => {
    // Notifications (no id) and responses get no answer.
    if (message.id === undefined || message.method === undefined) return undefined;
    const reply = (result: object) => ({ jsonrpc: "2.0", id: message.id, result });
    const error = (code: number, text: string) => ({ jsonrpc: "2.0", id: message.id, error: { code, message: text } });
    switch (message.method) {
      case "initialize": {
        const asked = typeof message.params?.protocolVersion === "string" ? message.params.protocolVersion : "";
        return reply({ protocolVersion: MCP_VERSIONS.includes(asked) ? asked : MCP_VERSIONS[0], capabilities: { tools: {} }, serverInfo: { name: "voicesim-mocked-tools", version: "1.0.0" } });
      }
      case "ping":
        return reply({});
      case "tools/list":
        return reply({ tools: call.tools });
      case "tools/call": {
        const params = CallParams.safeParse(message.params);
        if (!params.success) return error(-32602, `tools/call needs params {name, arguments}: ${params.error.issues[0]?.message ?? "invalid"}`);
        return reply(toMcpResult(await call.onCall(params.data.name, params.data.arguments ?? {})));
      }
      default:
        return error(-32601, `method ${message.method} is not served here (only initialize, ping, tools/list, tools/call)`);
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const json = (status: number, body: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    const match = /^\/mcp\/([^/?]+)/.exec(req.url ?? "");
    const call = match?.[1] ? calls.get(decodeURIComponent(match[1])) : undefined;
    if (!call) return json(404, { error: "no call is running at this address (it ended, or never started)" });
    if (req.method !== "POST") return res.writeHead(405, { allow: "POST" }).end();
    let text = "";
    for await (const chunk of req) text += chunk;
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return json(400, { jsonrpc: "2.0", id: null, error: { code: -32700, message: "parse error: the body is not JSON" } });
    }
    const parsed = z.union([JsonRpcMessage, z.array(JsonRpcMessage)]).safeParse(body);
    if (!parsed.success) return json(400, { jsonrpc: "2.0", id: null, error: { code: -32600, message: "invalid request: not a JSON-RPC 2.0 message" } });
    const messages = Array.isArray(parsed.data) ? parsed.data : [parsed.data];
    const replies = (await Promise.all(messages.map((m) => answer(m, call)))).filter((r) => r !== undefined);
    if (replies.length === 0) return res.writeHead(202).end();
    return json(200, Array.isArray(parsed.data) ? replies : replies[0]);
  };

  const start = () =>
    (started ??= (async () => {
      const server = createServer((req, res) => {
        handle(req, res).catch((error: unknown) => {
          if (!res.headersSent) res.writeHead(500).end(String((error as Error).message));
        });
      });
      await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.listen ?? "127.0.0.1", () => resolve()));
      // The bridge lives as long as calls run; it never keeps the process alive by itself.
      server.unref();
      const { address, port } = server.address() as AddressInfo;
      return { server, base: `http://${address.includes(":") ? `[${address}]` : address}:${port}/mcp/` };
    })());

  return {
    async open(callId, onCall, toolNames) {
      const { base } = await start();
      calls.set(callId, { onCall, tools: toolNames ? tools.filter((t) => toolNames.includes(t.name)) : tools });
      return `${base}${encodeURIComponent(callId)}`;
    },
    async close(callId) {
      calls.delete(callId);
    },
    async stop() {
      if (!started) return;
      const { server } = await started;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A tool outcome as an MCP tool result: the result as JSON text, a failure as an error result. */
function toMcpResult(outcome: ToolOutcome): object {
  const text = outcome.ok ? (typeof outcome.result === "string" ? outcome.result : JSON.stringify(outcome.result)) : JSON.stringify({ error: outcome.error });
  return { content: [{ type: "text", text }], ...(outcome.ok ? {} : { isError: true }) };
}
