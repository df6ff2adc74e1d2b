import type { ToolOutcome } from "../../tools/index.ts";

/** Runs one tool the agent called over MCP in the call's world and answers with its outcome. */
export type McpToolCallHandler = (name: string, args: Record<string, unknown>) => Promise<ToolOutcome>;

/**
 * Serves each running call's mocked tools as an MCP server at a URL of its own. Tool calls that
 * arrive there go through `onCall`, i.e. through the same call graph, tool log, faults and
 * final-state check as tool calls sent over the agent protocol.
 */
export interface McpToolBridge {
  /** `toolNames`: the tools this call's agent was given, the only ones tools/list shows; default all. */
  open(callId: string, onCall: McpToolCallHandler, toolNames?: readonly string[]): Promise<string>;
  close(callId: string): Promise<void>;
  /** Stops the server (after the batch). */
  stop(): Promise<void>;
}
