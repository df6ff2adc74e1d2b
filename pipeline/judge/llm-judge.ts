import { z } from "zod";
import { type ModelClient, ModelCallError } from "../../agents/index.ts";
import { type CheckResult, RubricDimension, type RubricScore } from "../../scenarios/index.ts";
import type { JudgeInput } from "./programmatic-checks.ts";

const JudgeAnswer = z.object({
  scores: z.array(z.object({ dimension: RubricDimension, score: z.number().int().min(1).max(5), reason: z.string().min(1) })).min(5),
});

export interface RubricJudge {
  readonly id: string;
  /** Rubric scores, or an error when the judge could not give valid ones. */
  rubric(input: JudgeInput, checks: readonly CheckResult[]): Promise<{ rubric: RubricScore[] } | { error: string }>;
  /** Tokens the judge's model spent. */
  usage?(): { promptTokens: number; completionTokens: number; modelCalls: number; cachedCalls: number };
}

/**
 * The judge as a model: the policy, the transcript (said and heard marked apart), the tool calls
 * and the programmatic results; structured scores at temperature 0; one retry on a malformed
 * answer, then a recorded judge failure (the scripted rubric stands in, and the score says so).
 */
export function createLLMJudge(client: ModelClient): RubricJudge {
  return {
    id: client.id,
    ...(client.usage ? { usage: () => client.usage?.() ?? { promptTokens: 0, completionTokens: 0, modelCalls: 0, cachedCalls: 0 } } : {}),
    async rubric({ conversation, scenario, pack }, checks) {
      const transcript = conversation.events
        .map((e) => {
          if (e.type === "caller_speech") return `CALLER said: ${e.said}${e.heard !== e.said ? ` | agent heard: ${e.heard}` : ""}`;
          if (e.type === "agent_speech") return `AGENT: ${e.said}${e.interrupted ? ` [cut off after: ${e.callerHeard}]` : ""}`;
          if (e.type === "tool_call") return `  tool call ${e.tool}(${JSON.stringify(e.args)})`;
          if (e.type === "tool_result") return `  tool result ${e.tool}: ${JSON.stringify(e.outcome).slice(0, 300)}`;
          if (e.type === "silence") return `  [${e.who} silence ${Math.round(e.durationMs / 1000)}s]`;
          return `  [end: ${e.reason}]`;
        })
        .join("\n");
      const dimensions = RubricDimension.options.filter((d) => d !== "refusal_quality" || scenario.expectations.refusalExpected);
      const request = {
        messages: [
          {
            role: "system" as const,
            content: `You grade phone calls handled by a voice agent. Policy:\n${pack.agent.policy}\nScore each of ${dimensions.join(", ")} from 1 to 5 with a one-sentence reason. Return JSON {"scores": [{"dimension", "score", "reason"}]}.`,
          },
          {
            role: "user" as const,
            content: `Caller's goal: ${scenario.goal.description}\nAutomatic checks:\n${checks.map((c) => `${c.passed ? "PASS" : "FAIL"} ${c.id}: ${c.message}`).join("\n")}\n\nTranscript:\n${transcript}`,
          },
        ],
        temperature: 0,
        jsonSchema: { name: "rubric", schema: z.toJSONSchema(JudgeAnswer) as Record<string, unknown> },
      };
      let lastError = "no answer";
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          const response = await client.complete(attempt === 0 ? request : { ...request, sampleKey: "retry" });
          const parsed = JudgeAnswer.safeParse(JSON.parse(response.content));
          if (parsed.success) return { rubric: parsed.data.scores.filter((s) => dimensions.includes(s.dimension)) };
          lastError = `malformed judge answer: ${parsed.error.issues[0]?.message ?? "invalid"}`;
        } catch (error) {
          if (error instanceof SyntaxError || (error instanceof ModelCallError && error.kind === "malformed_output")) {
            lastError = "the judge's answer was not JSON";
            continue;
          }
          if (error instanceof ModelCallError) return { error: error.message };
          throw error;
        }
      }
      return { error: lastError };
    },
  };
}
