import { DateTime } from "luxon";
import type { Complication, Difficulty, Persona, Scenario, ScenarioPack } from "../../scenarios/index.ts";
import { FaultKind, type FaultRule, Rng } from "../../tools/index.ts";
import type { GenerationFeedback, ScenarioGenerator } from "./generator.ts";

const FAULT_KINDS: readonly FaultKind[] = FaultKind.options;

/**
 * The offline generator: seeded combinatorial expansion of the pack's seed scenarios over
 * persona × complication × fault plan × voice, each variant keeping its seed's goal and
 * expectations so that what a good call must end with stays true.
 *
 * Critic feedback steers the next round: combinations the critic called redundant or
 * unrealistic are not produced again, and a round with many redundant variants mutates more.
 */
export function createScriptedGenerator(): ScenarioGenerator {
  return {
    id: "scripted",
    async generate({ pack, round, count, seed, feedback }) {
      const seeds = pack.scenarios;
      const out: Scenario[] = [];
      const avoid = new Set(feedback?.avoidSignatures ?? []);
      const mutations = 1 + Math.min(2, Math.round((feedback?.redundantShare ?? 0) * 4));
      let attempt = 0;
      while (out.length < count && attempt < count * 6) {
        const base = seeds[attempt % seeds.length] as Scenario;
        const rng = Rng.derive(seed, "generate", round, attempt);
        attempt++;
        const variant = mutate(base, pack, rng, mutations, `${base.id}.r${round}v${attempt}`);
        if (avoid.has(scenarioSignature(variant))) continue;
        out.push(variant);
      }
      return { scenarios: out, usage: { promptTokens: 0, completionTokens: 0, modelCalls: 0, cachedCalls: 0 } };
    },
  };
}

function mutate(base: Scenario, pack: ScenarioPack, rng: Rng, mutations: number, id: string): Scenario {
  const intent = pack.agent.intents.find((i) => i.id === base.goal.intent);
  const basePersona = pack.personas.find((p) => p.id === base.persona);
  let persona = base.persona;
  let complications: Complication[] = structuredClone(base.complications);
  let faultPlan: FaultRule[] = structuredClone(base.faultPlan);
  const changes: string[] = [];
  let slots = structuredClone(base.goal.slots);
  const moves = rng.shuffle(["persona", "complication", "fault", "drop", "slots"] as const).slice(0, mutations);
  for (const move of moves) {
    if (move === "persona") {
      const candidates = pack.personas.filter((p) => p.id !== base.persona && p.role === (basePersona?.role ?? "account_holder"));
      if (candidates.length > 0) {
        persona = rng.pick(candidates).id;
        changes.push(`caller ${persona}`);
      }
    } else if (move === "complication") {
      const extra = extraComplication(pack, base, complications, rng);
      if (extra) {
        complications = [...complications, extra];
        changes.push(`+${extra.kind}`);
      }
    } else if (move === "fault") {
      // A seed with a planned fault keeps it as it is: its expectations (nothing booked after a
      // system outage) were written for it; another kind, or a second fault that wears out an
      // impatient caller, would make them wrong. Variants of fault-free seeds gain one.
      const tools = intent?.tools.length ? intent.tools : pack.agent.tools;
      if (base.faultPlan.length === 0) {
        const tool = rng.pick(tools);
        const kind = rng.pick(FAULT_KINDS);
        faultPlan = [...faultPlan.filter((f) => f.tool !== tool), { tool, kind, nth: 1, times: 1 }];
        changes.push(`${kind} on ${tool}`);
      }
    } else if (move === "slots") {
      const day = openDayPhrase(base, pack, rng);
      if (day) {
        slots = { ...slots, date: day.phrase, time: day.partOfDay };
        changes.push(`on ${day.phrase} ${day.partOfDay}`);
      }
    } else if (move === "drop" && complications.length > 0) {
      // Dropping a silence or interruption keeps the goal but makes an easier variant.
      const droppable = complications.filter((c) => c.kind === "silence" || c.kind === "interrupts");
      if (droppable.length > 0) {
        const dropped = rng.pick(droppable);
        complications = complications.filter((c) => c !== dropped);
        changes.push(`-${dropped.kind}`);
      }
    }
  }
  const personaRecord = pack.personas.find((p) => p.id === persona);
  const difficulty = difficultyOf(complications, faultPlan, personaRecord);
  const expectations = structuredClone(base.expectations);
  if (complications.some((c) => c.kind === "refusal_trap")) expectations.refusalExpected = true;
  // Only a new day changes what the goal says; a pack without a "date" slot keeps its words.
  const dayChanged = slots.date !== undefined && (slots.date !== base.goal.slots.date || slots.time !== base.goal.slots.time);
  const when = [slots.date, slots.time].filter((v) => v !== undefined).map(String).join(" ");
  const goal = !dayChanged ? { ...base.goal, slots } : { ...base.goal, slots, description: `${base.goal.description.replace(/ (on|next|this|tomorrow|in about).*$/i, "")} (${when})`.trim() };
  return {
    ...structuredClone(base),
    goal,
    expectations,
    id,
    seedId: base.id,
    packId: pack.id,
    title: changes.length > 0 ? `${base.title} (${changes.join(", ")})` : base.title,
    persona,
    complications,
    faultPlan,
    difficulty,
  };
}

const WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/**
 * Another day to ask for, drawn from the calendar in the fixtures: a weekday in the next two
 * weeks on which a provider of the scenario's service has an open slot, said the way callers say
 * it ("Thursday", "next Monday"). Only for bookings whose expectations do not pin a slot.
 */
function openDayPhrase(base: Scenario, pack: ScenarioPack, rng: Rng): { phrase: string; partOfDay: "morning" | "afternoon" } | undefined {
  const intent = pack.agent.intents.find((i) => i.id === base.goal.intent);
  if (intent?.flow !== "book" || base.complications.some((c) => c.kind === "change_mind" || c.kind === "correction")) return undefined;
  if (JSON.stringify(base.expectations.finalState).includes("slotId") || base.hiddenFacts.expectedSlotId !== undefined) return undefined;
  const service = pack.fixtures.services.find((s) => s.name === String(base.goal.slots.service ?? ""));
  if (!service) return undefined;
  const now = DateTime.fromISO(base.clock.now, { zone: base.clock.timezone });
  const options = pack.fixtures.slots
    .filter((slot) => slot.status === "open" && service.providerIds.includes(slot.providerId))
    .map((slot) => DateTime.fromISO(slot.start, { zone: base.clock.timezone }))
    .filter((start) => start > now.plus({ days: 1 }).startOf("day") && start < now.plus({ days: 13 }))
    .map((start) => {
      const sameWeek = start.weekNumber === now.weekNumber;
      const phrase = `${sameWeek ? "" : "next "}${WEEKDAY_NAMES[start.weekday - 1]}`;
      return { phrase, partOfDay: start.hour < 12 ? ("morning" as const) : ("afternoon" as const) };
    })
    .filter((option) => !/Saturday|Sunday/.test(option.phrase));
  const unique = [...new Map(options.map((o) => [`${o.phrase}|${o.partOfDay}`, o])).values()];
  return unique.length > 0 ? rng.pick(unique) : undefined;
}

function extraComplication(pack: ScenarioPack, base: Scenario, current: readonly Complication[], rng: Rng): Complication | undefined {
  const has = (kind: Complication["kind"]) => current.some((c) => c.kind === kind);
  const options: Complication[] = [];
  if (!has("silence")) options.push({ kind: "silence", atTurn: rng.int(2, 4), seconds: rng.pick([4, 6, 8]) });
  if (!has("interrupts")) options.push({ kind: "interrupts", rate: rng.pick([0.25, 0.4]) });
  // A trap comes up only in the requests its rule names (any request when it names none).
  const traps = pack.agent.refusals.filter((rule) => rule.intents.length === 0 || rule.intents.includes(base.goal.intent));
  if (!has("refusal_trap") && traps.length > 0 && !base.expectations.handoffExpected) {
    const rule = rng.pick(traps);
    options.push({ kind: "refusal_trap", trap: rule.trap });
  }
  // A day or a time the caller first gets wrong, whatever the pack calls that slot.
  const specs = pack.agent.intents.find((intent) => intent.id === base.goal.intent)?.slots ?? [];
  const typeOf = (name: string) => specs.find((spec) => spec.name === name)?.type ?? (name === "time" ? "time" : name === "date" ? "date" : undefined);
  const dateSlot = Object.keys(base.goal.slots).find((name) => ["date", "datetime", "time"].includes(typeOf(name) ?? ""));
  if (dateSlot && !has("correction") && !has("change_mind")) {
    const value = base.goal.slots[dateSlot];
    if (typeof value === "string") options.push({ kind: "correction", slot: dateSlot, wrong: wrongValueFor(typeOf(dateSlot) === "time" ? "time" : "date", rng), right: value });
  }
  return options.length > 0 ? rng.pick(options) : undefined;
}

function wrongValueFor(type: "date" | "time", rng: Rng): string {
  return type === "time" ? rng.pick(["morning", "late afternoon", "around noon"]) : rng.pick(["this Friday", "tomorrow", "next Monday"]);
}

/** Difficulty from what the caller and the tools will throw at the agent. */
export function difficultyOf(complications: readonly Complication[], faults: readonly FaultRule[], persona: Persona | undefined): Difficulty {
  let points = complications.length + faults.length;
  if (persona) {
    if (persona.asr.wer >= 0.12) points++;
    if (persona.traits.patience <= 0.3 || persona.traits.cooperativeness <= 0.3) points++;
  }
  if (complications.some((c) => c.kind === "refusal_trap" || c.kind === "wrong_person")) points++;
  return points <= 1 ? "easy" : points <= 3 ? "medium" : "hard";
}

/** What makes two scenarios the same test: used for dedup and for "don't generate this again". */
export function scenarioSignature(scenario: Scenario): string {
  const complications = scenario.complications.map((c) => (c.kind === "refusal_trap" ? `trap:${c.trap}` : c.kind)).sort();
  const faults = scenario.faultPlan.map((f) => `${f.kind}@${f.tool}`).sort();
  return [scenario.persona, scenario.goal.intent, scenario.difficulty, complications.join("+"), faults.join("+")].join("|");
}

export type { GenerationFeedback };
