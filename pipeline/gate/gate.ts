import { DateTime } from "luxon";
import type { Difficulty, Scenario, ScenarioPack } from "../../scenarios/index.ts";
import { scenarioSignature } from "../generate/scripted-generator.ts";

export interface GateVerdict {
  scenarioId: string;
  ok: boolean;
  /** Which check rejected it, and why. */
  check?: "duplicate" | "constraints" | "unsatisfiable" | "domain" | "difficulty_mix";
  reason?: string;
  domainScore: number;
}

export interface GateOptions {
  pack: ScenarioPack;
  /** Scenarios accepted before this batch (earlier rounds, resumed runs). */
  accepted: readonly Scenario[];
  /** How many scenarios the run aims to accept in all; the difficulty shares apply to it. */
  targetCount: number;
  /** Cross-reference validation of one scenario against the pack (pack loader's rules). */
  validate: (scenario: Scenario) => string[];
  /** Feature overlap at or above which two scenarios are the same test. */
  duplicateThreshold?: number;
  minDomainScore?: number;
}

/**
 * Step 3: cheap checks before any call is paid for. Checks run in order of cost and the first
 * failure is the reason; accepted scenarios count toward duplicates and the difficulty mix of
 * the ones after them, so the verdicts depend on input order (which is seeded and stable).
 */
export function gateScenarios(candidates: readonly Scenario[], options: GateOptions): GateVerdict[] {
  const threshold = options.duplicateThreshold ?? 0.85;
  const minDomain = options.minDomainScore ?? 0.5;
  const accepted = [...options.accepted];
  const perDifficulty = countBy(accepted.map((s) => s.difficulty));
  const verdicts: GateVerdict[] = [];
  for (const scenario of candidates) {
    const domainScore = domainScoreOf(scenario, options.pack);
    const reject = (check: GateVerdict["check"] & string, reason: string) =>
      verdicts.push({ scenarioId: scenario.id, ok: false, check, reason, domainScore });

    const twin = accepted.find((other) => similarity(scenario, other) >= threshold);
    if (twin) {
      reject("duplicate", `same test as ${twin.id} (${scenarioSignature(scenario)})`);
      continue;
    }
    const issues = options.validate(scenario);
    if (issues.length > 0) {
      reject("constraints", issues.slice(0, 3).join("; "));
      continue;
    }
    const unsatisfiable = unsatisfiableExpectations(scenario, options.pack);
    if (unsatisfiable) {
      reject("unsatisfiable", unsatisfiable);
      continue;
    }
    if (domainScore < minDomain) {
      reject("domain", `domain score ${domainScore.toFixed(2)} below ${minDomain}: the goal does not read as ${options.pack.domain}`);
      continue;
    }
    const cap = Math.ceil(options.pack.generation.difficultyShares[scenario.difficulty] * options.targetCount);
    if ((perDifficulty.get(scenario.difficulty) ?? 0) >= cap) {
      reject("difficulty_mix", `${scenario.difficulty} already has its share (${cap} of ${options.targetCount})`);
      continue;
    }
    accepted.push(scenario);
    perDifficulty.set(scenario.difficulty, (perDifficulty.get(scenario.difficulty) ?? 0) + 1);
    verdicts.push({ scenarioId: scenario.id, ok: true, domainScore });
  }
  return verdicts;
}

function features(scenario: Scenario): Set<string> {
  const out = new Set<string>([`persona:${scenario.persona}`, `intent:${scenario.goal.intent}`, `difficulty:${scenario.difficulty}`]);
  for (const c of scenario.complications) out.add(c.kind === "refusal_trap" ? `trap:${c.trap}` : `complication:${c.kind}`);
  for (const f of scenario.faultPlan) out.add(`fault:${f.kind}@${f.tool}`);
  for (const [key, value] of Object.entries(scenario.goal.slots)) out.add(`slot:${key}=${String(value).toLowerCase()}`);
  const customer = scenario.hiddenFacts.customerId;
  if (customer !== undefined) out.add(`customer:${String(customer)}`);
  return out;
}

/** Jaccard overlap of the scenarios' test features (persona, intent, complications, faults, slots). */
export function similarity(a: Scenario, b: Scenario): number {
  const fa = features(a);
  const fb = features(b);
  let shared = 0;
  for (const f of fa) if (fb.has(f)) shared++;
  return shared / (fa.size + fb.size - shared || 1);
}

const words = (text: string) => text.toLowerCase().match(/[a-z]+/g) ?? [];

/** 0–1: the intent is the pack's (0.6) and the text uses the domain's words (up to 0.4). */
export function domainScoreOf(scenario: Scenario, pack: ScenarioPack): number {
  const intent = pack.agent.intents.find((i) => i.id === scenario.goal.intent);
  if (!intent) return 0;
  const vocabulary = new Set([...pack.domainKeywords, ...intent.keywords, ...pack.agent.intents.flatMap((i) => i.keywords)].flatMap(words));
  const text = words(`${scenario.goal.description} ${scenario.title}`);
  const hits = text.filter((w) => vocabulary.has(w)).length;
  return 0.6 + Math.min(0.4, hits * 0.2);
}

/** Why the expectations cannot be met from the pack's fixtures, or undefined when they can. */
export function unsatisfiableExpectations(scenario: Scenario, pack: ScenarioPack): string | undefined {
  const fixtures = pack.fixtures as Record<string, Array<Record<string, unknown>>>;
  for (const assertion of scenario.expectations.finalState) {
    const expectedSlot = assertion.expect?.slotId;
    if (typeof expectedSlot === "string") {
      // A pack may keep its own calendar under any name: only the built-in one's rules are known here.
      const calendar = fixtures.slots ?? [];
      const slot = calendar.find((s) => s.id === expectedSlot);
      const elsewhere = Object.values(fixtures).some((records) => Array.isArray(records) && records.some((r) => r?.id === expectedSlot));
      if (!slot && !elsewhere && calendar.length > 0) return `expects slot ${expectedSlot}, which no fixture collection has`;
      if (slot && slot.status !== "open") return `expects slot ${expectedSlot}, which is not open`;
      const start = DateTime.fromISO(String(slot?.start));
      const now = DateTime.fromISO(scenario.clock.now, { zone: scenario.clock.timezone });
      if (slot && start.isValid && start < now) return `expects slot ${expectedSlot}, which is in the past`;
    }
    const id = assertion.where.id;
    if (typeof id === "string" && !(fixtures[assertion.collection] ?? []).some((r) => r.id === id)) {
      return `expects ${assertion.collection} ${id}, which the fixtures do not have`;
    }
  }
  for (const required of scenario.expectations.requiredActions) {
    if (!pack.agent.tools.includes(required.tool)) return `requires ${required.tool}, which the agent may not use`;
    if (scenario.expectations.forbiddenActions.some((f) => f.tool === required.tool && !f.args && !required.args)) {
      return `${required.tool} is both required and forbidden`;
    }
  }
  return undefined;
}

function countBy(values: readonly Difficulty[]): Map<Difficulty, number> {
  const map = new Map<Difficulty, number>();
  for (const v of values) map.set(v, (map.get(v) ?? 0) + 1);
  return map;
}
