import { getEncoding, type Tiktoken } from "js-tiktoken";
import type { TokenUsage } from "../../scenarios/index.ts";

let encoder: Tiktoken | undefined;

/** Tokens in a text with OpenAI's o200k_base encoding (loaded on first use: it is a few MB). */
export function countTokens(text: string): number {
  if (!text) return 0;
  encoder ??= getEncoding("o200k_base");
  return encoder.encode(text).length;
}

/** What a scripted turn would have cost as model output: its tokens, with no model call. */
export function scriptedUsage(text: string): TokenUsage {
  return { promptTokens: 0, completionTokens: countTokens(text), modelCalls: 0, cachedCalls: 0 };
}
