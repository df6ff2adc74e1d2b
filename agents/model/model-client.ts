import type { OpenAIFunctionTool } from "../../tools/index.ts";

/** A chat message in OpenAI's chat-completions shape (what every compatible server speaks). */
export interface ChatMessage {
  role: "system" | "user" | "assistant" | "tool";
  content: string;
  /** assistant: the function calls it made; `arguments` is a JSON string, as on the wire. */
  toolCalls?: ModelToolCall[];
  /** tool: the id of the call this answers. (No `name`: Chat Completions tool messages have none, and strict gateways answer 400 to it.) */
  toolCallId?: string;
}

export interface ModelToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface ChatRequest {
  messages: ChatMessage[];
  tools?: OpenAIFunctionTool[];
  temperature?: number;
  maxTokens?: number;
  /** Ask for JSON that fits this JSON Schema (structured output). */
  jsonSchema?: {
    name: string;
    schema: Record<string, unknown>;
    /** OpenAI's strict mode: every property required, no others; servers that lack it ignore it. */
    strict?: boolean;
  };
  /** Distinguishes otherwise identical requests that must not share a cache entry (e.g. fork k). */
  sampleKey?: string;
}

export interface ChatResponse {
  content: string;
  toolCalls: ModelToolCall[];
  usage: { promptTokens: number; completionTokens: number };
  /** Answered from the response cache: no request reached the server. */
  cached: boolean;
}

/**
 * One configured model endpoint (base URL, key, retries, timeout, cache), made once and passed
 * to every LLM-form agent. `complete` retries 429/5xx/timeouts itself and throws `ModelCallError`
 * when it gives up; callers turn that into a recorded failure, never a crashed batch.
 */
export interface ModelClient {
  /** e.g. "openai:gpt-4o-mini". */
  readonly id: string;
  complete(request: ChatRequest, signal?: AbortSignal): Promise<ChatResponse>;
  /** Everything this client has spent so far (cache hits count as cached calls, not tokens spent). */
  usage?(): { promptTokens: number; completionTokens: number; modelCalls: number; cachedCalls: number };
}
