import { DateTime } from "luxon";
import type { Scenario, ScenarioPack } from "../../scenarios/index.ts";
import { type CallView, heardText, sentencesOf } from "./call-view.ts";
import { KnownFacts, mentionsIn, speakableTime, splitKey } from "./facts.ts";

export interface GroundingFinding {
  /** The agent_speech event. */
  index: number;
  kind: "ungrounded" | "contradicted";
  message: string;
}

// Every check of every call starts from the same pack facts: build them once per pack and clock.
const packFactsCache = new WeakMap<ScenarioPack, Map<string, KnownFacts>>();

/** Every text and number the pack itself gives the agent to say: policy, phrases, prompts, rules (a copy to extend). */
export function packFacts(pack: ScenarioPack, scenario: Scenario): KnownFacts {
  const byClock = packFactsCache.get(pack) ?? new Map<string, KnownFacts>();
  packFactsCache.set(pack, byClock);
  const key = `${scenario.clock.now}|${scenario.clock.timezone}`;
  let facts = byClock.get(key);
  if (!facts) {
    facts = buildPackFacts(pack, scenario);
    byClock.set(key, facts);
  }
  return facts.clone();
}

function buildPackFacts(pack: ScenarioPack, scenario: Scenario): KnownFacts {
  const facts = new KnownFacts(scenario.clock.timezone);
  const agent = pack.agent;
  const texts = [
    agent.name,
    agent.organization,
    agent.policy,
    pack.name,
    pack.description,
    ...agent.phrases.map((p) => p.text),
    ...agent.refusals.map((r) => r.say),
    ...agent.procedure.flatMap((s) => [s.say ?? "", s.description]),
    ...agent.intents.flatMap((i) => [i.description, ...i.slots.map((s) => s.prompt), ...(i.slots.flatMap((s) => s.choices ?? []) ?? [])]),
    ...pack.domainKeywords,
  ];
  for (const text of texts) facts.addText(text);
  for (const records of Object.values(pack.fixtures)) {
    for (const record of (Array.isArray(records) ? records : []) as Array<Record<string, unknown>>) {
      for (const key of Object.keys(record)) if (/cents$/i.test(key)) facts.moneyKeys.add(key.replace(/_?cents$/i, "").toLowerCase());
    }
  }
  facts.addValue(pack.toolsConfig);
  // Reference data the pack publishes to every caller (its services, staff, locations): not
  // private, so the agent may name it without a lookup. Records about a person, records that
  // point at one, and records with a time on them (what is open when) come from tools only.
  const people = personalIds(pack);
  for (const records of Object.values(pack.fixtures)) {
    const list = (Array.isArray(records) ? records : []) as Array<Record<string, unknown>>;
    const isPublic = list.every((r) => !isPersonal(r, pack) && !Object.values(r).some((v) => (typeof v === "string" && (people.has(v) || /^\d{4}-\d{2}-\d{2}T/.test(v)))));
    if (!isPublic) continue;
    for (const record of list) {
      for (const value of Object.values(record)) {
        if (typeof value !== "string" || /^\d{4}-\d{2}-\d{2}/.test(value)) continue;
        facts.addText(value);
        facts.values.add(value);
      }
    }
  }
  const now = DateTime.fromISO(scenario.clock.now, { zone: scenario.clock.timezone });
  facts.addDay(now);
  facts.addDay(now.plus({ days: 1 }));
  return facts;
}

const keyForm = (key: string) => key.toLowerCase().replace(/[^a-z0-9]/g, "");
const identityKeyCache = new WeakMap<ScenarioPack, Set<string>>();

/**
 * The fields a pack identifies people by — its identity slots and `identifyBy`/`verifyBy` names,
 * compared without case or separators (`loyalty_number` is `loyaltyNumber`). A bare name is left
 * out: services and staff have names too.
 */
function identityKeys(pack: ScenarioPack): Set<string> {
  const known = identityKeyCache.get(pack);
  if (known) return known;
  const { verification } = pack.agent;
  const keys = new Set([...verification.slots.map((s) => s.name), ...verification.identifyBy, ...verification.verifyBy].map(keyForm).filter((k) => k !== "name" && k !== ""));
  identityKeyCache.set(pack, keys);
  return keys;
}

