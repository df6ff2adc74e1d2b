import { z } from "zod";
import type { ModelClient } from "../../agents/index.ts";
import { Complication, type Scenario, type ScenarioPack } from "../../scenarios/index.ts";
import { FaultRule } from "../../tools/index.ts";
import type { ScenarioGenerator } from "./generator.ts";
import { difficultyOf } from "./scripted-generator.ts";

/**
 * What the model proposes for each variant: which seed, which caller, what goes wrong. The goal
 * and expectations come from the seed, so a model cannot invent an outcome the pack's fixtures
 * do not support.
 */
const VariantProposal = z.object({
  seedId: z.string(),
  persona: z.string(),
  title: z.string().min(1),
  complications: z.array(Complication).max(4),
  faultPlan: z.array(FaultRule).max(3),
});
const ProposalList = z.object({ variants: z.array(z.unknown()) });

export function createLLMGenerator(client: ModelClient): ScenarioGenerator {
  return {
    id: client.id,
    async generate({ pack, round, count, seed, feedback }) {
      const response = await client.complete({
        messages: [
          { role: "system", content: generatorPrompt(pack) },
          {
            role: "user",
            content: [
              `Round ${round}. Propose ${count} scenario variants as JSON {"variants": [...]}.`,
              feedback?.summary ? `Critic feedback on the previous round: ${feedback.summary}` : "",
            ]
              .filter(Boolean)
              .join("\n"),
          },
        ],
        temperature: 0.7,
        jsonSchema: { name: "scenario_variants", schema: z.toJSONSchema(z.object({ variants: z.array(VariantProposal) })) },
        sampleKey: `generate:${seed}:${round}`,
      });
      const usage = {
        promptTokens: response.usage.promptTokens,
        completionTokens: response.usage.completionTokens,
        modelCalls: response.cached ? 0 : 1,
        cachedCalls: response.cached ? 1 : 0,
      };
      const scenarios: Scenario[] = [];
      const list = ProposalList.safeParse(safeJson(response.content));
      if (!list.success) return { scenarios, usage };
      list.data.variants.forEach((raw, index) => {
        const proposal = VariantProposal.safeParse(raw);
        if (!proposal.success) return;
        const base = pack.scenarios.find((s) => s.id === proposal.data.seedId);
        const persona = pack.personas.find((p) => p.id === proposal.data.persona);
        if (!base || !persona) return;
        const expectations = structuredClone(base.expectations);
        if (proposal.data.complications.some((c) => c.kind === "refusal_trap")) expectations.refusalExpected = true;
        scenarios.push({
          ...structuredClone(base),
          id: `${base.id}.r${round}m${index + 1}`,
          seedId: base.id,
          packId: pack.id,
          title: proposal.data.title,
          persona: persona.id,
          complications: proposal.data.complications,
          faultPlan: proposal.data.faultPlan,
          difficulty: difficultyOf(proposal.data.complications, proposal.data.faultPlan, persona),
          expectations,
        });
      });
      return { scenarios, usage };
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function generatorPrompt(pack: ScenarioPack): string {
  return [
    `You design test calls for a voice agent: ${pack.name} (${pack.domain}). ${pack.description}`,
    "Each variant starts from one seed scenario and changes who calls and what goes wrong, so the set looks like real phone traffic.",
    `Seeds: ${pack.scenarios.map((s) => `${s.id} (${s.goal.intent}: ${s.goal.description})`).join("; ")}.`,
    `Personas: ${pack.personas.map((p) => `${p.id} (${p.traits.emotion}, patience ${p.traits.patience})`).join("; ")}.`,
    `Tools that can fail: ${pack.agent.tools.join(", ")}. Fault kinds: timeout, server_error, rate_limited, malformed_result, partial_result, empty_result, slow_response (use nth: 1 for "first call fails").`,
    `Refusal traps the policy covers: ${pack.agent.refusals.map((r) => r.trap).join(", ") || "none"}.`,
    "Complication kinds: change_mind, correction, underspecified, refusal_trap, silence, request_human, wrong_person, dtmf, interrupts.",
    "Prefer realistic, varied combinations; avoid repeating a persona + seed + complication mix.",
  ].join("\n");
}
