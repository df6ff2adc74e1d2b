import { DateTime } from "luxon";
import { evaluateExpression, type FlowValue, parseExpression, type SlotSpec } from "../../scenarios/index.ts";
import { joinSpoken, speakDate, speakDateTime, speakDigits, speakMoney, speakNumber, speakTime } from "../slot-filling/speak.ts";

/** What a pack flow's templates can read: slots heard, the caller's record, saved results, the tool's reason. */
export interface FlowScope {
  slots: Record<string, string>;
  slotSpecs: readonly SlotSpec[];
  customerId: string | null;
  saved: Record<string, unknown>;
  error?: string;
  org: string;
  agent: string;
  timezone: string;
  /** The call's clock (ISO), for conditions on how far away a time is (`{x|hours} < 24`). */
  now?: string;
  /** The pack's fixture collections, so an enum slot can read its record (`{slot.service.id}`). */
  fixtures?: Readonly<Record<string, unknown>>;
  /** The pack's business rules (`toolsConfig`), read as `{config.<path>}`. */
  config?: unknown;
}

const PLACEHOLDER = /\{([A-Za-z0-9_.[\]-]+)(?:\|([a-z]+(?::[a-z]+)?))?\}/g;
const WHOLE = /^\{([A-Za-z0-9_.[\]-]+)(?:\|([a-z]+))?\}$/;

/** A value at a dotted path ("records.0.name", "record[0].id"); arrays of one read through. */
export function valueAt(root: unknown, path: string): unknown {
  let value: unknown = root;
  for (const key of path.replace(/\[(\d+)\]/g, ".$1").split(".").filter(Boolean)) {
    if (value === null || value === undefined) return undefined;
    // An empty list reads as nothing, like a missing field (a partial or empty tool result).
    if (Array.isArray(value) && !/^\d+$/.test(key)) value = value[0];
    if (value === null || value === undefined) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** What a placeholder names, typed: a date slot as its first day, a money slot in cents, a count as a number. */
export function lookup(scope: FlowScope, name: string): unknown {
  const [head, ...rest] = name.split(".");
  const path = rest.join(".");
  if (head === "slot") {
    if (scope.slots[path] === undefined && path.includes(".")) return slotField(scope, path);
    const raw = scope.slots[path];
    if (raw === undefined || raw === "") return undefined;
    const spec = scope.slotSpecs.find((s) => s.name === path);
    if (spec?.type === "date" || spec?.type === "datetime") return raw.split("..")[0];
    if ((spec?.type === "money" || spec?.type === "number") && /^\d+(\.\d+)?$/.test(raw)) return Number(raw);
    return raw;
  }
  if (head === "customer") return path === "id" || path === "" ? (scope.customerId ?? undefined) : valueAt(scope.saved.customer, path);
  if (head === "error") return scope.error;
  if (head === "org") return scope.org;
  if (head === "agent") return scope.agent;
  if (head === "config") return valueAt(scope.config, path);
  return path ? valueAt(scope.saved[head ?? ""], path) : scope.saved[head ?? ""];
}

/** A tool argument from a binding: a whole placeholder keeps its type; anything else is text. */
export function bindValue(binding: FlowValue, scope: FlowScope): unknown {
  if (typeof binding !== "string") return binding;
  const whole = WHOLE.exec(binding);
  if (whole) return lookup(scope, whole[1] ?? "");
  const wholeExpression = WHOLE_EXPRESSION.exec(binding);
  if (wholeExpression) return computed(wholeExpression[1] ?? "", scope);
  return binding.replace(EXPRESSION, (_, source: string) => plain(computed(source, scope))).replace(PLACEHOLDER, (_, name: string) => plain(lookup(scope, name)));
}

/** Arguments for a tool call; unresolved ones are left out, as a caller leaves out what it does not know. */
export function bindArgs(args: Record<string, FlowValue>, scope: FlowScope): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, binding] of Object.entries(args)) {
    const value = bindValue(binding, scope);
    if (value !== undefined && value !== "") out[key] = value;
  }
  return out;
}

/**
 * What the agent says for a template: placeholders filled and spoken (money, dates, digits in
 * words), sentence by sentence. A sentence is never read with a hole in it: when a value it
 * names is missing (a partial tool answer, an error with no reason), a trailing clause holding
 * the hole is cut ("I can't cancel that one: {error}." → "I can't cancel that one."), else the
 * sentence is left out; when nothing is left, an honest {@link DETAILS_TO_FOLLOW} is said instead.
 */