/** A record about a person: it carries contact or identity details, or a field the pack identifies people by. */
export function isPersonal(record: Record<string, unknown>, pack?: ScenarioPack): boolean {
  const keys = pack ? identityKeys(pack) : undefined;
  return Object.keys(record).some((k) => /phone|dob|birth|email|ssn/i.test(k) || keys?.has(keyForm(k)) === true);
}

/** Ids of the pack's people, and of the records that belong to them (their accounts, bookings). */
export function personalIds(pack: ScenarioPack): Set<string> {
  const ids = new Set<string>();
  const lists = Object.values(pack.fixtures).map((records) => (Array.isArray(records) ? records : []) as Array<Record<string, unknown>>);
  for (const list of lists) for (const record of list) if (isPersonal(record, pack) && typeof record.id === "string") ids.add(record.id);
  // One hop: a record that names a person's id is theirs too.
  for (const list of lists) for (const record of list) if (typeof record.id === "string" && Object.values(record).some((v) => typeof v === "string" && ids.has(v))) ids.add(record.id);
  return ids;
}

// Capitalised words that are not names a tool must have given: calendar words, titles, forms of
// address, and words a sentence may start with after a comma or a quote.
const NOT_NAMES = new Set(
  "i i'm i'll i've i'd okay ok yes no dr mr mrs ms miss sir madam mister monday tuesday wednesday thursday friday saturday sunday january february march april may june july august september october november december am pm a.m p.m zip id pin ssn usa us thanks thank please sorry great perfect sure alright hello hi hey goodbye bye one two three four five six seven eight nine ten".split(
    " ",
  ),
);

