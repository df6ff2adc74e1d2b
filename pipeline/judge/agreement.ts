import { DateTime } from "luxon";
import { dropNegated, normaliseSpokenNumbers, parseDateRequest } from "../../agents/index.ts";
import type { Scenario, ScenarioPack } from "../../scenarios/index.ts";
import { type CallView, heardText, type ToolCallView } from "./call-view.ts";
import { type KnownFacts, mentionsIn, speakableTime } from "./facts.ts";
import { isPersonal, packFacts } from "./grounding.ts";

/** `customer_name`, `holderName`: the caller's own name on a record, not who serves them. */
const isPersonalKey = (key: string) => /^(customer|client|holder|caller|account|member|user)/i.test(key);

/** What the agent could know before an event: the pack, the caller's words, earlier tool answers. */
function knownBefore(view: CallView, scenario: Scenario, pack: ScenarioPack, before: number): KnownFacts {
  const known = packFacts(pack, scenario);
  for (const { index, event } of view.caller) {
    if (index >= before) break;
    for (const text of [heardText(event), event.said]) {
      known.addText(text);
      known.addDateRequest(text, scenario.clock.now);
    }
  }
  for (const call of view.calls) if (call.resultIndex !== undefined && call.resultIndex < before && call.outcome?.ok) known.addValue(call.outcome.result);
  return known;
}

export interface AgreementFinding {
  index: number;
  message: string;
}

/** What an action commits to: its day, clock time, amount, count and the people named on it. */
interface Commitment {
  days: Set<string>;
  times: Set<string>;
  money: Set<number>;
  counts: Map<string, number>;
  names: Set<string>;
}

const ID_KEY = /(^id$|_id$|Id$)/;
const MONEY_KEY = /(cents?$|amount|price|fee|total|cost|charge|payment$)/i;
// Who an action is with: a named person on a non-personal record (the one serving the caller).
const NAME_KEY = /(^|_)name$|[a-z]Name$/;

function emptyCommitment(): Commitment {
  return { days: new Set(), times: new Set(), money: new Set(), counts: new Map(), names: new Set() };
}

/** Records in earlier results, by every id-like field value they carry. */
function recordsById(view: CallView, before: number): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  const walk = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === "object") {
      const record = value as Record<string, unknown>;
      for (const [k, v] of Object.entries(record)) if (ID_KEY.test(k) && typeof v === "string") out.set(v, record);
      Object.values(record).forEach(walk);
    }
  };
  for (const call of view.calls) if (call.resultIndex !== undefined && call.resultIndex < before && call.outcome?.ok) walk(call.outcome.result);
  return out;
}

/**
 * `viaId`: the record was reached through an id argument (the slot booked, the account paid):
 * its day, time and people are what the action is for, but its amounts (a balance) are not.
 */
function collect(commitment: Commitment, value: unknown, key: string, timezone: string, byId: Map<string, Record<string, unknown>>, depth = 0, viaId = false): void {
  if (value === null || value === undefined || depth > 3) return;
  if (Array.isArray(value)) return;
  if (typeof value === "object") {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) collect(commitment, v, k, timezone, byId, depth + 1, viaId);
    return;
  }
  if (typeof value === "number") {
    if (viaId) return;
    if (MONEY_KEY.test(key)) commitment.money.add(/cents?$/i.test(key) ? value : Math.round(value * 100));
    else if (Number.isInteger(value) && value >= 2 && value <= 120 && !/(id|min|minutes|duration|seconds|ms|hours|days)$/i.test(key)) commitment.counts.set(key, value);
    return;
  }
  if (typeof value !== "string") return;
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const when = /T\d{2}:\d{2}/.test(value) ? DateTime.fromISO(value, { setZone: true }).setZone(timezone) : DateTime.fromISO(value.slice(0, 10), { zone: timezone });
    if (!when.isValid) return;
    // Only the day and time the action is for: "created_at" stamps are not what was agreed.
    if ((/(created|updated|at$)/i.test(key) && !/start|date|time|when|slot/i.test(key)) || /(birth|dob|expir)/i.test(key)) return;
    commitment.days.add(when.toFormat("MM-dd"));
    if (/T\d{2}:\d{2}/.test(value)) commitment.times.add(when.toFormat("HH:mm"));
    return;
  }
  if (ID_KEY.test(key) && depth <= 1) {
    const record = byId.get(value);
    // The caller's own record or account (a customer or account id) says whose the action is, not
    // what was agreed: its due date or date of birth is no day the caller chose.
    if (record && !isPersonal(record) && !isPersonalKey(key)) collect(commitment, record, "", timezone, new Map(), depth + 1, true);
    return;
  }
  if (NAME_KEY.test(key) && /^[A-Z]/.test(value) && !isPersonalKey(key)) commitment.names.add(value);
}

