import type { Scenario, ScenarioPack, ScenarioRecord } from "../../scenarios/index.ts";
import { domainScoreOf } from "../gate/gate.ts";
import { scenarioSignature } from "../generate/scripted-generator.ts";

export type Critique = NonNullable<ScenarioRecord["critique"]>;
export type CritiqueFlag = Critique["flags"][number];

/** Step 2: a critic judges a proposed scenario before anything is spent on it. */
export interface ScenarioCritic {
  readonly id: string;
  critique(scenario: Scenario, context: { pack: ScenarioPack; existing: readonly Scenario[] }): Promise<Critique>;
}

/** The scripted critic's rules on one scenario: vague, redundant, out-of-domain, unrealistic. */
export function critiqueScenario(scenario: Scenario, { pack, existing }: { pack: ScenarioPack; existing: readonly Scenario[] }): Critique {
  const flags: CritiqueFlag[] = [];
  const intent = pack.agent.intents.find((i) => i.id === scenario.goal.intent);
  const underspecified = scenario.complications.some((c) => c.kind === "underspecified");
  // A caller who is not the account holder is to be turned away before any slot is asked.
  const thirdParty = scenario.complications.some((c) => c.kind === "wrong_person") || scenario.hiddenFacts.accountHolder !== undefined;
  const requiredSlots = intent?.slots.filter((s) => s.required) ?? [];
  if (requiredSlots.length > 0 && requiredSlots.every((s) => scenario.goal.slots[s.name] === undefined) && !underspecified && !thirdParty) {
    flags.push({ kind: "vague", reason: `a ${scenario.goal.intent} call with none of its slots (${requiredSlots.map((s) => s.name).join(", ")}) and no underspecified or wrong_person move` });
  }
  if (scenario.goal.description.split(/\s+/).length < 3) flags.push({ kind: "vague", reason: "the goal description is too short to play" });
  const signature = scenarioSignature(scenario);
  const twin = existing.find((other) => other.id !== scenario.id && scenarioSignature(other) === signature);
  if (twin) flags.push({ kind: "redundant", reason: `same persona, intent, complications and faults as ${twin.id}` });
  if (!intent) flags.push({ kind: "out_of_domain", reason: `intent ${scenario.goal.intent} is not one the agent handles` });
  else if (domainScoreOf(scenario, pack) < 0.6) flags.push({ kind: "out_of_domain", reason: "the goal does not read as this domain" });
  flags.push(...unrealistic(scenario, pack));
  return { ok: flags.length === 0, flags, critic: "scripted" };
}

/** The offline critic: `critiqueScenario` behind the critic interface. */
export function createScriptedCritic(): ScenarioCritic {
  return {
    id: "scripted",
    async critique(scenario, context) {
      return critiqueScenario(scenario, context);
    },
  };
}

function unrealistic(scenario: Scenario, pack: ScenarioPack): CritiqueFlag[] {
  const flags: CritiqueFlag[] = [];
  const dob = scenario.hiddenFacts.dob;
  if (typeof dob === "string" && dob > scenario.clock.now.slice(0, 10)) flags.push({ kind: "unrealistic", reason: `the caller is born after the call (${dob})` });
  const changed = scenario.complications.flatMap((c) => (c.kind === "change_mind" || c.kind === "correction" ? [c.slot] : []));
  if (new Set(changed).size < changed.length) flags.push({ kind: "unrealistic", reason: "corrects and changes the same slot in one call" });
  if (scenario.complications.length + scenario.faultPlan.length > 5) flags.push({ kind: "unrealistic", reason: "more trouble than any real call has" });
  const intent = pack.agent.intents.find((i) => i.id === scenario.goal.intent);
  const reachable = new Set([...(intent?.tools ?? []), ...pack.agent.procedure.flatMap((s) => (s.tool ? [s.tool] : [])), "transfer_to_human", "end_call"]);
  for (const rule of scenario.faultPlan) {
    if (!reachable.has(rule.tool)) flags.push({ kind: "unrealistic", reason: `a ${rule.kind} on ${rule.tool}, which a ${scenario.goal.intent} call never uses` });
  }
  const amount = scenario.goal.slots.amount;
  const account = pack.fixtures.accounts.find((a) => a.id === scenario.hiddenFacts.accountId);
  if (typeof amount === "number" && account && amount * 100 > account.balanceCents) flags.push({ kind: "unrealistic", reason: `pays ${amount} dollars on a balance of ${account.balanceCents / 100}` });
  return flags;
}