function nameTokens(sentence: string): string[] {
  const words = sentence.match(/[A-Za-z][A-Za-z'’-]*/g) ?? [];
  return words.filter((word, i) => i > 0 && /^[A-Z][a-z]/.test(word) && word.length >= 3 && !NOT_NAMES.has(word.toLowerCase().replace(/['’]s$/, "")));
}

// Yes/no facts are told by concept: a tool field `in_network: false` or a status "out_of_network"
// answers "do you take my plan", however the agent words it.
const CONCEPTS: Record<string, readonly string[]> = {
  coverage: ["network", "in-network", "covered", "coverage", "accept", "accepts", "accepted", "participating", "participate"],
  eligible: ["eligible", "eligibility", "qualify", "qualifies", "approved", "approve"],
  available: ["available", "in stock"],
  refundable: ["refundable", "refund"],
};
const NEGATIVE = /\b(not|n't|no|never|none|out of|outside|unable|cannot|unfortunately|un(covered|available|eligible|approved))\b|\bnon-?\w+/i;
const NEGATIVE_VALUE = /^(out[_ -]?of|not[_ -]|non[_ -]?|un|in)?/i;

interface PolarFact {
  concept: string;
  positive: boolean;
  source: string;
}

function conceptOf(words: readonly string[]): string | undefined {
  for (const [concept, terms] of Object.entries(CONCEPTS)) if (words.some((w) => terms.includes(w))) return concept;
  return undefined;
}

/** Yes/no facts in a tool result: boolean fields and status words. */
export function polarFacts(value: unknown, tool: string, key = ""): PolarFact[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value.flatMap((v) => polarFacts(v, tool, key));
  if (typeof value === "object") return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => polarFacts(v, tool, k));
  if (typeof value === "boolean") {
    const concept = conceptOf(splitKey(key));
    return concept ? [{ concept, positive: value, source: `${tool} said ${key}: ${value}` }] : [];
  }
  if (typeof value === "string" && value.length < 40) {
    const words = splitKey(value);
    const concept = conceptOf(words);
    if (!concept) return [];
    const prefix = NEGATIVE_VALUE.exec(value)?.[0]?.toLowerCase() ?? "";
    const negative = /^(out|not|non|un)/.test(prefix) || /^(denied|declined|rejected|ineligible|unavailable)$/i.test(value);
    return [{ concept, positive: !negative, source: `${tool} said ${key ? `${key}: ` : ""}"${value}"` }];
  }
  return [];
}

function sentenceConcept(sentence: string): string | undefined {
  const lower = sentence.toLowerCase();
  for (const [concept, terms] of Object.entries(CONCEPTS)) {
    if (terms.some((t) => new RegExp(`\\b${t}\\b`).test(lower))) {
      // "the next available time" names a slot, it does not answer whether something is available.
      if (concept === "available" && /\b(next|first|earliest|other|soonest) available\b/.test(lower)) continue;
      return concept;
    }
  }
  return undefined;
}

/**
 * Every fact the agent states must trace to a tool result it had, the caller's own words (as the
 * agent heard them), the pack, or the scenario clock; a yes/no answer must agree with what the
 * tool said. τ²-bench grades what the agent had to communicate against the database, not its
 * wording; this is that check for facts said aloud.
 */
export function groundingFindings(view: CallView, scenario: Scenario, pack: ScenarioPack): GroundingFinding[] {
  const findings: GroundingFinding[] = [];
  const known = packFacts(pack, scenario);
  const events = view.conversation.events;
  let polar: PolarFact[] = [];
  let derived: Set<number> | undefined;
  for (let index = 0; index < events.length; index++) {
    const event = events[index];
    if (!event) continue;
    if (event.type === "caller_speech") {
      const text = heardText(event);
      known.addText(text);
      known.addDateRequest(text, scenario.clock.now);
      known.addClockTime(text);
      derived = undefined;
      continue;
    }
    if (event.type === "tool_result") {
      if (event.outcome.ok) {
        known.addValue(event.outcome.result);
        const fresh = polarFacts(event.outcome.result, event.tool);
        const concepts = new Set(fresh.map((f) => f.concept));
        polar = [...polar.filter((f) => !concepts.has(f.concept)), ...fresh];
      } else {
        // A rule's own words ("at most two weeks out") ground the limit the agent works out from it.
        known.addText(event.outcome.error.message);
        known.addDateRequest(event.outcome.error.message, scenario.clock.now);
      }
      derived = undefined;
      continue;
    }
    if (event.type !== "agent_speech") continue;
    derived ??= known.withDerivedMoney();
    const said = event.said;
    const found = mentionsIn(said);
    const problems: string[] = [];
    for (const cents of found.money) if (!derived.has(cents)) problems.push(`the amount ${(cents / 100).toFixed(2)} dollars`);
    for (const time of found.times) if (!known.times.has(time)) problems.push(`the time ${speakableTime(time)}`);
    for (const day of found.days) {
      // "the first" from the caller grounds "April first": the agent only named the month.
      const ok = known.days.has(day.monthDay) || (day.year !== undefined && known.days.has(`${day.year}-${day.monthDay}`)) || known.spokenDaysOfMonth.has(Number(day.monthDay.slice(3)));
      if (!ok) problems.push(`the date ${day.monthDay}${day.year ? `-${day.year}` : ""}`);
    }
    for (const day of found.daysOfMonth) if (!known.daysOfMonth.has(day)) problems.push(`the ${day}th`);
    for (const weekday of found.weekdays) if (!known.weekdays.has(weekday)) problems.push(`a ${DateTime.fromObject({ year: 2024, month: 1, day: weekday }).toFormat("cccc")}`);
    for (const sentence of sentencesOf(said)) for (const name of nameTokens(sentence)) if (!known.hasWord(name)) problems.push(`the name "${name}"`);
    if (problems.length > 0) {
      findings.push({ index, kind: "ungrounded", message: `agent turn ${event.turn} states ${[...new Set(problems)].slice(0, 3).join(", ")}, which no tool result, caller turn or pack text gave: "${said.slice(0, 90)}"` });
    }
    for (const sentence of sentencesOf(said)) {
      if (/\?\s*$/.test(sentence)) continue;
      const concept = sentenceConcept(sentence);
      if (!concept) continue;
      const facts = polar.filter((f) => f.concept === concept);
      // Mixed answers (a list of plans, some covered) are not one yes or no.
      const positives = facts.filter((f) => f.positive).length;
      if (facts.length === 0 || (positives > 0 && positives < facts.length)) continue;
      const toolSaysYes = positives > 0;
      const agentSaysYes = !NEGATIVE.test(sentence);
      if (toolSaysYes !== agentSaysYes) {
        findings.push({ index, kind: "contradicted", message: `agent turn ${event.turn} says "${sentence.slice(0, 80)}", but ${facts[0]?.source}` });
        break;
      }
    }
  }
  return findings;
}