export function renderSpeech(template: string, scope: FlowScope): string {
  const kept: string[] = [];
  let dropped = false;
  for (const sentence of sentencesOf(template)) {
    const said = renderSentence(sentence, scope);
    if (said === undefined) dropped = true;
    else if (said) kept.push(said);
  }
  const text = tidy(kept.join(" "));
  return text === "" && dropped ? DETAILS_TO_FOLLOW : text;
}

/** Said when every sentence of a line named something the call does not have. */
export const DETAILS_TO_FOLLOW = "The system didn't give me all the details back, so I can't read them out just now.";

/** A template filled in as it is, holes and all: a choice's label, where the caller of it checks the fields. */
export function fillTemplate(template: string, scope: FlowScope): string {
  return tidy(template.replace(EXPRESSION, (_, source: string, form: string | undefined) => spoken(computed(source, scope), form, scope.timezone)).replace(PLACEHOLDER, (_, name: string, form: string | undefined) => spoken(lookup(scope, name), form ?? slotForm(scope, name), scope.timezone)));
}

function tidy(text: string): string {
  return text
    .replace(/\s+([.,?!])/g, "$1")
    .replace(/\s{2,}/g, " ")
    .trim();
}

/** "An oil change is booked": a value that opens a sentence opens with a capital (not "iPhone", though). */
export function capitalised(sentence: string): string {
  return /^[a-z](?![A-Z])/.test(sentence) ? sentence.charAt(0).toUpperCase() + sentence.slice(1) : sentence;
}

/** Marks where a value was missing, until the sentence is judged. */
const HOLE = "\u0000";

/** Sentences of a template: split after . ! ? and a space, not after a title ("Dr. Lee") nor inside braces. */
function sentencesOf(template: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c === "{") depth++;
    else if (c === "}") depth = Math.max(0, depth - 1);
    else if (depth === 0 && /[.!?]/.test(c ?? "") && /\s/.test(template[i + 1] ?? "") && !/\b(Dr|Mr|Mrs|Ms|St|No|vs)$/.test(template.slice(start, i))) {
      out.push(template.slice(start, i + 1));
      start = i + 1;
    }
  }
  out.push(template.slice(start));
  return out.map((s) => s.trim()).filter(Boolean);
}

/** One sentence filled in; undefined when a value it needs is missing and no clause can be cut. */
function renderSentence(sentence: string, scope: FlowScope): string | undefined {
  const fill = (value: string): string => (value === "" ? HOLE : value);
  const filled = capitalised(
    sentence
      .replace(EXPRESSION, (_, source: string, form: string | undefined) => fill(spoken(computed(source, scope), form, scope.timezone)))
      .replace(PLACEHOLDER, (_, name: string, form: string | undefined) => fill(spoken(lookup(scope, name), form ?? slotForm(scope, name), scope.timezone))),
  );
  const hole = filled.indexOf(HOLE);
  if (hole < 0) return filled;
  // Only holes and punctuation after the last clause mark before the first hole: cut that clause.
  const cut = Math.max(filled.lastIndexOf(",", hole), filled.lastIndexOf(":", hole), filled.lastIndexOf(";", hole), filled.lastIndexOf(" - ", hole));
  const tail = filled.slice(hole);
  if (cut > 0 && /^[\u0000\s.!?,]*$/.test(tail) && /\w/.test(filled.slice(0, cut))) {
    const end = /[?!]\s*$/.exec(sentence)?.[0]?.trim() ?? ".";
    return `${filled.slice(0, cut).trimEnd()}${end}`;
  }
  return undefined;
}

/**
 * `{= expr}` or `{= expr|form}`: arithmetic over what the call knows (scenarios/flow-expression.ts).
 * The form's bar is a single one, so `a || b` stays an operator.
 */
const EXPRESSION = /\{=((?:[^{}|]|\|\|)*)(?:\|([a-z]+(?::[a-z]+)?))?\}/g;
const WHOLE_EXPRESSION = /^\{=((?:[^{}|]|\|\|)*)\}$/;
const parsed = new Map<string, ReturnType<typeof parseExpression>>();

/** The value of an expression in this scope; names read as placeholders do. */
export function computed(source: string, scope: FlowScope): unknown {
  let tree = parsed.get(source);
  if (!tree) {
    tree = parseExpression(source);
    parsed.set(source, tree);
  }
  return evaluateExpression(tree, (path) => lookup(scope, path));
}

