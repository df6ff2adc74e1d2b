import type { ConversationEvent, ToolResultEvent } from "../../scenarios/index.ts";
import type { HeardEvent } from "./protocol.ts";

/** What an external agent is told about the events that happened since it last acted. */
export interface NewsForAgent {
  /** Results of the tools it called, in order. */
  toolResults: ToolResultEvent[];
  /** What it heard: the caller's speech as recognised, its own interrupted turn, silences, keypad input. */
  heard: HeardEvent[];
}

/**
 * Splits the events an external agent has not seen into tool results and what it heard. Its own
 * speech and tool calls are not news, except the part of an interrupted turn the caller heard;
 * the caller's words go out as recognised (`heard`), never as said.
 */
export function newsForAgent(events: readonly ConversationEvent[]): NewsForAgent {
  const news: NewsForAgent = { toolResults: [], heard: [] };
  for (const event of events) {
    if (event.type === "tool_result") news.toolResults.push(event);
    else if (event.type === "agent_speech" && event.interrupted) news.heard.push({ type: "interruption", heardByCaller: event.callerHeard, atMs: event.at });
    else if (event.type === "silence" && event.who === "caller") news.heard.push({ type: "silence", durationMs: event.durationMs, atMs: event.at });
    else if (event.type === "caller_speech") {
      news.heard.push(event.dtmf ? { type: "dtmf", digits: event.dtmf, atMs: event.at } : { type: "speech", text: event.heard, bargedIn: event.bargedIn, atMs: event.at });
    }
  }
  return news;
}
