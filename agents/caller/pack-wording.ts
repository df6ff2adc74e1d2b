import type { FlowStep, Intent, Scenario, ScenarioPack, SlotSpec } from "../../scenarios/index.ts";
import type { Rng } from "../../tools/index.ts";
import { article } from "./templates.ts";
import { speakDigitsWords, speakDob, speakDollars, speakPhone, speakValue, timePhrase } from "./spoken.ts";

/** The intent the caller calls about. */
export function goalIntent(pack: ScenarioPack, scenario: Scenario): Intent | undefined {
  return pack.agent.intents.find((intent) => intent.id === scenario.goal.intent);
}

/** Built-in flows the caller only asks about (hearing the answer settles them). */
const INFORMATION_FLOWS: readonly string[] = ["lookup"];

/**
 * Whether the caller only wants to know something: the intent says so, or its flow is a
 * question flow, or its steps read something out without acting (no read-back before a call).
 */
export function isInformational(pack: ScenarioPack, scenario: Scenario): boolean {
  const intent = goalIntent(pack, scenario);
  if (!intent) return false;
  if (intent.informational !== undefined) return intent.informational;
  if (intent.steps) return !intent.steps.some((step) => step.confirm !== undefined) && !intent.steps.some((step) => step.handoff !== undefined);
  return INFORMATION_FLOWS.includes(intent.flow ?? "");
}

const PLACEHOLDER = /\{slot\.([A-Za-z0-9_-]+)(?:(!?=)([^}|]*))?(?:\|([a-z]+))?\}/g;

/**
 * A pack opening line with the caller's values: `{slot.x}` spoken (`|a` adds an article,
 * `|dollars`, `|time`); `{slot.x=v}` says nothing but holds only when x is v, `{slot.x!=v}` says
 * x when it is not v; a `[...]` part is dropped when a value in it is not to be said. Undefined
 * when a value outside brackets is missing. `filled` counts the values the line says.
 */
export function renderOpening(template: string, value: (slot: string) => string | undefined, specs: readonly SlotSpec[] = []): { text: string; filled: number } | undefined {
  let filled = 0;
  const fill = (text: string): string | undefined => {
    let missing = false;
    let count = 0;
    const out = text.replace(PLACEHOLDER, (_, name: string, op: string | undefined, operand: string | undefined, form: string | undefined) => {
      const v = value(name);
      const holds = v !== undefined && (op === undefined || (op === "=" ? v === operand : v !== operand));
      if (!holds) {
        missing = true;
        return "";
      }
      count++;
      if (op === "=") return "";
      if (form === "a") return article(v);
      if (form === "dollars") return speakDollars(v);
      if (form === "time") return timePhrase(v);
      const spec = specs.find((x) => x.name === name);
      // Digits, phone numbers and amounts are said the way people say them, not as one big number.
      return spec && ["digits", "phone", "birthdate", "money"].includes(spec.type) ? sayValue(spec, v) : speakValue(v);
    });
    if (missing) return undefined;
    filled += count;
    return out;
  };
  const optional = template.replace(/\[([^\]]*)\]/g, (_, part: string) => fill(part) ?? "");
  const whole = fill(optional);
  if (whole === undefined) return undefined;
  const text = whole.replace(/\s+([.,?!])/g, "$1").replace(/\s{2,}/g, " ").trim();
  // "An oil change, please.": a value that opens a sentence opens with a capital.
  return { text: text.replace(/(^|[.!?]\s+)([a-z])(?![A-Z])/g, (_, before: string, initial: string) => `${before}${initial.toUpperCase()}`), filled };
}

/**
 * One of the intent's opening lines: among those the caller's values can fill, one that says
 * the most of what the caller means to say (a vague line only when the caller holds back).
 */
export function packOpening(intent: Intent | undefined, rng: Rng, value: (slot: string) => string | undefined): string | undefined {
  const lines = (intent?.openings ?? []).map((line) => renderOpening(line, value, intent?.slots)).filter((line): line is { text: string; filled: number } => line !== undefined);
  const most = Math.max(...lines.map((line) => line.filled));
  const best = lines.filter((line) => line.filled === most).map((line) => line.text);
  return best.length > 0 ? rng.pick(best) : undefined;
}

/** Slots the caller can be asked for on this call: the goal intent's and the pack's identity slots. */
export function askableSlots(pack: ScenarioPack, scenario: Scenario): SlotSpec[] {
  return [...(goalIntent(pack, scenario)?.slots ?? []), ...pack.agent.verification.slots];
}

