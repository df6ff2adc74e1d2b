import { EventEmitter } from "node:events";
import type { Conversation, ConversationEvent } from "../scenarios/index.ts";
import type { LiveEventChunk } from "../sim/index.ts";

export type LiveEventListener = (conversationId: string, event: ConversationEvent, index?: number) => void;
export type ConversationDoneListener = (conversation: Conversation) => void;

/**
 * Where a viewer hears of calls an engine in the same process is producing (`voicesim run --view`).
 * Node's EventEmitter fits it as it is; `index` is the event's position in its call when the
 * engine knows it (LangGraph's custom stream does), otherwise events are appended in arrival order.
 */
export interface LiveFeed {
  on(type: "event", listener: LiveEventListener): unknown;
  on(type: "conversation_done", listener: ConversationDoneListener): unknown;
  off(type: "event", listener: LiveEventListener): unknown;
  off(type: "conversation_done", listener: ConversationDoneListener): unknown;
}

/** A LiveFeed to push an engine's callbacks into: `onEvent: (chunk) => feed.event(chunk)`. */
export class LiveFeedEmitter extends EventEmitter implements LiveFeed {
  /** One event of a call in progress, as the conversation graph streams it. */
  event(chunk: LiveEventChunk): void {
    this.emit("event", chunk.conversationId, chunk.event, chunk.index);
  }

  /** The call is finished and complete (the line written to conversations.jsonl). */
  done(conversation: Conversation): void {
    this.emit("conversation_done", conversation);
  }
}

export function createLiveFeed(): LiveFeedEmitter {
  return new LiveFeedEmitter();
}
