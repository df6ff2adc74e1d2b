/**
 * A reference agent under test, written the way a team would: a LangGraph.js graph (model ⇄
 * tools) behind a WebSocket that speaks voicesim's agent protocol (docs/agent-protocol.md), and
 * that reaches its tools through MCP — here, the mocked tools voicesim serves per call. It imports
 * nothing from voicesim: swap the MCP URL for your real tool server and it runs in production.
 *
 *   OPENAI_BASE_URL=http://127.0.0.1:11434/v1 MODEL=llama3.1 npx tsx examples/langgraph-agent/agent.ts
 *   npx voicesim run scenarios/packs/clinic-booking --agent ws://127.0.0.1:8787/agent
 */
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { AIMessage, type BaseMessage, HumanMessage, SystemMessage, ToolMessage } from "@langchain/core/messages";
import { END, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { ChatOpenAICompletions } from "@langchain/openai";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { type WebSocket, WebSocketServer } from "ws";

export interface LangGraphAgentOptions {
  model: string;
  baseUrl?: string;
  apiKey?: string;
  port?: number;
  systemPrompt?: string;
}

const DEFAULT_PROMPT = [
  "You are the voice agent of a small clinic, on the phone. Speak briefly, in plain words, no markup.",
  "Use the tools to look things up before you answer; never invent times or amounts.",
  "Notes in brackets ([call connected], [caller silent for N seconds], [keypad: 123]) describe the line.",
].join(" ");

/** Starts the agent; each WebSocket connection is one call. */
export async function startLangGraphAgent(options: LangGraphAgentOptions): Promise<{ url: string; close(): Promise<void> }> {
  const server = new WebSocketServer({ host: "127.0.0.1", port: options.port ?? 8787, path: "/agent" });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  server.on("connection", (socket) => {
    serveCall(socket, options).catch((error: unknown) => socket.close(1011, String((error as Error).message).slice(0, 100)));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/agent`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
}

interface SessionStart {
  type: "session.start";
  callId: string;
  clock: { now: string; timezone: string };
  mcp?: { url: string };
}

type Heard = { type: "speech"; text: string } | { type: "interruption"; heardByCaller: string } | { type: "silence"; durationMs: number } | { type: "dtmf"; digits: string };

/** One call: a graph over the call's MCP tools, run once per caller turn. */
async function serveCall(socket: WebSocket, options: LangGraphAgentOptions): Promise<void> {
  const frames: Array<Record<string, unknown>> = [];
  let wake: (() => void) | undefined;
  socket.on("message", (data) => {
    frames.push(JSON.parse(data.toString()) as Record<string, unknown>);
    wake?.();
  });
  const nextFrame = async (): Promise<Record<string, unknown> | undefined> => {
    while (frames.length === 0) {
      if (socket.readyState !== socket.OPEN) return undefined;
      await new Promise<void>((resolve) => {
        wake = resolve;
        socket.once("close", () => resolve());
      });
    }
    return frames.shift();
  };
  const send = (frame: unknown) => socket.send(JSON.stringify(frame));

  const start = (await nextFrame()) as SessionStart | undefined;
  if (!start || start.type !== "session.start" || !start.mcp) return;
  const mcp = new Client({ name: "langgraph-reference-agent", version: "1.0.0" });
  await mcp.connect(new StreamableHTTPClientTransport(new URL(start.mcp.url)));
  const { tools } = await mcp.listTools();
  const model = new ChatOpenAICompletions({
    model: options.model,
    apiKey: options.apiKey ?? process.env.OPENAI_API_KEY ?? "none",
    temperature: 0,
    maxRetries: 1,
    ...(options.baseUrl ? { configuration: { baseURL: options.baseUrl } } : {}),
  }).bindTools(tools.map((t) => ({ type: "function" as const, function: { name: t.name, description: t.description ?? "", parameters: t.inputSchema } })));

  const graph = new StateGraph(MessagesAnnotation)
    .addNode("model", async (state) => ({ messages: [await model.invoke(state.messages)] }))
    .addNode("tools", async (state) => {
      const last = state.messages.at(-1) as AIMessage;
      const results: BaseMessage[] = [];
      for (const call of last.tool_calls ?? []) {
        const result = await mcp.callTool({ name: call.name, arguments: call.args });
        const text = (result.content as Array<{ type: string; text?: string }>).map((c) => c.text ?? "").join("");
        results.push(new ToolMessage({ tool_call_id: call.id ?? call.name, content: text }));
      }
      return { messages: results };
    })
    .addEdge(START, "model")
    .addConditionalEdges("model", (state) => ((state.messages.at(-1) as AIMessage).tool_calls?.length ? "tools" : END), ["tools", END])
    .addEdge("tools", "model")
    .compile();

  let history: BaseMessage[] = [new SystemMessage(`${options.systemPrompt ?? DEFAULT_PROMPT} It is now ${start.clock.now} (${start.clock.timezone}).`)];
  const respond = async (heard: string) => {
    const result = await graph.invoke({ messages: [...history, new HumanMessage(heard)] });
    history = result.messages;
    const reply = result.messages.at(-1);
    const text = reply instanceof AIMessage && typeof reply.content === "string" ? reply.content.trim() : "";
    send({ type: "agent.say", text: text || "Sorry, could you say that again?" });
  };

  await respond("[call connected]");
  for (let frame = await nextFrame(); frame; frame = await nextFrame()) {
    if (frame.type === "caller.said") await respond(describeHeard(frame.events as Heard[]));
    if (frame.type === "session.end" || frame.type === "error") break;
  }
  await mcp.close();
}

/** What the caller did, as one user message with the line's notes. */
function describeHeard(events: readonly Heard[]): string {
  return events
    .map((e) =>
      e.type === "speech" ? e.text : e.type === "interruption" ? "[you were interrupted]" : e.type === "silence" ? `[caller silent for ${Math.round(e.durationMs / 1000)} seconds]` : `[keypad: ${e.digits}]`,
    )
    .join(" ");
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const agent = await startLangGraphAgent({
    model: process.env.MODEL ?? "gpt-4o-mini",
    ...(process.env.OPENAI_BASE_URL ? { baseUrl: process.env.OPENAI_BASE_URL } : {}),
    port: Number(process.env.PORT ?? 8787),
  });
  process.stdout.write(`agent listening at ${agent.url}\n`);
}
