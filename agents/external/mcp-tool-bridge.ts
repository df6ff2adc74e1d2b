import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
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
 * Serves each running call's mocked tools as an MCP server (streamable HTTP, stateless, JSON
 * responses) at `http://<listen>:<port>/mcp/<call id>`. `tools/call` goes through the call's
 * handler, i.e. through the call graph: same tool log, faults and final-state check as a tool
 * call over the agent protocol. The MCP SDK loads with the first bridge, never for other runs.
 */
export function createMcpToolBridge(options: McpToolBridgeOptions): McpToolBridge {
  const calls = new Map<string, McpToolCallHandler>();
  let started: Promise<{ server: HttpServer; base: string }> | undefined;

  const start = () =>
    (started ??= (async () => {
      const [{ Server }, { StreamableHTTPServerTransport }, { CallToolRequestSchema, ListToolsRequestSchema }] = await Promise.all([
        import("@modelcontextprotocol/sdk/server/index.js"),
        import("@modelcontextprotocol/sdk/server/streamableHttp.js"),
        import("@modelcontextprotocol/sdk/types.js"),
      ]);
      const tools = options.tools.map((t) => ({ name: t.function.name, description: t.function.description, inputSchema: { type: "object" as const, ...t.function.parameters } }));
      const handle = async (req: IncomingMessage, res: ServerResponse) => {
        const match = /^\/mcp\/([^/?]+)/.exec(req.url ?? "");
        const handler = match?.[1] ? calls.get(decodeURIComponent(match[1])) : undefined;
        if (!handler) {
          res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: "no call is running at this address (it ended, or never started)" }));
          return;
        }
        // Stateless: a server and transport per request, as the SDK recommends when no session is kept.
        const server = new Server({ name: "voicesim-mocked-tools", version: "1.0.0" }, { capabilities: { tools: {} } });
        server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools }));
        server.setRequestHandler(CallToolRequestSchema, async (request) => toMcpResult(await handler(request.params.name, (request.params.arguments ?? {}) as Record<string, unknown>)));
        const transport = new StreamableHTTPServerTransport({ enableJsonResponse: true });
        res.on("close", () => {
          void transport.close();
          void server.close();
        });
        await server.connect(transport);
        await transport.handleRequest(req, res);
      };
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
    async open(callId, onCall) {
      const { base } = await start();
      calls.set(callId, onCall);
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
function toMcpResult(outcome: ToolOutcome) {
  const text = outcome.ok ? (typeof outcome.result === "string" ? outcome.result : JSON.stringify(outcome.result)) : JSON.stringify({ error: outcome.error });
  return { content: [{ type: "text" as const, text }], ...(outcome.ok ? {} : { isError: true }) };
}
