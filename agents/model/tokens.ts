import { Tiktoken } from "js-tiktoken/lite";
import o200kBase from "js-tiktoken/ranks/o200k_base";
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
  encoder ??= o200kEncoder();
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

// A text whose o200k_base tokens are known: proof that a quickly built encoder counts right.
const PROBE = "Hello there, I'd like to pay $150 on Friday.";
const PROBE_TOKENS = "13225,1354,11,18754,1299,316,2777,548,5215,402,9377,13";

/**
 * o200k_base for counting. js-tiktoken's constructor takes 1.6 s of CPU (a 200,000-key object,
 * then a map from it, and the reverse map for decoding), paid again by every worker thread; the
 * same rank map filled directly takes a third of that. It reaches into the library's `rankMap`,
 * so the result is checked on a known text, and a library that changed gets the slow way. The
 * encoder never decodes (its reverse map stays empty).
 */
function o200kEncoder(): Tiktoken {
  const quick = new Tiktoken({ ...o200kBase, bpe_ranks: "" });
  const ranks = (quick as unknown as { rankMap?: unknown }).rankMap;
  if (ranks instanceof Map) {
    for (const line of o200kBase.bpe_ranks.split("\n")) {
      // "! <first rank> <base64 token> <base64 token> …": ranks run on from the first.
      const parts = line.split(" ");
      const first = Number.parseInt(parts[1] ?? "", 10);
      for (let i = 2; i < parts.length; i++) ranks.set(Buffer.from(parts[i] ?? "", "base64").join(","), first + i - 2);
    }
    if (quick.encode(PROBE).join(",") === PROBE_TOKENS) return quick;
  }
  return new Tiktoken(o200kBase);
}
