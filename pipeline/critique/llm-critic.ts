import { z } from "zod";
import { type ModelClient, ModelCallError } from "../../agents/index.ts";
import { addResponseUsage, noUsage } from "../recorded-usage.ts";
import type { ScenarioCritic } from "./scripted-critic.ts";

const CriticAnswer = z.object({
  flags: z.array(z.object({ kind: z.enum(["vague", "redundant", "out_of_domain", "unrealistic"]), reason: z.string().min(1) })),
});

/**
 * The critic as a model: structured verdicts at temperature 0, one retry on a malformed answer.
 * Each verdict carries what it cost, so a resumed run sums the tokens from scenarios.jsonl.
 */
export function createLLMCritic(client: ModelClient): ScenarioCritic {
  return {
    id: client.id,
    async critique(scenario, { pack, existing }) {
      const request = {
        messages: [
          {
            role: "system" as const,
            content: `You review test scenarios for a voice agent (${pack.name}: ${pack.domain}). Flag a scenario as vague (a caller could not play it), redundant (it tests what an existing one tests), out_of_domain, or unrealistic (it could not happen on a real call), each with a one-sentence reason. Return {"flags": []} when it is fine.`,
          },
          {
            role: "user" as const,
            content: `Existing: ${existing.map((s) => `${s.id}: ${s.title}`).join("; ") || "none"}\nScenario: ${JSON.stringify(scenario)}`,
          },
        ],
        temperature: 0,
        jsonSchema: { name: "critique", schema: z.toJSONSchema(CriticAnswer) as Record<string, unknown> },
      };
      const usage = noUsage();
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          const response = await client.complete(attempt === 0 ? request : { ...request, sampleKey: "retry" });
          addResponseUsage(usage, response);
          const parsed = CriticAnswer.safeParse(JSON.parse(response.content));
          if (parsed.success) return { ok: parsed.data.flags.length === 0, flags: parsed.data.flags, critic: client.id, usage };
        } catch (error) {
          // A critic that cannot be reached does not stop the run: the gate still checks the scenario.
          if (error instanceof ModelCallError && error.kind !== "malformed_output") {
            return { ok: true, flags: [], critic: `${client.id} (failed: ${error.kind}; passed unreviewed)`, usage };
          }
          if (!(error instanceof SyntaxError) && !(error instanceof ModelCallError)) throw error;
          // A call was made, but an answer the client could not parse brings no usage figures.
          if (error instanceof ModelCallError) usage.modelCalls++;
        }
      }
      // A critic that cannot answer does not block a scenario; the gate still checks it.
      return { ok: true, flags: [], critic: `${client.id} (no valid answer; passed unreviewed)`, usage };
    },
  };
}
