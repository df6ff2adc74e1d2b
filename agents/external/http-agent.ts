import type { OpenAIFunctionTool, ToolOutcome } from "../../tools/index.ts";
import type { AgentBackend, AgentCallReport, AgentStep, ToolCallRequest } from "../agent-types.ts";
import { noUsage } from "../model/tokens.ts";
import { chatToolCallId, parseToolArgs } from "../openai/chat-shape.ts";
import { eventsToAgentMessages } from "../openai/events-to-messages.ts";
import { agentFailure } from "./external-agent-error.ts";
import { newsForAgent } from "./heard-events.ts";
import { HttpAgentAnswer, HttpAgentRequest, toWireMessages } from "./http-protocol.ts";
import { LatencyRecorder } from "./latency-recorder.ts";
import type { McpToolBridge } from "./mcp-bridge.ts";
import { shownUrl } from "./shown-url.ts";
import { AGENT_PROTOCOL, describeFrameIssues } from "./protocol.ts";

export interface HttpAgentOptions {
  /** http:// or https:// address that answers one POST per agent step. */
  url: string;
  tools: readonly OpenAIFunctionTool[];
  /** Per request; default 15 s. */
  turnTimeoutMs?: number;
  headers?: Record<string, string>;
  /** Serves each call's tools over MCP; its URL goes into every POST as `mcp.url`. */
  mcp?: McpToolBridge;
  now?: () => number;
}

/** One call's life on this side: latency, the POST still out, and tool calls the agent made over MCP meanwhile. */
interface HttpCall {
  seen: number;
  latency: LatencyRecorder;
  mcpUrl?: string;
  /** The POST the agent has not answered yet: MCP tool calls made while it runs are moves of their own. */
  inFlight?: Promise<HttpAgentAnswer> | undefined;
  /** MCP tool calls not yet handed to the call graph. */
  mcpQueued: Array<{ name: string; args: Record<string, unknown>; answer: (outcome: ToolOutcome) => void }>;
  /** MCP tool calls the graph is running, by tool-call id, answered when their result comes back. */
  mcpRunning: Map<string, (outcome: ToolOutcome) => void>;
  /** Wakes nextStep when an MCP tool call arrives while it waits for the POST. */
  wake?: (() => void) | undefined;
}


/**
 * The agent under test as a stateless HTTP handler: every step POSTs the whole call in OpenAI
 * chat shape (the same messages the built-in model agent sends, with the same tool-call ids) and
 * the tools; the answer is speech and/or tool calls. A non-2xx status, an invalid body, an empty
 * answer or a timeout fails the call with the reason.
 */
