import type { OpenAIFunctionTool } from "../../tools/index.ts";
import type { AgentBackend, AgentStep } from "../agent-types.ts";
import type { ModelClient } from "../model/model-client.ts";
import { agentSystemPrompt } from "./agent-prompt.ts";
import { parseToolArgs } from "./chat-shape.ts";
import { eventsToAgentMessages } from "./events-to-messages.ts";

export interface OpenAIAgentOptions {
  client: ModelClient;
  tools: readonly OpenAIFunctionTool[];
  temperature?: number;
  /**
   * The team's own system prompt instead of the pack's policy prompt. `{now}` and `{timezone}`
   * are filled from the scenario clock; a prompt without them gets the clock as a last line.
   */
  systemPrompt?: string;
  /** Backend id in manifests and conversations; default the model client's. */
  id?: string;
}

/** The team's prompt with the scenario clock in it. */
function withClock(prompt: string, now: string, timezone: string): string {
  if (prompt.includes("{now}") || prompt.includes("{timezone}")) return prompt.replaceAll("{now}", now).replaceAll("{timezone}", timezone);
  return `${prompt.trimEnd()}\n\nThe current time is ${now} (${timezone}).`;
}

/** The candidate agent as a model: the pack's policy as system prompt, its tools as functions. */
export function createOpenAIAgent(options: OpenAIAgentOptions): AgentBackend {
  // One list for every request, so the response cache serialises the schemas once per agent.
  const tools = [...options.tools];
  return {
    id: options.id ?? options.client.id,
    async nextStep(view, rng): Promise<AgentStep> {
      const response = await options.client.complete({
        messages: [{ role: "system", content: options.systemPrompt !== undefined ? withClock(options.systemPrompt, view.now, view.timezone) : agentSystemPrompt(view.pack, view.now, view.timezone) }, ...eventsToAgentMessages(view.events, view.conversationId)],
        tools,
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
        const calls = response.toolCalls.map((call) => ({ callId: call.id, tool: call.name, args: parseToolArgs(call.arguments) }));
        return { action: response.content.trim() ? { kind: "tool_calls", calls, text: response.content.trim() } : { kind: "tool_calls", calls }, memory: null, usage };
      }
      return { action: { kind: "speak", text: response.content.trim() || "Sorry, could you say that again?" }, memory: null, usage };
    },
  };
}

