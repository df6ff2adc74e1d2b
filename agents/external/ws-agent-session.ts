import WebSocket from "ws";
import type { OpenAIFunctionTool, ToolOutcome } from "../../tools/index.ts";
import { agentFailure } from "./external-agent-error.ts";
import { shownUrl } from "./shown-url.ts";
import { AGENT_PROTOCOL, type AgentFrame, parseAgentFrame, ServerFrame } from "./protocol.ts";

/** One call's connection to a WebSocket agent: frames in, frames out, one waiter at a time. */
export class WsAgentSession {
  /** Events of the call the agent has been told about (or made itself). */
  delivered = 0;
  /** Tool-call ids the agent used on this call: an id used twice would mix up results. */
  readonly toolCallIds = new Set<string>();
  /** Tool calls that came over MCP, waiting for the call graph's result: answered there, not with tool.result. */
  readonly mcpWaiting = new Map<string, (outcome: ToolOutcome) => void>();
  private mcpCalls = 0;
  private readonly inbox: Array<{ frame: AgentFrame } | { error: string }> = [];
  private waiter: ((item: { frame: AgentFrame } | { error: string }) => void) | undefined;
  private closedBecause: string | undefined;

  private constructor(
    private readonly socket: WebSocket,
    private readonly url: string,
  ) {
    // Only the shown form of the address goes into failures (and so into conversations).
    this.url = shownUrl(url);
    socket.on("message", (data, isBinary) => {
      const parsed = isBinary ? { ok: false as const, error: "binary frame (the protocol is JSON text frames)" } : parseAgentFrame(data.toString());
      this.push(parsed.ok ? { frame: parsed.frame } : { error: `sent an invalid frame: ${parsed.error}` });
    });
    socket.on("close", (code, reason) => {
      this.closedBecause ??= `the agent closed the connection mid-call (code ${code}${reason.length ? `, ${reason.toString()}` : ""}); a dropped call is not resumed`;
      this.push({ error: this.closedBecause });
    });
    socket.on("error", (error) => {
      this.closedBecause ??= `connection error: ${error.message}`;
      this.push({ error: this.closedBecause });
    });
  }

  /** Connects and sends session.start; fails fast, naming the URL, when nobody answers. */
  static async open(options: {
    url: string;
    callId: string;
    tools: readonly OpenAIFunctionTool[];
    clock: { now: string; timezone: string };
    mcpUrl?: string;
    headers?: Record<string, string>;
    connectTimeoutMs: number;
  }): Promise<WsAgentSession> {
    const socket = new WebSocket(options.url, { handshakeTimeout: options.connectTimeoutMs, ...(options.headers ? { headers: options.headers } : {}) });
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", (error) => reject(agentFailure(shownUrl(options.url), `cannot connect: ${error.message}`)));
    });
    const session = new WsAgentSession(socket, options.url);
    session.send({
      type: "session.start",
      protocol: AGENT_PROTOCOL,
      callId: options.callId,
      tools: options.tools.map((t) => ({ type: "function", function: { name: t.function.name, description: t.function.description, parameters: t.function.parameters } })),
      clock: options.clock,
      ...(options.mcpUrl ? { mcp: { url: options.mcpUrl } } : {}),
    });
    return session;
  }

  /** Sends a frame, checked against the protocol first: a frame voicesim cannot send is a bug here, so it throws. */
  send(frame: ServerFrame): void {
    const checked = ServerFrame.parse(frame);
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(checked));
  }

  /** A tool call that arrived over MCP becomes the agent's next move, like an agent.tool_call frame. */
  mcpToolCall(name: string, args: Record<string, unknown>): Promise<ToolOutcome> {
    const id = `mcp-${++this.mcpCalls}`;
    return new Promise((resolve) => {
      this.mcpWaiting.set(id, resolve);
      this.push({ frame: { type: "agent.tool_call", id, name, arguments: args } });
    });
  }

  /** Answers a tool call: over MCP when it came that way, else as a tool.result frame. */
  answerTool(id: string, name: string, outcome: ToolOutcome): void {
    const mcp = this.mcpWaiting.get(id);
    if (mcp) {
      this.mcpWaiting.delete(id);
      mcp(outcome);
    } else if (outcome.ok) this.send({ type: "tool.result", id, name, ok: true, result: outcome.result });
    else this.send({ type: "tool.result", id, name, ok: false, error: outcome.error });
  }

  /** The agent's next frame, or a failure naming the URL: an invalid frame, a closed socket, or silence past `timeoutMs`. */
  async next(timeoutMs: number, what: string): Promise<AgentFrame> {
    const item =
      this.inbox.shift() ??
      (await new Promise<{ frame: AgentFrame } | { error: string }>((resolve) => {
        const timer = setTimeout(() => {
          this.waiter = undefined;
          resolve({ error: `no answer within ${timeoutMs} ms ${what}` });
        }, timeoutMs);
        this.waiter = (value) => {
          clearTimeout(timer);
          resolve(value);
        };
      }));
    if ("error" in item) {
      this.close("error", item.error);
      throw agentFailure(this.url, item.error);
    }
    return item.frame;
  }

  /** Tells the agent the call is over and closes the socket (a normal close, code 1000). */
  close(reason: string, errorMessage?: string): void {
    // The agent learns why its call failed (an invalid frame, a timeout) before the socket closes.
    if (errorMessage) this.send({ type: "error", message: errorMessage });
    this.closedBecause ??= `session ended (${reason})`;
    for (const [, answer] of this.mcpWaiting) answer({ ok: false, error: { code: "server_error", message: "the call is over", retryable: false } });
    this.mcpWaiting.clear();
    this.send({ type: "session.end", reason });
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) this.socket.close(1000, reason.slice(0, 100));
  }

  private push(item: { frame: AgentFrame } | { error: string }): void {
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter(item);
    } else this.inbox.push(item);
  }
}