export function createHttpAgent(options: HttpAgentOptions): AgentBackend {
  const calls = new Map<string, HttpCall>();
  const now = options.now ?? (() => performance.now());
  const timeoutMs = options.turnTimeoutMs ?? 15_000;
  const tools = options.tools.map((t) => ({ type: "function" as const, function: { name: t.function.name, description: t.function.description, parameters: t.function.parameters } }));

  return {
    id: `http:${shownUrl(options.url)}`,
    canFork: false,
    endpoint: options.url,
    async nextStep(view): Promise<AgentStep> {
      const callId = view.conversationId ?? "call";
      let call = calls.get(callId);
      if (!call) {
        const fresh: HttpCall = { seen: 0, latency: new LatencyRecorder(now), mcpQueued: [], mcpRunning: new Map() };
        call = fresh;
        calls.set(callId, fresh);
        if (options.mcp) {
          fresh.mcpUrl = await options.mcp.open(callId, (name, args) =>
            new Promise<ToolOutcome>((answer) => {
              fresh.mcpQueued.push({ name, args, answer });
              fresh.wake?.();
            }),
            // tools/list over MCP offers what the POST's `tools` offer, no more.
            tools.map((t) => t.function.name),
          );
        }
        call.latency.turnStarted(0);
      }
      const news = newsForAgent(view.events.slice(call.seen));
      for (const result of news.toolResults) {
        const answer = call.mcpRunning.get(result.callId);
        call.mcpRunning.delete(result.callId);
        answer?.(result.outcome);
      }
      if (news.heard.length > 0) call.latency.turnStarted(view.turn);
      call.seen = view.events.length;
      if (!call.inFlight) {
        const body = HttpAgentRequest.parse({
          protocol: AGENT_PROTOCOL,
          callId,
          turn: view.turn,
          clock: { now: view.now, timezone: view.timezone },
          messages: toWireMessages(eventsToAgentMessages(view.events, callId)),
          tools,
          ...(call.mcpUrl ? { mcp: { url: call.mcpUrl } } : {}),
        });
        call.inFlight = post(options, body, timeoutMs);
        // Settled here too, so a POST that fails while an MCP call is being run is not an unhandled rejection.
        call.inFlight.catch(() => undefined);
      }
      const mcpCall = await nextMcpCall(call);
      if (mcpCall) {
        // A tool call over MCP while the POST is out is the agent's next move; its result goes back over MCP.
        const id = chatToolCallId(callId, view.events.filter((e) => e.type === "tool_call").length);
        call.mcpRunning.set(id, mcpCall.answer);
        call.latency.moved({ kind: "tool", tool: mcpCall.name, callId: id });
        return { action: { kind: "tool_calls", calls: [{ callId: id, tool: mcpCall.name, args: mcpCall.args }] }, memory: null, usage: noUsage() };
      }
      const answer = await (call.inFlight as Promise<HttpAgentAnswer>).finally(() => {
        if (call) call.inFlight = undefined;
      });
      const text = answer.content?.trim() ?? "";
      const toolCalls = answer.tool_calls ?? [];
      if (!text && toolCalls.length === 0 && !answer.end_call) throw agentFailure(shownUrl(options.url), "answered with neither speech (content) nor tool_calls");
      if (text) call.latency.moved({ kind: "speech" });
      if (toolCalls.length > 0) {
        // The ids the agent sees next time come from eventsToAgentMessages, so the calls get those ids now.
        const before = view.events.filter((e) => e.type === "tool_call").length;
        const requests: ToolCallRequest[] = toolCalls.map((c, i) => ({ callId: chatToolCallId(callId, before + i), tool: c.function.name, args: parseToolArgs(c.function.arguments) }));
        for (const r of requests) call.latency.moved({ kind: "tool", tool: r.tool, callId: r.callId });
        return { action: text ? { kind: "tool_calls", calls: requests, text } : { kind: "tool_calls", calls: requests }, memory: null, usage: noUsage() };
      }
      if (answer.end_call) call.latency.moved({ kind: "end" });
      return { action: answer.end_call ? { kind: "speak", text, endCall: true } : { kind: "speak", text }, memory: null, usage: noUsage() };
    },
    async endCall(callId): Promise<AgentCallReport> {
      const call = calls.get(callId);
      calls.delete(callId);
      await options.mcp?.close(callId);
      if (!call) return {};
      const over: ToolOutcome = { ok: false, error: { code: "server_error", message: "the call is over", retryable: false } };
      for (const waiting of [...call.mcpQueued.map((q) => q.answer), ...call.mcpRunning.values()]) waiting(over);
      return { latency: call.latency.report() };
    },
  };
}

/** The first MCP tool call that arrives before the POST answers, or undefined once it has answered. */
async function nextMcpCall(call: HttpCall): Promise<HttpCall["mcpQueued"][number] | undefined> {
  const queued = call.mcpQueued.shift();
  if (queued || !call.inFlight) return queued;
  const arrived = new Promise<void>((resolve) => {
    call.wake = resolve;
  });
  await Promise.race([call.inFlight.then(() => undefined, () => undefined), arrived]);
  call.wake = undefined;
  return call.mcpQueued.shift();
}

async function post(options: HttpAgentOptions, body: HttpAgentRequest, timeoutMs: number): Promise<HttpAgentAnswer> {
  let response: Response;
  try {
    response = await fetch(options.url, {
      method: "POST",
      headers: { "content-type": "application/json", ...options.headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const e = error as Error & { cause?: { code?: string; message?: string } };
    const why = e.name === "TimeoutError" ? `no answer within ${timeoutMs} ms at turn ${body.turn}` : `request failed: ${e.cause?.code ?? e.cause?.message ?? e.message}`;
    throw agentFailure(shownUrl(options.url), why);
  }
  const text = await response.text();
  if (!response.ok) throw agentFailure(shownUrl(options.url), `answered ${response.status} at turn ${body.turn}: ${text.slice(0, 200)}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw agentFailure(shownUrl(options.url), `answered with a body that is not JSON: ${text.slice(0, 80)}`);
  }
  const parsed = HttpAgentAnswer.safeParse(value);
  if (!parsed.success) throw agentFailure(shownUrl(options.url), `answered with an invalid body: ${describeFrameIssues(parsed.error)}`);
  return parsed.data;
}