const words = (text: string) =>
  text
    .toLowerCase()
    .replace(/[’‘]/g, "'")
    .split(/[^a-z0-9']+/)
    .filter((w) => w.length > 2 && !STOP.has(w));

const STOP = new Set(["the", "and", "you", "your", "would", "like", "can", "could", "what", "which", "that", "this", "for", "with", "please", "have", "are", "tell"]);

/**
 * The slot the agent's words ask for, matched against the pack's slot prompts: the prompt said
 * as written (the latest one when the turn holds several, and a prompt need not end in a question
 * mark: "The plate or the last six of the VIN is fine."), or most of its content words in the
 * turn's last question.
 */
export function askedSlot(pack: ScenarioPack, scenario: Scenario, agentText: string): SlotSpec | undefined {
  const lower = normalise(agentText);
  const slots = askableSlots(pack, scenario);
  let latest: { slot: SlotSpec; at: number } | undefined;
  for (const slot of slots) {
    const at = lower.lastIndexOf(normalise(slot.prompt).replace(/[?.!]+$/, ""));
    if (at >= 0 && (!latest || at > latest.at)) latest = { slot, at };
  }
  if (latest) return latest.slot;
  const reasked = reaskedSlot(pack, scenario, lower, slots);
  if (reasked) return reasked;
  const questions = lower.match(/[^.?!]*\?/g) ?? [];
  const question = questions.at(-1) ?? "";
  if (!question) return undefined;
  const heard = new Set(words(question));
  let best: { slot: SlotSpec; share: number } | undefined;
  for (const slot of slots) {
    const wanted = words(slot.prompt);
    if (wanted.length === 0) continue;
    const share = wanted.filter((w) => heard.has(w)).length / wanted.length;
    if (share >= 0.6 && (!best || share > best.share)) best = { slot, share };
  }
  return best?.slot;
}

/**
 * A pack error line that asks again ("I can't find a quote with that number. Could you check the
 * quote number?"): it asks for the slot the failed step's arguments read, as the agent's flow does.
 */
function reaskedSlot(pack: ScenarioPack, scenario: Scenario, lower: string, slots: readonly SlotSpec[]): SlotSpec | undefined {
  if (!/\?\s*$/.test(lower)) return undefined;
  for (const step of goalIntent(pack, scenario)?.steps ?? []) {
    const lines = Object.values(step.onError).filter((line) => /\?\s*$/.test(line));
    if (!step.call || !lines.some((line) => fixedWords(line).some((part) => lower.includes(part)))) continue;
    const read = Object.values(step.args).flatMap((value) => [...String(value).matchAll(/\{slot\.([A-Za-z0-9_-]+)/g)].map((match) => match[1]));
    const slot = slots.find((spec) => read.includes(spec.name));
    if (slot) return slot;
  }
  return undefined;
}

const normalise = (text: string) => text.toLowerCase().replace(/[’‘]/g, "'").replace(/\s+/g, " ");

/** A value for a slot in the caller's words, by the slot's type. */
export function sayValue(slot: SlotSpec, value: string): string {
  switch (slot.type) {
    case "birthdate":
      return /^\d{4}-\d{2}-\d{2}$/.test(value) ? speakDob(value) : value;
    case "phone":
      return speakPhone(value);
    case "digits":
      return speakDigitsWords(value.replace(/\D/g, ""));
    case "money":
      return speakDollars(value);
    case "time":
      return timePhrase(value);
    default:
      return speakValue(value);
  }
}

/** Fixed words of the goal intent's templates: what success, failure and refusal sound like in this pack. */
export function packMoves(pack: ScenarioPack, scenario: Scenario, agentText: string): Array<"success" | "failure" | "refusal" | "informed" | "third_party_refusal"> {
  const lower = ` ${agentText.toLowerCase().replace(/[’‘]/g, "'")} `;
  const intent = goalIntent(pack, scenario);
  const steps: readonly FlowStep[] = intent?.steps ?? [];
  const moves = new Set<"success" | "failure" | "refusal" | "informed" | "third_party_refusal">();
  // For a question, the pack's "not found" answer is still an answer.
  const answerOnError = isInformational(pack, scenario) ? "informed" : "failure";
  const heard = (template: string) => fixedWords(template).some((part) => lower.includes(part));
  for (const step of steps) {
    if (step.say && step.call && heard(step.say)) moves.add("success");
    if (step.say && !step.call && step.then !== "continue" && heard(step.say)) moves.add("success");
    if (Object.values(step.onError).some(heard)) moves.add(answerOnError);
    if (step.ifEmpty && heard(step.ifEmpty.say)) moves.add(answerOnError);
  }
  if (pack.agent.refusals.some((rule) => heard(rule.say))) moves.add("refusal");
  // The pack's own words for "only with the account holder" ("…with the homeowner on it").
  if (heard(pack.agent.flows.thirdParty)) moves.add("third_party_refusal");
  return [...moves];
}

/** Whether the agent's words hold a pack line's fixed words (a refusal, a notice). */
export function saysLine(template: string, agentText: string): boolean {
  const lower = ` ${agentText.toLowerCase().replace(/[’‘]/g, "'")} `;
  return fixedWords(template).some((part) => lower.includes(part));
}

/** The words of a template that do not depend on the call, in runs of three or more. */
function fixedWords(template: string): string[] {
  return template
    .split(/\{[^}]*\}/)
    .flatMap((part) => part.split(/[.?!,;]/))
    .map((part) => part.trim().toLowerCase().replace(/[’‘]/g, "'"))
    .filter((part) => part.split(/\s+/).length >= 3);
}
