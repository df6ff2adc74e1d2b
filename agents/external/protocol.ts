import { z } from "zod";

/**
 * voicesim's agent protocol, version 1 (docs/agent-protocol.md): JSON text frames over one
 * WebSocket per call. voicesim is the client; the agent under test is the server. Every frame is
 * checked with these schemas in both directions, so a mistake on either side is named where it
 * happens instead of surfacing as a strange call.
 */
export const AGENT_PROTOCOL = "voicesim.agent.v1";

const JsonObject = z.record(z.string(), z.unknown());

/** A tool as an OpenAI function spec: the same declaration the built-in model agent gets. */
export const ProtocolTool = z.object({
  type: z.literal("function"),
  function: z.object({ name: z.string(), description: z.string().optional(), parameters: JsonObject }),
});

/** What the agent heard since it last spoke: speech as recognised, never as said. */
export const HeardEvent = z.discriminatedUnion("type", [
  /** Caller speech after speech recognition; `bargedIn` when the caller talked over the agent. */
  z.object({ type: z.literal("speech"), text: z.string(), bargedIn: z.boolean(), atMs: z.number() }),
  /** The caller cut the agent off: `heardByCaller` is the part of its turn the caller heard. */
  z.object({ type: z.literal("interruption"), heardByCaller: z.string(), atMs: z.number() }),
  z.object({ type: z.literal("silence"), durationMs: z.number(), atMs: z.number() }),
  z.object({ type: z.literal("dtmf"), digits: z.string(), atMs: z.number() }),
]);
export type HeardEvent = z.infer<typeof HeardEvent>;

/** voicesim → agent. */
export const ServerFrame = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("session.start"),
    protocol: z.literal(AGENT_PROTOCOL),
    callId: z.string(),
    tools: z.array(ProtocolTool),
    /** The scenario clock: what "now" is on this call. Never the scenario's hidden facts or expectations. */
    clock: z.object({ now: z.string(), timezone: z.string() }),
    /** The call's mocked tools as an MCP server (streamable HTTP), when voicesim serves one. */
    mcp: z.object({ url: z.string() }).optional(),
  }),
  z.object({ type: z.literal("caller.said"), turn: z.number().int(), events: z.array(HeardEvent) }),
  z.object({
    type: z.literal("tool.result"),
    id: z.string(),
    name: z.string(),
    ok: z.boolean(),
    result: z.unknown().optional(),
    error: z.object({ code: z.string(), message: z.string(), issues: z.array(z.string()).optional(), retryable: z.boolean() }).optional(),
  }),
  /** The call is over (the caller hung up, a limit was hit, or the agent ended it); the socket closes next. */
  z.object({ type: z.literal("session.end"), reason: z.string() }),
  /** A frame the agent sent was rejected; the call is recorded as the agent's failure. */
  z.object({ type: z.literal("error"), message: z.string() }),
]);
export type ServerFrame = z.infer<typeof ServerFrame>;

/** agent → voicesim. */
export const AgentFrame = z.discriminatedUnion("type", [
  /** Speech to the caller; it ends the agent's turn (the next frame it gets is caller.said). */
  z.object({ type: z.literal("agent.say"), text: z.string().min(1) }),
  /** Runs a tool in the call's mocked world; voicesim answers tool.result. `say` is spoken while it runs. */
  z.object({ type: z.literal("agent.tool_call"), id: z.string().min(1), name: z.string().min(1), arguments: JsonObject, say: z.string().optional() }),
  /** The agent hangs up, after an optional goodbye. */
  z.object({ type: z.literal("agent.end"), say: z.string().optional() }),
]);
export type AgentFrame = z.infer<typeof AgentFrame>;

/**
 * A union reports each branch's issues below its own path; flattened and deepest first, the
 * first is the field the author meant (`agents.a.temperature`, not "agents.a: Invalid input").
 */
export function flatIssues(issues: readonly z.core.$ZodIssue[], prefix: PropertyKey[] = []): Array<{ path: PropertyKey[]; message: string }> {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path];
    if (issue.code === "invalid_union" && issue.errors.length > 0) return issue.errors.flatMap((branch) => flatIssues(branch, path));
    return [{ path, message: issue.message }];
  });
}

/** A zod failure as one line an agent author can act on: `arguments: expected record` and so on. */
export function describeFrameIssues(error: z.ZodError): string {
  return [...flatIssues(error.issues)]
    .sort((a, b) => b.path.length - a.path.length)
    .slice(0, 3)
    .map((issue) => `${issue.path.map(String).join(".") || "(frame)"}: ${issue.message}`)
    .join("; ");
}

/** Parses one text frame from the agent; the error string names what is wrong. */
export function parseAgentFrame(text: string): { ok: true; frame: AgentFrame } | { ok: false; error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, error: `not JSON: ${text.slice(0, 80)}` };
  }
  const parsed = AgentFrame.safeParse(value);
  if (parsed.success) return { ok: true, frame: parsed.data };
  const type = value && typeof value === "object" && "type" in value ? String((value as { type: unknown }).type) : undefined;
  return { ok: false, error: `invalid ${type ? `"${type}" ` : ""}frame: ${describeFrameIssues(parsed.error)}` };
}