/** How a slot is said when the template names no form: by the slot's type. */
function slotForm(scope: FlowScope, name: string): string | undefined {
  if (!name.startsWith("slot.")) return undefined;
  const type = scope.slotSpecs.find((s) => s.name === name.slice(5))?.type;
  const forms: Record<string, string> = { time: "clock", date: "date", datetime: "date", birthdate: "date", money: "money", phone: "digits", digits: "digits", number: "number" };
  return type ? forms[type] : undefined;
}

/** Whether a `when` condition holds: "{x}" has a value, "!{x}" has none, "{x} == v" equals. */
export function conditionHolds(condition: string, scope: FlowScope): boolean {
  const compared = comparisonHolds(condition, scope);
  if (compared !== undefined) return compared;
  const negated = condition.trim().startsWith("!");
  const body = negated ? condition.trim().slice(1) : condition.trim();
  // The `==` of a condition, not one inside an expression's braces.
  const [left, right] = body.split(/\s*==\s*(?![^{]*\})/);
  const value = bindValue(left ?? "", scope);
  const holds = right !== undefined ? plain(value).toLowerCase() === right.trim().toLowerCase() : isPresent(value);
  return negated ? !holds : holds;
}

function isPresent(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === "") return false;
  if (Array.isArray(value)) return value.length > 0;
  return true;
}

function plain(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (Array.isArray(value)) return value.map(plain).join(", ");
  if (typeof value === "object") return "";
  return String(value);
}

function spoken(value: unknown, form: string | undefined, timezone: string): string {
  if (value === undefined || value === null) return "";
  if (Array.isArray(value)) {
    const items = value.map((v) => spoken(v, form === "list" ? undefined : form, timezone)).filter(Boolean);
    return joinSpoken(items, "and");
  }
  if (typeof value === "object") {
    const named = (value as Record<string, unknown>).name;
    return typeof named === "string" ? named : "";
  }
  const text = String(value);
  const counted = COUNTED.exec(form ?? "");
  if (counted) return countOf(text, counted[1] ?? "");
  switch (form) {
    case "money":
      return Number.isFinite(Number(text)) ? speakMoney(Number(text)) : text;
    case "dollars":
      return Number.isFinite(Number(text)) ? speakMoney(Math.round(Number(text) * 100)) : text;
    case "date":
      return /^\d{4}-\d{2}-\d{2}/.test(text) ? speakDate(text, timezone) : text;
    case "time":
      return /^\d{4}-\d{2}-\d{2}T/.test(text) ? speakTime(text, timezone) : text;
    case "datetime":
      return /^\d{4}-\d{2}-\d{2}T/.test(text) ? speakDateTime(text, timezone) : text;
    case "digits":
      return speakDigits(text.replace(/\D/g, ""));
    case "clock": {
      const match = /^(\d{1,2}):(\d{2})$/.exec(text);
      if (!match) return text;
      const hour = Number(match[1]);
      const minute = Number(match[2]);
      if (hour === 12 && minute === 0) return "noon";
      const twelve = hour % 12 === 0 ? 12 : hour % 12;
      const minutes = minute === 0 ? "" : minute < 10 ? ` oh ${speakNumber(minute)}` : ` ${speakNumber(minute)}`;
      return `${speakNumber(twelve)}${minutes} ${hour < 12 ? "a m" : "p m"}`;
    }
    case "number":
      return Number.isFinite(Number(text)) ? speakNumber(Number(text)) : text;
    case "a":
      // "an oil change", "a tire rotation": the article a listener expects before the value.
      return `${/^[aeiou]/i.test(text) ? "an" : "a"} ${text}`;
    default:
      return text;
  }
}

/** `|number:month`: a count in words with its noun, singular or plural as the count needs. */
const COUNTED = /^number:([a-z]+)$/;

function countOf(text: string, noun: string): string {
  const count = Number(text);
  if (!Number.isFinite(count)) return `${text} ${noun}`;
  const plural = /(s|x|z|ch|sh)$/.test(noun) ? `${noun}es` : `${noun}s`;
  return `${speakNumber(count)} ${count === 1 ? noun : plural}`;
}

/** The words of a template that do not depend on the call: how a listener recognises it. */
export function fixedParts(template: string): string[] {
  return template
    .split(PLACEHOLDER)
    .filter((_, i) => i % 3 === 0)
    .flatMap((part) => part.split(/[.?!]/))
    .map((part) => part.trim().toLowerCase().replace(/[’‘]/g, "'"))
    .filter((part) => part.split(/\s+/).length >= 3);
}

/**
 * A day slot as stored: `from..to`, then the clock time the caller named (`15:00`) or, without
 * one, the part of the day (`morning`): "next Tuesday at three" is `2026-03-17..2026-03-17 15:00`.
 */