function commitmentOf(call: ToolCallView, view: CallView, timezone: string): Commitment {
  const commitment = emptyCommitment();
  const byId = recordsById(view, call.index);
  collect(commitment, call.args, "", timezone, byId);
  // What the tool says it did settles the day and time: a move names the old visit by id too.
  // Only when the arguments named a day or time at all: a date the tool worked out itself (a first
  // due date, a renewal) is its answer, not something the caller agreed to.
  if (call.succeeded && call.outcome?.ok) {
    const done = emptyCommitment();
    collect(done, call.outcome.result, "", timezone, new Map(), 0, true);
    const named = commitment.days.size > 0 || commitment.times.size > 0;
    if (named && done.times.size > 0) commitment.times = done.times;
    if (named && done.days.size > 0) commitment.days = done.days;
    for (const name of done.names) commitment.names.add(name);
  }
  return commitment;
}

interface TurnMentions {
  index: number;
  who: "agent" | "caller";
  days: Set<string>;
  times: Set<string>;
  money: Set<number>;
  numbers: Set<number>;
  text: string;
}

function turnMentions(view: CallView, scenario: Scenario, from: number, to: number): TurnMentions[] {
  const out: TurnMentions[] = [];
  const { now, timezone } = scenario.clock;
  const turns = [
    ...view.agent.map(({ index, event }) => ({ index, who: "agent" as const, text: event.said })),
    // What the caller said counts beside what was heard: an agent that read "eight thirteen" as
    // the eight thirty it had offered acted on what the caller meant.
    ...view.caller.map(({ index, event }) => ({ index, who: "caller" as const, text: `${heardText(event)} | ${event.said}` })),
  ]
    .filter((t) => t.index > from && t.index < to)
    .sort((a, b) => a.index - b.index);
  const year = DateTime.fromISO(now, { zone: timezone }).year;
  for (const turn of turns) {
    // What a turn rules out ("Friday, not Thursday") is not what it settles on, and "how can I help
    // you today" names no day.
    const text = dropNegated(turn.text).replace(IDIOMATIC_TODAY, "");
    const found = mentionsIn(text);
    const days = new Set(found.days.filter((d) => d.year === undefined || d.year >= year).map((d) => d.monthDay));
    // A weekday or "tomorrow" names a day too; read it on the scenario clock.
    if (days.size === 0 && (found.weekdays.length > 0 || /\b(today|tomorrow)\b/i.test(text)) && found.days.length === 0) {
      const request = parseDateRequest(text, now, timezone);
      if (request && request.from === request.to) days.add(DateTime.fromISO(request.from, { zone: timezone }).toFormat("MM-dd"));
    }
    const numbers = new Set<number>();
    // A count is a number of things: "twelve monthly payments", "four people", "three nights".
    for (const n of countsIn(turn.text)) numbers.add(n);
    out.push({ index: turn.index, who: turn.who, days, times: new Set(found.times), money: new Set(found.money), numbers, text: turn.text });
  }
  return out;
}

/** "Today" in a greeting or a closing question is a figure of speech, not a day being agreed. */
const IDIOMATIC_TODAY = /\b(?:(?:help|assist|do for|for) you(?: with)?|anything else[^.?!]*|calling(?: us)?|reaching out)\s+today\b/gi;

const overlaps = <T>(a: Set<T>, b: Set<T>) => [...a].some((x) => b.has(x));

/**
 * The day, time, amount and provider an action commits to must be the ones the dialogue last
 * settled on — not something said earlier and since changed. The latest turn (either side) that
 * names a day, a time or an amount before the action is what was agreed.
 */
