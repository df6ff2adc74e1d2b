import { z } from "zod";

/**
 * The dataset rows voicesim writes, in the formats fine-tuning tools read:
 * - OpenAI chat fine-tuning JSONL (platform docs, "Supervised fine-tuning": `messages`, optional
 *   `tools`, assistant `tool_calls` whose `arguments` is a JSON string, `tool` messages with
 *   `tool_call_id`, and `weight` 0|1 on assistant messages to skip learning from a turn).
 * - OpenAI preference (DPO) JSONL (platform docs, "Direct preference optimization": `input` with
 *   `messages` and `tools`, `preferred_output` and `non_preferred_output`, each one assistant message).
 * - TRL conversational datasets (TRL docs, "Dataset formats": SFT `messages` + `tools`, where tool
 *   call `arguments` are objects and tool messages carry `name`; preference `prompt`/`chosen`/`rejected`
 *   + `tools`). Tool calls keep their `id` and tool messages their `tool_call_id`: chat templates
 *   such as Mistral's render and check them.
 */

const FunctionTool = z.object({
  type: z.literal("function"),
  function: z.object({ name: z.string(), description: z.string(), parameters: z.record(z.string(), z.unknown()) }),
});

const OpenAIToolCall = z.object({
  id: z.string(),
  type: z.literal("function"),
  function: z.object({ name: z.string(), arguments: z.string() }),
});

export const OpenAIMessage = z.discriminatedUnion("role", [
  z.object({ role: z.literal("system"), content: z.string() }),
  z.object({ role: z.literal("user"), content: z.string() }),
  z.object({
    role: z.literal("assistant"),
    content: z.string().nullable(),
    tool_calls: z.array(OpenAIToolCall).optional(),
    weight: z.union([z.literal(0), z.literal(1)]).optional(),
  }),
  z.object({ role: z.literal("tool"), tool_call_id: z.string(), content: z.string() }),
]);
export type OpenAIMessage = z.infer<typeof OpenAIMessage>;

export const OpenAISftRow = z.object({ messages: z.array(OpenAIMessage).min(2), tools: z.array(FunctionTool), parallel_tool_calls: z.boolean().optional() });
export type OpenAISftRow = z.infer<typeof OpenAISftRow>;

const AssistantMessage = z.object({ role: z.literal("assistant"), content: z.string().nullable(), tool_calls: z.array(OpenAIToolCall).optional() });

export const OpenAIPreferenceRow = z.object({
  input: z.object({ messages: z.array(OpenAIMessage).min(1), tools: z.array(FunctionTool).optional() }),
  preferred_output: z.array(AssistantMessage).length(1),
  non_preferred_output: z.array(AssistantMessage).length(1),
});
export type OpenAIPreferenceRow = z.infer<typeof OpenAIPreferenceRow>;

const TrlToolCall = z.object({ id: z.string(), type: z.literal("function"), function: z.object({ name: z.string(), arguments: z.record(z.string(), z.unknown()) }) });
export const TrlMessage = z.discriminatedUnion("role", [
  z.object({ role: z.literal("system"), content: z.string() }),
  z.object({ role: z.literal("user"), content: z.string() }),
  z.object({ role: z.literal("assistant"), content: z.string(), tool_calls: z.array(TrlToolCall).optional() }),
  z.object({ role: z.literal("tool"), name: z.string(), tool_call_id: z.string(), content: z.string() }),
]);
export type TrlMessage = z.infer<typeof TrlMessage>;

export const TrlSftRow = z.object({ messages: z.array(TrlMessage).min(2), tools: z.array(FunctionTool) });
export type TrlSftRow = z.infer<typeof TrlSftRow>;

export const TrlPreferenceRow = z.object({ prompt: z.array(TrlMessage).min(1), chosen: z.array(TrlMessage).length(1), rejected: z.array(TrlMessage).length(1), tools: z.array(FunctionTool) });
export type TrlPreferenceRow = z.infer<typeof TrlPreferenceRow>;
