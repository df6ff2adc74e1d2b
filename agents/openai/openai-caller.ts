import { z } from "zod";
import type { CallerBackend, CallerTurn } from "../agent-types.ts";
import type { ChatMessage, ModelClient } from "../model/model-client.ts";
import { ModelCallError } from "../model/openai-model-client.ts";

const CallerReply = z.object({
  utterance: z.string(),
  hang_up: z.boolean(),
  dtmf: z.string().regex(/^[0-9*#]*$/).optional(),
});

export interface OpenAICallerOptions {
  client: ModelClient;
  temperature?: number;
}

/**
 * The simulated caller as a model: a persona and goal prompt, answers as structured output
 * (utterance and hang-up flag). A malformed answer is asked for once more, then the call fails.
 */
export function createOpenAICaller(options: OpenAICallerOptions): CallerBackend {
  return {
    id: options.client.id,
    async nextTurn(view, rng): Promise<CallerTurn> {
      const { scenario, persona } = view;
      const system = [
        `You are ${persona.name}, calling ${view.pack.agent.organization} on the phone. ${persona.description ?? ""}`,
        `Your manner: ${persona.traits.emotion}, patience ${persona.traits.patience}, talkativeness ${persona.traits.verbosity}, cooperativeness ${persona.traits.cooperativeness}. ${persona.style.dialectHints.join(", ")}`,
        `Your goal: ${scenario.goal.description}. Details: ${JSON.stringify(scenario.goal.slots)}.`,
        `Facts you know but only say when asked: ${JSON.stringify(Object.fromEntries(Object.entries(scenario.hiddenFacts).filter(([k]) => !/Id$/.test(k))))}.`,
        scenario.complications.length ? `Play these during the call: ${scenario.complications.map((c) => JSON.stringify(c)).join("; ")}.` : "",
        "Speak as people do on the phone: short, informal, one or two sentences. Never mention that you are simulated.",
        'Answer as JSON: {"utterance": what you say, "hang_up": true when you end the call, "dtmf": digits if you type them on the keypad}.',
      ].join("\n");
      const messages: ChatMessage[] = [{ role: "system", content: system }];
      for (const event of view.events) {
        if (event.type === "agent_speech") messages.push({ role: "user", content: event.callerHeard });
        else if (event.type === "caller_speech") messages.push({ role: "assistant", content: JSON.stringify({ utterance: event.said, hang_up: false }) });
      }
      const schema = { name: "caller_turn", schema: z.toJSONSchema(CallerReply) as Record<string, unknown> };
      let promptTokens = 0;
      let completionTokens = 0;
      let modelCalls = 0;
      let cachedCalls = 0;
      for (let attempt = 0; attempt < 2; attempt++) {
        let response: Awaited<ReturnType<ModelClient["complete"]>>;
        try {
          response = await options.client.complete({
            messages: attempt === 0 ? messages : [...messages, { role: "user", content: "Reply with the JSON object only." }],
            temperature: options.temperature ?? 0.8,
            jsonSchema: schema,
            sampleKey: `caller:${rng.int(0, 2 ** 30)}`,
          });
        } catch (error) {
          if (error instanceof ModelCallError && error.kind === "malformed_output") continue;
          throw error;
        }
        promptTokens += response.usage.promptTokens;
        completionTokens += response.usage.completionTokens;
        if (response.cached) cachedCalls++;
        else modelCalls++;
        const parsed = CallerReply.safeParse(safeJson(response.content));
        if (parsed.success) {
          const reply = parsed.data;
          return {
            utterance: reply.utterance,
            ...(reply.dtmf ? { dtmf: reply.dtmf } : {}),
            hangUp: reply.hang_up,
            ...(reply.hang_up ? { hangUpReason: "satisfied" as const } : {}),
            memory: null,
            usage: { promptTokens, completionTokens, modelCalls, cachedCalls },
          };
        }
      }
      throw new ModelCallError("malformed_output", `${options.client.id}: the caller model's answer was not the expected JSON twice in a row`);
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text.replace(/^```(?:json)?\s*|\s*```$/g, ""));
  } catch {
    return undefined;
  }
}