export function agreementFindings(view: CallView, scenario: Scenario, pack: ScenarioPack): AgreementFinding[] {
  const findings: AgreementFinding[] = [];
  let previousAction = -1;
  const providerNames = new Set<string>();
  for (const call of view.calls) {
    if (call.outcome?.ok && call.resultIndex !== undefined) {
      const walk = (value: unknown, key: string) => {
        if (Array.isArray(value)) value.forEach((v) => walk(v, key));
        else if (value && typeof value === "object") {
          // A person's own record names the caller, not who serves them.
          if (isPersonal(value as Record<string, unknown>, pack)) return;
          for (const [k, v] of Object.entries(value as Record<string, unknown>)) walk(v, k);
        } else if (typeof value === "string" && NAME_KEY.test(key) && /^[A-Z]/.test(value) && !isPersonalKey(key)) providerNames.add(value);
      };
      walk(call.outcome.result, "");
    }
    if (!call.isAction) continue;
    const commitment = commitmentOf(call, view, scenario.clock.timezone);
    const turns = turnMentions(view, scenario, previousAction, call.index);
    // A failed attempt settles nothing: its retry is judged against the same dialogue.
    if (call.succeeded) previousAction = call.index;
    const last = <K extends "days" | "times" | "money">(key: K) => [...turns].reverse().find((t) => t[key].size > 0);
    const problems: string[] = [];
    const lastDay = last("days");
    if (commitment.days.size > 0 && lastDay && !overlaps(commitment.days, lastDay.days)) {
      problems.push(`${call.tool} is for ${[...commitment.days].join("/")}, but the last day named was ${[...lastDay.days].join("/")} ("${lastDay.text.slice(0, 60)}")`);
    }
    const lastTime = last("times");
    if (commitment.times.size > 0 && lastTime && !overlaps(commitment.times, lastTime.times)) {
      problems.push(`${call.tool} is at ${[...commitment.times].map(speakableTime).join("/")}, but the last time named was ${[...lastTime.times].map(speakableTime).join("/")} ("${lastTime.text.slice(0, 60)}")`);
    }
    const lastMoney = last("money");
    if (commitment.money.size > 0 && lastMoney) {
      // A plan names its total and its instalment; either may be the figure agreed on.
      const agreed = new Set(lastMoney.money);
      if (!overlaps(commitment.money, agreed)) problems.push(`${call.tool} records ${[...commitment.money].map((c) => `$${(c / 100).toFixed(2)}`).join("/")}, but the last amount named was ${[...agreed].map((c) => `$${(c / 100).toFixed(2)}`).join("/")}`);
    }
    for (const [key, count] of commitment.counts) {
      const lastCount = [...turns].reverse().find((t) => t.numbers.size > 0);
      if (lastCount && !lastCount.numbers.has(count)) problems.push(`${call.tool} sets ${key} ${count}, but the last number agreed was ${[...lastCount.numbers].join("/")}`);
    }
    if (commitment.names.size > 0) {
      const named = [...turns].reverse().find((t) => [...providerNames].some((p) => mentionsName(t.text, p)));
      if (named && ![...commitment.names].some((n) => mentionsName(named.text, n))) {
        problems.push(`${call.tool} is with ${[...commitment.names].join("/")}, but the last one named was in "${named.text.slice(0, 60)}"`);
      }
    }
    // Whatever the dialogue said last, an amount or day nobody said and no tool gave is invented.
    const known = knownBefore(view, scenario, pack, call.index);
    const money = known.withDerivedMoney();
    if (commitment.money.size > 0 && ![...commitment.money].some((c) => money.has(c))) problems.push(`${call.tool} records an amount no one said and no tool gave`);
    // A record the action names must be one a tool returned or the pack publishes: an id that
    // appears nowhere before is a slot nobody offered.
    for (const [key, value] of Object.entries(call.args)) {
      if (typeof value === "string" && ID_KEY.test(key) && !known.values.has(value) && !known.hasWord(value)) problems.push(`${call.tool} names ${key} ${value}, which no tool returned`);
    }
    if (commitment.days.size > 0 && ![...commitment.days].some((d) => known.days.has(d) || known.spokenDaysOfMonth.has(Number(d.slice(3))))) problems.push(`${call.tool} is for a day no one named`);
    // The confirmation right after the action must name what was done, not what was discussed.
    if (call.succeeded && call.resultIndex !== undefined && call.outcome?.ok) {
      const done = emptyCommitment();
      collect(done, call.outcome.result, "", scenario.clock.timezone, new Map());
      for (const time of commitment.times) done.times.add(time);
      const report = view.agent.find(({ index }) => index > (call.resultIndex ?? call.index));
      const nextCall = view.calls.find((c) => c.index > call.index);
      if (report && (!nextCall || report.index < nextCall.index) && done.times.size > 0) {
        const stated = mentionsIn(report.event.said).times;
        if (stated.length > 0 && !stated.some((t) => done.times.has(t))) problems.push(`told the caller ${stated.map(speakableTime).join("/")}, but ${call.tool} was done for ${[...done.times].map(speakableTime).join("/")}`);
      }
    }
    if (problems.length > 0) findings.push({ index: call.index, message: problems.join("; ") });
  }
  return findings;
}

/**
 * Numbers of things in a turn ("twelve monthly payments", "a table for four people", "three
 * nights"), with clock times, amounts, dates and digit-by-digit readouts (phones) taken out first.
 */
export function countsIn(text: string): number[] {
  const plain = normaliseSpokenNumbers(text.toLowerCase().replace(/-/g, " ").replace(/\b([ap])\.? ?m\b\.?/g, "$1m"))
    .replace(/\b(\d \D{0,3}){3,}/g, " ")
    .replace(/\$\s?\d+|\b\d+ (dollars?|bucks|cents?)\b/g, " ")
    .replace(/\b\d{1,4}( \d{2})? ?(am|pm|o ?clock)\b/g, " ")
    .replace(/\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]* \d{1,2}(st|nd|rd|th)?\b|\b\d{1,2}(st|nd|rd|th)\b/g, " ");
  const out: number[] = [];
  for (const m of plain.matchAll(/\b(\d{1,3}) (?:[a-z]+ )?([a-z]+s|of us)\b/g)) {
    if (/^(thanks|yes|is|was|this|has|does|us|its|plus|minus|pms|ams)$/.test(m[2] ?? "")) continue;
    out.push(Number(m[1]));
  }
  for (const m of plain.matchAll(/\b(?:for|of|party of|table for) (\d{1,3})\b/g)) out.push(Number(m[1]));
  return out;
}

/** "Dr. Marcus Chen" is named by "Dr. Chen", "Marcus Chen" or "Chen". */
function mentionsName(text: string, name: string): boolean {
  const surname = name.split(/\s+/).at(-1) ?? name;
  return new RegExp(`\\b${surname.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\b`, "i").test(text);
}
