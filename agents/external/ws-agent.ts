import type { OpenAIFunctionTool } from "../../tools/index.ts";
import type { AgentBackend, AgentCallReport, AgentStep, AgentView } from "../agent-types.ts";
import { noUsage } from "../model/tokens.ts";
import { agentFailure } from "./external-agent-error.ts";
import { newsForAgent } from "./heard-events.ts";
import { LatencyRecorder } from "./latency-recorder.ts";
import type { McpToolBridge } from "./mcp-bridge.ts";
import { shownUrl } from "./shown-url.ts";
import { WsAgentSession } from "./ws-agent-session.ts";

export interface WebSocketAgentOptions {
  /** ws:// or wss:// address of the agent; one connection per call. */
  url: string;
  /** The tools the agent may call, as function specs (sent in session.start). */
  tools: readonly OpenAIFunctionTool[];
  /** How long the agent may take for one move (speech, tool call, end); default 15 s. */
  turnTimeoutMs?: number;
  connectTimeoutMs?: number;
  headers?: Record<string, string>;
  /** Serves each call's tools over MCP; its URL goes into session.start. */
  mcp?: McpToolBridge;
  /** Wall clock for latency (ms); injected by tests. */
  now?: () => number;
}


/**
 * The agent under test behind a WebSocket, speaking voicesim's agent protocol v1
 * (docs/agent-protocol.md). Each call opens its own connection; the call graph runs the agent's
 * tool calls in the call's mocked world exactly as for the built-in agents, and the results go
 * back as tool.result frames. A dropped connection, an invalid frame or a turn past its timeout
 * fails the call with the reason; nothing is retried or silently reconnected.
 */
export function createWebSocketAgent(options: WebSocketAgentOptions): AgentBackend {
  const sessions = new Map<string, { session: WsAgentSession; latency: LatencyRecorder }>();
  const turnTimeoutMs = options.turnTimeoutMs ?? 15_000;
  const now = options.now ?? (() => performance.now());
  // tools/list over MCP offers what session.start offers, no more.
  const toolNames = options.tools.map((t) => t.function.name);

  const sessionFor = async (view: AgentView, callId: string) => {
    const existing = sessions.get(callId);
    if (existing) return existing;
    // A call starts with the agent's greeting; a session asked for mid-call would be a second
    // connection silently standing in for the first (after a drop, or a fork), which it must not.
    if (view.events.length > 0) {
      throw agentFailure(shownUrl(options.url), "this call already started on another connection; a WebSocket agent's call is never resumed or replayed on a new one (run with --forks 0)");
    }
    const mcpUrl = options.mcp
      ? await options.mcp.open(callId, async (name, args) => {
          const entry = sessions.get(callId);
          if (!entry) return { ok: false, error: { code: "server_error", message: "the call is over", retryable: false } };
          return entry.session.mcpToolCall(name, args);
        }, toolNames)
      : undefined;
    const latency = new LatencyRecorder(now);
    try {
      const session = await WsAgentSession.open({
        url: options.url,
        callId,
        tools: options.tools,
        clock: { now: view.now, timezone: view.timezone },
        ...(mcpUrl ? { mcpUrl } : {}),
        ...(options.headers ? { headers: options.headers } : {}),
        connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
      });
      // Turn 0 is the greeting: the wait starts once the agent has session.start (voicesim's own connecting is not the agent's delay).
      latency.turnStarted(0);
      const entry = { session, latency };
      sessions.set(callId, entry);
      return entry;
    } catch (error) {
      await options.mcp?.close(callId);
      throw error;
    }
  };

  return {
    id: `ws:${shownUrl(options.url)}`,
    canFork: false,
    endpoint: options.url,
    async nextStep(view): Promise<AgentStep> {
      const callId = view.conversationId;
      if (!callId) throw new Error("a WebSocket agent needs the conversation id in its view");
      const { session, latency } = await sessionFor(view, callId);
      if (view.events.length < session.delivered) {
        throw agentFailure(shownUrl(options.url), "a WebSocket agent keeps its own state per call and cannot be replayed from a checkpoint (run with --forks 0)");
      }
      const news = newsForAgent(view.events.slice(session.delivered));
      session.delivered = view.events.length;
      for (const result of news.toolResults) session.answerTool(result.callId, result.tool, result.outcome);
      if (news.heard.length > 0) {
        latency.turnStarted(view.turn);
        session.send({ type: "caller.said", turn: view.turn, events: news.heard });
      }
      const frame = await session.next(turnTimeoutMs, `at turn ${view.turn}`);
      if (frame.type === "agent.say") {
        latency.moved({ kind: "speech" });
        return { action: { kind: "speak", text: frame.text }, memory: null, usage: noUsage() };
      }
      if (frame.type === "agent.end") {
        if (frame.say) latency.moved({ kind: "speech" });
        latency.moved({ kind: "end" });
        return { action: { kind: "speak", text: frame.say ?? "", endCall: true }, memory: null, usage: noUsage() };
      }
      if (session.toolCallIds.has(frame.id)) {
        session.close("error", `tool call id "${frame.id}" was already used on this call; use a new id per call`);
        throw agentFailure(shownUrl(options.url), `reused tool call id "${frame.id}"`);
      }
      session.toolCallIds.add(frame.id);
      if (frame.say) latency.moved({ kind: "speech" });
      latency.moved({ kind: "tool", tool: frame.name, callId: frame.id });
      const calls = [{ callId: frame.id, tool: frame.name, args: frame.arguments }];
      return { action: frame.say ? { kind: "tool_calls", calls, text: frame.say } : { kind: "tool_calls", calls }, memory: null, usage: noUsage() };
    },
    async endCall(callId, reason): Promise<AgentCallReport> {
      const entry = sessions.get(callId);
      sessions.delete(callId);
      await options.mcp?.close(callId);
      if (!entry) return {};
      entry.session.close(reason);
      return { latency: entry.latency.report() };
    },
  };
}
