import pLimit from "p-limit";
import type { Conversation, Scenario, ScenarioPack, Score } from "../../scenarios/index.ts";
import type { RubricJudge } from "./llm-judge.ts";
import { scoreConversation } from "./scripted-judge.ts";

export interface JudgeCallsInput {
  conversations: readonly Conversation[];
  scenarios: ReadonlyMap<string, Scenario>;
  pack: ScenarioPack;
  /** A model judge for the rubric; the scripted rubric when absent. */
  judge?: RubricJudge | undefined;
  /** Calls judged at once (a model judge waits on the network). */
  concurrency?: number;
  /** Called as each score is ready, in the order they finish. */
  onScore?: (score: Score, done: number, total: number) => void;
}

/**
 * Step 5: every conversation gets programmatic checks, a rubric (scripted, or the model judge's
 * with its findings folded into the checks) and a verdict. Scores come back in input order
 * whatever order they finished in, so a run's scores.jsonl does not depend on network timing.
 */
export async function judgeCalls({ conversations, scenarios, pack, judge, concurrency = 4, onScore }: JudgeCallsInput): Promise<Score[]> {
  const limit = pLimit(Math.max(1, concurrency));
  let done = 0;
  const judged = await Promise.all(
    conversations.map((conversation) =>
      limit(async () => {
        const scenario = scenarios.get(conversation.scenarioId);
        if (!scenario) return undefined;
        const input = { conversation, scenario, pack };
        let score = scoreConversation(input);
        if (judge) {
          const answer = await judge.rubric(input, score.checks);
          score =
            "rubric" in answer
              ? scoreConversation(input, { rubric: answer.rubric, judge: judge.id, ...(answer.checks ? { checks: answer.checks } : {}) })
              : scoreConversation(input, { rubric: score.rubric, judge: "scripted", judgeError: answer.error });
          // Kept with the score, so a resumed run's totals include what a killed process spent.
          if (answer.usage) score = { ...score, usage: answer.usage };
        }
        done++;
        onScore?.(score, done, conversations.length);
        return score;
      }),
    ),
  );
  return judged.filter((s): s is Score => s !== undefined);
}
