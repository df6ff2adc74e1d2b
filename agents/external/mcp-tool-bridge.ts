import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { CallToolResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import type { OpenAIFunctionTool, ToolOutcome } from "../../tools/index.ts";
import type { McpToolBridge, McpToolCallHandler } from "./mcp-bridge.ts";

export interface McpToolBridgeOptions {
  /** The tools every call serves (the same function specs session.start carries). */
  tools: readonly OpenAIFunctionTool[];
  /** Address to listen on; default 127.0.0.1 (agents on this machine). */
  listen?: string;
  port?: number;
}

interface OpenCall {
  onCall: McpToolCallHandler;
  tools: Tool[];
}

/** The SDK, loaded with the first call that opens a URL: runs without an external agent never pay for it. */
async function loadSdk() {
  const [server, transport, types] = await Promise.all([
    import("@modelcontextprotocol/sdk/server/index.js"),
    import("@modelcontextprotocol/sdk/server/streamableHttp.js"),
    import("@modelcontextprotocol/sdk/types.js"),
  ]);
  return { Server: server.Server, StreamableHTTPServerTransport: transport.StreamableHTTPServerTransport, ListTools: types.ListToolsRequestSchema, CallTool: types.CallToolRequestSchema };
}
type Sdk = Awaited<ReturnType<typeof loadSdk>>;

/**
 * Serves each running call's mocked tools as an MCP server at `http://<listen>:<port>/mcp/<call
 * id>`, with @modelcontextprotocol/sdk's streamable HTTP transport in its stateless form: the URL
 * names the call, so every POST gets a fresh SDK server and transport for that call and a JSON
 * answer (no session id, no server-initiated stream; GET is 405, as the spec allows).
 *
 * `tools/call` goes through the call's handler, i.e. through the call graph: the same tool log,
 * faults and final-state check as a tool call over the agent protocol. That is why this uses the
 * SDK's `Server` rather than `McpServer`: McpServer checks arguments against a zod schema and
 * answers unknown tool names itself, so a call with bad arguments or a made-up tool would never
 * reach the tool world — no tool-log entry, no fault-plan count — where the built-in path logs
 * both as invalid_arguments / unknown_tool answers. The world validates, exactly once.
 */
export function createMcpToolBridge(options: McpToolBridgeOptions): McpToolBridge {
  const calls = new Map<string, OpenCall>();
  const tools: Tool[] = options.tools.map((t) => ({
    name: t.function.name,
    description: t.function.description,
    inputSchema: { ...t.function.parameters, type: "object" },
  }));
  let started: Promise<{ server: HttpServer; base: string }> | undefined;

  /** One SDK server for one request of one call: tools/list shows the call's tools, tools/call runs in its world. */
  const mcpServerFor = (call: OpenCall, sdk: Sdk) => {
    const server = new sdk.Server({ name: "voicesim-mocked-tools", version: "1.0.0" }, { capabilities: { tools: {} } });
    server.setRequestHandler(sdk.ListTools, () => ({ tools: call.tools }));
    server.setRequestHandler(sdk.CallTool, async (request) => toMcpResult(await call.onCall(request.params.name, request.params.arguments ?? {})));
    return server;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, sdk: Sdk) => {
    const match = /^\/mcp\/([^/?]+)/.exec(req.url ?? "");
    const call = match?.[1] ? calls.get(decodeURIComponent(match[1])) : undefined;
    if (!call) {
      return res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: "no call is running at this address (it ended, or never started)" }));
    }
    if (req.method !== "POST") {
      const error = { jsonrpc: "2.0", id: null, error: { code: -32000, message: "method not allowed: this stateless server answers POST only (no SSE stream, no session to delete)" } };
      return res.writeHead(405, { allow: "POST", "content-type": "application/json" }).end(JSON.stringify(error));
    }
    const server = mcpServerFor(call, sdk);
    // No sessionIdGenerator: the stateless transport, one per request.
    const transport = new sdk.StreamableHTTPServerTransport({ enableJsonResponse: true });
    res.on("close", () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res);
  };

  const start = () =>
    (started ??= (async () => {
      const sdk = await loadSdk();
      const server = createServer((req, res) => {
        handle(req, res, sdk).catch((error: unknown) => {
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

/** A tool outcome as an MCP tool result: the result as JSON text, a failure as an error result carrying the tool error. */
function toMcpResult(outcome: ToolOutcome): CallToolResult {
  const text = outcome.ok ? (typeof outcome.result === "string" ? outcome.result : JSON.stringify(outcome.result)) : JSON.stringify({ error: outcome.error });
  return { content: [{ type: "text", text }], ...(outcome.ok ? {} : { isError: true }) };
}
