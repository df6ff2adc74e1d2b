import type { OpenAIFunctionTool } from "../../tools/index.ts";
import type { AgentBackend, AgentStep } from "../agent-types.ts";
import type { ModelClient } from "../model/model-client.ts";
import { agentSystemPrompt } from "./agent-prompt.ts";
import { eventsToAgentMessages } from "./events-to-messages.ts";

export interface OpenAIAgentOptions {
  client: ModelClient;
  tools: readonly OpenAIFunctionTool[];
  temperature?: number;
}

/** The candidate agent as a model: the pack's policy as system prompt, its tools as functions. */
export function createOpenAIAgent(options: OpenAIAgentOptions): AgentBackend {
  return {
    id: options.client.id,
    async nextStep(view, rng): Promise<AgentStep> {
      const response = await options.client.complete({
        messages: [{ role: "system", content: agentSystemPrompt(view.pack, view.now, view.timezone) }, ...eventsToAgentMessages(view.events, view.conversationId)],
        tools: [...options.tools],
        temperature: options.temperature ?? 0.3,
        // Forks and candidates draw their own samples instead of sharing one cached answer.
        sampleKey: `agent:${rng.int(0, 2 ** 30)}`,
      }, view.signal);
      const usage = {
        promptTokens: response.usage.promptTokens,
        completionTokens: response.usage.completionTokens,
        modelCalls: response.cached ? 0 : 1,
        cachedCalls: response.cached ? 1 : 0,
      };
      if (response.toolCalls.length > 0) {
        const calls = response.toolCalls.map((call) => ({ callId: call.id, tool: call.name, args: parseArgs(call.arguments) }));
        return { action: response.content.trim() ? { kind: "tool_calls", calls, text: response.content.trim() } : { kind: "tool_calls", calls }, memory: null, usage };
      }
      return { action: { kind: "speak", text: response.content.trim() || "Sorry, could you say that again?" }, memory: null, usage };
    },
  };
}

/** Arguments exactly as the model wrote them; unparseable ones reach the tool, which answers invalid_arguments. */
function parseArgs(text: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : { _raw: text };
  } catch {
    return { _raw: text };
  }
}
