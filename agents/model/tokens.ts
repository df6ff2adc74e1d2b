import { getEncoding, type Tiktoken } from "js-tiktoken";
import type { TokenUsage } from "../../scenarios/index.ts";

let encoder: Tiktoken | undefined;

// Scripted turns repeat a pack's wording call after call; encoding each again was a tenth of a
// scripted call's CPU. Counts are exact either way: a remembered count is the count.
const REMEMBERED = 20_000;
const remembered = new Map<string, number>();

/** Tokens in a text with OpenAI's o200k_base encoding (loaded on first use: it is a few MB). */
export function countTokens(text: string): number {
  if (!text) return 0;
  const known = remembered.get(text);
  if (known !== undefined) return known;
  encoder ??= getEncoding("o200k_base");
  const count = encoder.encode(text).length;
  // Short texts only (turns, not whole prompts), and a bounded memory: forget all when full.
  if (text.length <= 400) {
    if (remembered.size >= REMEMBERED) remembered.clear();
    remembered.set(text, count);
  }
  return count;
}

/** What a scripted turn would have cost as model output: its tokens, with no model call. */
export function scriptedUsage(text: string): TokenUsage {
  return { promptTokens: 0, completionTokens: countTokens(text), modelCalls: 0, cachedCalls: 0 };
}

/** No tokens and no model calls: what a turn costs that no model took. */
export const noUsage = (): TokenUsage => ({ promptTokens: 0, completionTokens: 0, modelCalls: 0, cachedCalls: 0 });

/** Adds `more` into `total`. */
export function addUsage(total: TokenUsage, more: TokenUsage): void {
  total.promptTokens += more.promptTokens;
  total.completionTokens += more.completionTokens;
  total.modelCalls += more.modelCalls;
  total.cachedCalls += more.cachedCalls;
}
