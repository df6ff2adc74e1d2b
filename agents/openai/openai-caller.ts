import { z } from "zod";
import type { CallerBackend, CallerTurn, CallerView } from "../agent-types.ts";
import { ModelCallError } from "../model/model-call-error.ts";
import { parseDigitString } from "../slot-filling/spoken-numbers.ts";
import type { ChatMessage, ChatResponse, ModelClient } from "../model/model-client.ts";
import { callerSystemPrompt } from "./caller-prompt.ts";

/**
 * What the caller model answers; lenient on the optional parts, since not every server enforces
 * the schema. `dtmf` takes any string, as the schema sent allows: the keys are read out of it
 * (see keypadKeys), so a compliant answer such as "4 1 5-2" or "none" never fails the call.
 */
export const CallerReply = z.object({
  utterance: z.string(),
  hang_up: z.boolean(),
  goal_met: z.boolean().nullish(),
  dtmf: z.string().nullish(),
});
export type CallerReply = z.infer<typeof CallerReply>;

/**
 * What is sent as the schema: every field required and nullable instead of optional, because
 * OpenAI's strict structured output refuses optional properties.
 */
const CALLER_REPLY_SCHEMA = {
  name: "caller_turn",
  strict: true,
  schema: {
    type: "object",
    properties: {
      utterance: { type: "string" },
      hang_up: { type: "boolean" },
      goal_met: { type: "boolean" },
      dtmf: { type: ["string", "null"] },
    },
    required: ["utterance", "hang_up", "goal_met", "dtmf"],
    additionalProperties: false,
  },
};

export interface OpenAICallerOptions {
  client: ModelClient;
  temperature?: number;
}

/**
 * The simulated caller as a model: a persona and goal prompt, answers as structured output
 * (utterance, hang-up flag, keypad digits). A malformed answer is asked for once more, then the
 * call fails with ModelCallError("malformed_output").
 */
export function createOpenAICaller(options: OpenAICallerOptions): CallerBackend {
  return {
    id: options.client.id,
    async nextTurn(view, rng): Promise<CallerTurn> {
      const messages = callerMessages(view);
      const usage = { promptTokens: 0, completionTokens: 0, modelCalls: 0, cachedCalls: 0 };
      // One draw per turn, before any attempt: forks and candidates get their own samples,
      // and a rerun with the same seed asks the same (cached) questions.
      const sampleKey = `caller:${rng.int(0, 2 ** 30)}`;
      let problem = "";
      for (let attempt = 0; attempt < 2; attempt++) {
        let response: ChatResponse;
        try {
          response = await options.client.complete({
            messages: attempt === 0 ? messages : [...messages, { role: "user", content: `[Your last answer was not valid: ${problem}. Reply with the JSON object only.]` }],
            temperature: options.temperature ?? 0.8,
            jsonSchema: CALLER_REPLY_SCHEMA,
            sampleKey,
          }, view.signal);
        } catch (error) {
          if (error instanceof ModelCallError && error.kind === "malformed_output") {
            usage.modelCalls++;
            problem = "not JSON";
            continue;
          }
          throw error;
        }
        usage.promptTokens += response.usage.promptTokens;
        usage.completionTokens += response.usage.completionTokens;
        if (response.cached) usage.cachedCalls++;
        else usage.modelCalls++;
        const parsed = CallerReply.safeParse(parseJson(response.content));
        if (parsed.success) return toTurn(parsed.data, usage);
        problem = parsed.error.issues.map((issue) => `${issue.path.join(".") || "answer"}: ${issue.message}`).join("; ");
      }
      throw new ModelCallError("malformed_output", `${options.client.id}: the caller model's answer was not the expected JSON twice in a row (${problem}); try a stronger model or a lower temperature`);
    },
  };
}

/** The call from the caller's side: what it heard the agent say (user), its own turns (assistant). */
export function callerMessages(view: CallerView): ChatMessage[] {
  const messages: ChatMessage[] = [{ role: "system", content: callerSystemPrompt(view.pack, view.scenario, view.persona) }];
  const push = (role: "user" | "assistant", content: string) => {
    const last = messages.at(-1);
    // Several agent turns in a row (speech, tool wait, speech) are one thing the caller heard.
    if (role === "user" && last?.role === "user") last.content = `${last.content} ${content}`;
    else messages.push({ role, content });
  };
  for (const event of view.events) {
    if (event.type === "agent_speech" && event.callerHeard.trim()) push("user", event.callerHeard.trim());
    else if (event.type === "caller_speech") push("assistant", JSON.stringify({ utterance: event.said, hang_up: false, goal_met: false, dtmf: event.dtmf ?? null }));
    else if (event.type === "silence" && event.who === "caller") push("assistant", JSON.stringify({ utterance: "", hang_up: false, goal_met: false, dtmf: null }));
  }
  // Chat templates of local models want a user turn before the first answer.
  if (messages.length === 1 || messages[1]?.role !== "user") messages.splice(1, 0, { role: "user", content: "[The call has just connected.]" });
  return messages;
}

/**
 * The keypad keys in a model's dtmf string: digits, * and # with separators dropped ("4 1 5-2"),
 * spoken digits ("four one five"), or none at all ("", "none", "N/A").
 */
export function keypadKeys(dtmf: string | null | undefined): string | undefined {
  const compact = (dtmf ?? "").replace(/[\s.,;:()\-_/]+/g, "");
  if (/^[0-9*#]+$/.test(compact)) return compact;
  const spoken = parseDigitString(dtmf ?? "");
  return /^[0-9]+$/.test(spoken) ? spoken : undefined;
}

function toTurn(reply: CallerReply, usage: CallerTurn["usage"]): CallerTurn {
  const keys = keypadKeys(reply.dtmf);
  return {
    utterance: reply.utterance.trim(),
    ...(keys ? { dtmf: keys } : {}),
    hangUp: reply.hang_up,
    ...(reply.hang_up ? { hangUpReason: reply.goal_met === false ? ("gave_up" as const) : ("satisfied" as const) } : {}),
    memory: null,
    usage,
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text.trim().replace(/^```(?:json)?\s*|\s*```$/g, ""));
  } catch {
    return undefined;
  }
}