export interface DaySlot {
  from: string;
  to: string;
  time?: string;
  part?: string;
}

export function parseDaySlot(raw: string): DaySlot | undefined {
  const match = /^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})(?: (\d{2}:\d{2}))?(?: (morning|afternoon|evening))?$/.exec(raw.trim());
  if (!match) return undefined;
  return { from: match[1] ?? "", to: match[2] ?? "", ...(match[3] ? { time: match[3] } : {}), ...(match[4] ? { part: match[4] } : {}) };
}

export function formatDaySlot(day: DaySlot): string {
  return `${day.from}..${day.to}${day.time ? ` ${day.time}` : day.part ? ` ${day.part}` : ""}`;
}

/**
 * A field of a slot: a day slot's `from`, `to`, `time`, `part`; an enum slot drawn `from` a fixture
 * collection reads the record it names (`{slot.service.id}`), so a tool gets an id for a name heard.
 */
function slotField(scope: FlowScope, path: string): unknown {
  const dot = path.lastIndexOf(".");
  const name = path.slice(0, dot);
  const field = path.slice(dot + 1);
  const raw = scope.slots[name];
  if (raw === undefined || raw === "") return undefined;
  const spec = scope.slotSpecs.find((s) => s.name === name);
  if (spec?.type === "date" || spec?.type === "datetime") {
    const day = parseDaySlot(raw);
    return day ? (day as unknown as Record<string, unknown>)[field] : undefined;
  }
  if (spec?.from) {
    const records = scope.fixtures?.[spec.from];
    const record = Array.isArray(records) ? records.find((r) => (r as Record<string, unknown>)?.name === raw || (r as Record<string, unknown>)?.id === raw) : undefined;
    return record ? (record as Record<string, unknown>)[field] : undefined;
  }
  return undefined;
}

/**
 * "{a} < 24", "{slot.day.from} == {slot.day.to}", "{x} != v": a comparison, numbers as numbers,
 * either side a template. `{x|hours}` is the hours from the call's clock until the date-time x.
 * Undefined when the condition compares nothing (a presence test, or a plain `==` on a constant).
 */
function comparisonHolds(condition: string, scope: FlowScope): boolean | undefined {
  const match = splitComparison(condition.trim());
  if (!match) return undefined;
  const [leftText, op, rightText] = match;
  if (op === "==" && !rightText.includes("{")) return undefined;
  const left = conditionValue(leftText, scope);
  const right = conditionValue(rightText, scope);
  if (left === undefined || right === undefined) return op === "!=" ? left !== right : false;
  const numeric = typeof left === "number" && typeof right === "number";
  if (op === "==") return numeric ? left === right : String(left).toLowerCase() === String(right).toLowerCase();
  if (op === "!=") return numeric ? left !== right : String(left).toLowerCase() !== String(right).toLowerCase();
  if (!numeric) return false;
  return op === "<" ? left < right : op === ">" ? left > right : op === "<=" ? left <= right : left >= right;
}

/** `left op right` at the outer level: an operator inside braces (`{= a > b}`) belongs to an expression. */
function splitComparison(text: string): [string, string, string] | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "{") depth++;
    else if (c === "}") depth = Math.max(0, depth - 1);
    else if (depth === 0) {
      const op = ["<=", ">=", "!=", "==", "<", ">"].find((o) => text.startsWith(o, i));
      if (op) return [text.slice(0, i).trim(), op, text.slice(i + op.length).trim()];
    }
  }
  return undefined;
}

/** One side of a comparison: a number when it reads as one, else text; undefined when nothing is there. */
function conditionValue(text: string, scope: FlowScope): number | string | undefined {
  const whole = WHOLE.exec(text.trim());
  let value: unknown;
  if (whole?.[2] === "hours") value = hoursUntil(lookup(scope, whole[1] ?? ""), scope);
  else value = bindValue(text.trim(), scope);
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value === "number") return value;
  const asText = plain(value);
  return /^-?\d+(\.\d+)?$/.test(asText) ? Number(asText) : asText;
}

/** Hours from the call's clock to an ISO date-time (negative once it has passed). */
function hoursUntil(value: unknown, scope: FlowScope): number | undefined {
  if (typeof value !== "string" || !scope.now) return undefined;
  const at = DateTime.fromISO(value, { zone: scope.timezone });
  const now = DateTime.fromISO(scope.now, { zone: scope.timezone });
  if (!at.isValid || !now.isValid) return undefined;
  return at.diff(now, "hours").hours;
}
