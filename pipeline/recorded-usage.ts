import { type ChatResponse, noUsage } from "../agents/index.ts";
import type { ScenarioRecord, Score, TokenUsage } from "../scenarios/index.ts";

export type Tokens = { prompt: number; completion: number; modelCalls: number; cachedCalls: number };

export { noUsage };

/** One answer's cost, as the agents count it: a cached answer keeps its original tokens. */
export function addResponseUsage(usage: TokenUsage, response: ChatResponse): void {
  usage.promptTokens += response.usage.promptTokens;
  usage.completionTokens += response.usage.completionTokens;
  if (response.cached) usage.cachedCalls++;
  else usage.modelCalls++;
}

/**
 * What the critic and the judge spent, summed from the verdicts and scores on disk: a resumed
 * run counts the work of the processes before it, which per-process counters lose.
 */
export function recordedTokens(records: Iterable<ScenarioRecord>, scores: Iterable<Score>): Tokens {
  const total: Tokens = { prompt: 0, completion: 0, modelCalls: 0, cachedCalls: 0 };
  const add = (usage: TokenUsage | undefined) => {
    if (!usage) return;
    total.prompt += usage.promptTokens;
    total.completion += usage.completionTokens;
    total.modelCalls += usage.modelCalls;
    total.cachedCalls += usage.cachedCalls;
  };
  for (const record of records) add(record.critique?.usage);
  for (const score of scores) add(score.usage);
  return total;
}

/** One usage record as run totals. */
export function tokensOf(usage: TokenUsage): Tokens {
  return { prompt: usage.promptTokens, completion: usage.completionTokens, modelCalls: usage.modelCalls, cachedCalls: usage.cachedCalls };
}

export function addTokens(a: Tokens, b: Tokens): Tokens {
  return { prompt: a.prompt + b.prompt, completion: a.completion + b.completion, modelCalls: a.modelCalls + b.modelCalls, cachedCalls: a.cachedCalls + b.cachedCalls };
}
