import type { OpenAIFunctionTool } from "../../tools/index.ts";
import type { AgentBackend, AgentCallReport, AgentStep, ToolCallRequest } from "../agent-types.ts";
import { chatToolCallId } from "../openai/chat-shape.ts";
import { eventsToAgentMessages } from "../openai/events-to-messages.ts";
import { agentFailure } from "./external-agent-error.ts";
import { newsForAgent } from "./heard-events.ts";
import { HttpAgentAnswer, HttpAgentRequest, toWireMessages } from "./http-protocol.ts";
import { LatencyRecorder } from "./latency-recorder.ts";
import { shownUrl } from "./shown-url.ts";
import { AGENT_PROTOCOL, describeFrameIssues } from "./protocol.ts";

export interface HttpAgentOptions {
  /** http:// or https:// address that answers one POST per agent step. */
  url: string;
  tools: readonly OpenAIFunctionTool[];
  /** Per request; default 15 s. */
  turnTimeoutMs?: number;
  headers?: Record<string, string>;
  now?: () => number;
}

const noUsage = { promptTokens: 0, completionTokens: 0, modelCalls: 0, cachedCalls: 0 };

/**
 * The agent under test as a stateless HTTP handler: every step POSTs the whole call in OpenAI
 * chat shape (the same messages the built-in model agent sends, with the same tool-call ids) and
 * the tools; the answer is speech and/or tool calls. A non-2xx status, an invalid body, an empty
 * answer or a timeout fails the call with the reason.
 */
export function createHttpAgent(options: HttpAgentOptions): AgentBackend {
  const calls = new Map<string, { seen: number; latency: LatencyRecorder }>();
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
        call = { seen: 0, latency: new LatencyRecorder(now) };
        call.latency.turnStarted(0);
        calls.set(callId, call);
      }
      if (newsForAgent(view.events.slice(call.seen)).heard.length > 0) call.latency.turnStarted(view.turn);
      call.seen = view.events.length;
      const body = HttpAgentRequest.parse({
        protocol: AGENT_PROTOCOL,
        callId,
        turn: view.turn,
        clock: { now: view.now, timezone: view.timezone },
        messages: toWireMessages(eventsToAgentMessages(view.events, callId)),
        tools,
      });
      const answer = await post(options, body, timeoutMs);
      const text = answer.content?.trim() ?? "";
      const toolCalls = answer.tool_calls ?? [];
      if (!text && toolCalls.length === 0 && !answer.end_call) throw agentFailure(shownUrl(options.url), "answered with neither speech (content) nor tool_calls");
      if (text) call.latency.moved({ kind: "speech" });
      if (toolCalls.length > 0) {
        // The ids the agent sees next time come from eventsToAgentMessages, so the calls get those ids now.
        const before = view.events.filter((e) => e.type === "tool_call").length;
        const requests: ToolCallRequest[] = toolCalls.map((c, i) => ({ callId: chatToolCallId(callId, before + i), tool: c.function.name, args: parseArgs(c.function.arguments) }));
        for (const r of requests) call.latency.moved({ kind: "tool", tool: r.tool, callId: r.callId });
        return { action: text ? { kind: "tool_calls", calls: requests, text } : { kind: "tool_calls", calls: requests }, memory: null, usage: noUsage };
      }
      if (answer.end_call) call.latency.moved({ kind: "end" });
      return { action: answer.end_call ? { kind: "speak", text, endCall: true } : { kind: "speak", text }, memory: null, usage: noUsage };
    },
    async endCall(callId): Promise<AgentCallReport> {
      const call = calls.get(callId);
      calls.delete(callId);
      return call ? { latency: call.latency.report() } : {};
    },
  };
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

/** Arguments as the agent wrote them; unparseable ones reach the tool, which answers invalid_arguments. */
function parseArgs(value: string | Record<string, unknown>): Record<string, unknown> {
  if (typeof value !== "string") return value;
  try {
    const parsed = JSON.parse(value) as unknown;
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : { _raw: value };
  } catch {
    return { _raw: value };
  }
}
