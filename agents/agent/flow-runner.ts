import type { FlowStep, FlowValue, SlotSpec, ToolResultEvent } from "../../scenarios/index.ts";
import type { AgentAction } from "../agent-types.ts";
import { DateTime } from "luxon";
import { dropNegated, matchChoice, mentionsDay, parseClockTime, parseDateRequest, parseYesNo } from "../slot-filling/parse.ts";
import { joinSpoken, speakDate, speakDateTime, speakMoney, speakNumber } from "../slot-filling/speak.ts";
import { knownEmpty, rememberEmpty, withoutClosingQuestion } from "./empty-answers.ts";
import { bindArgs, bindValue, conditionHolds, type FlowScope, fillTemplate, formatDaySlot, lookup, parseDaySlot, renderSpeech, valueAt } from "./flow-template.ts";
import type { PendingCall } from "./memory.ts";
import type { Turn } from "./turn.ts";

/** What the interpreter needs from the agent around it: the generic ways a request ends. */
export interface FlowHooks {
  /** The request is finished: say the lead, ask whether there is anything else. */
  anythingElse(t: Turn, lead: string): AgentAction;
  /** Hand the call to a person; `announced` when the pack's flow has already said so in its own words. */
  transfer(t: Turn, reason: string, queue?: string, announced?: boolean): AgentAction;
  closeCall(t: Turn, goodbye?: string): AgentAction;
  /** Go on with the request once the caller is identified. */
  proceed(t: Turn): AgentAction;
  /** A tool failed and the pack says nothing about it: apologise, nothing changed, offer a person. */
  failed(t: Turn, purpose: string): AgentAction;
}

type FlowKind = "intent" | "identity";

const PURPOSE = /^flow:(intent|identity):(\d+)$/;

/** Whether a pending call belongs to a pack flow (its result is read by {@link onFlowResult}). */
export function isFlowPurpose(purpose: string): boolean {
  return PURPOSE.test(purpose);
}

/** Whether a pending flow call changes something (so a garbled answer must not make it run twice). */
export function flowCallChanges(t: Turn, purpose: string): boolean {
  const call = flowCallOf(purpose);
  return call !== undefined && changesSomething(stepsOf(t, call.kind), call.at);
}

/** Which flow and step a pending call's purpose names (`flow:intent:3`). */
function flowCallOf(purpose: string): { kind: FlowKind; at: number } | undefined {
  const match = PURPOSE.exec(purpose);
  return match ? { kind: (match[1] ?? "intent") as FlowKind, at: Number(match[2] ?? 0) } : undefined;
}

/** Whether the flow step behind a pending call says what to do on this error code itself. */
export function flowHandlesError(t: Turn, purpose: string, code: string): boolean {
  const call = flowCallOf(purpose);
  return call !== undefined && stepsOf(t, call.kind)[call.at]?.onError[code] !== undefined;
}

/** Whether the identity flow checks the caller beyond finding their record (a step with `expect`). */
export function identityChecks(t: Turn): boolean {
  return (t.pack.agent.verification.steps ?? []).some((step) => step.expect !== undefined);
}

/** Whether this agent skips the identity check: the injected flaw, or a caller talked it out of it. */
function skipsCheck(t: Turn): boolean {
  return t.hasFlaw("skip_verification") || t.memory.waivedVerification;
}

/** Every slot a flow may collect: the intent's and the identity slots. */
export function flowSlotSpecs(t: Turn): SlotSpec[] {
  return [...(t.intent?.slots ?? []), ...t.pack.agent.verification.slots];
}

/** The values templates see: identity facts, then the request's slots. */
export function flowScope(t: Turn, error?: string): FlowScope {
  const m = t.memory;
  return {
    slots: { ...m.facts, ...m.slots },
    slotSpecs: flowSlotSpecs(t),
    customerId: m.customerId,
    saved: m.saved,
    ...(error !== undefined ? { error } : {}),
    org: t.pack.agent.organization,
    agent: t.pack.agent.name,
    timezone: t.view.timezone,
    now: t.view.now,
    fixtures: t.pack.fixtures,
    config: t.pack.toolsConfig,
  };
}

function stepsOf(t: Turn, kind: FlowKind): readonly FlowStep[] {
  return (kind === "identity" ? t.pack.agent.verification.steps : t.intent?.steps) ?? [];
}

function position(t: Turn, kind: FlowKind): number {
  return kind === "identity" ? t.memory.identityStep : t.memory.flowStep;
}

function setPosition(t: Turn, kind: FlowKind, at: number): void {
  if (kind === "identity") t.memory.identityStep = at;
  else t.memory.flowStep = at;
}

/** Runs the identity flow from where it stands; when it has named the caller, the request goes on. */
export function runIdentity(t: Turn, hooks: FlowHooks): AgentAction {
  return run(t, "identity", hooks);
}

/** Runs the current intent's steps from where the request stands. */
export function runIntent(t: Turn, hooks: FlowHooks): AgentAction {
  return run(t, "intent", hooks);
}

function run(t: Turn, kind: FlowKind, hooks: FlowHooks): AgentAction {
  const m = t.memory;
  const steps = stepsOf(t, kind);
  for (let at = position(t, kind); at < steps.length; at++) {
    setPosition(t, kind, at);
    const step = steps[at] as FlowStep;
    const scope = flowScope(t);
    if (step.when && !conditionHolds(step.when, scope)) continue;
    // A careless agent (the skip_verification flaw, or one talked out of it) stops once it has found the record.
    if (kind === "identity" && skipsCheck(t) && m.customerId) break;
    if (step.set) applySet(t, step.set);
    if (step.collect) {
      const missing = step.collect.map((name) => flowSlotSpecs(t).find((s) => s.name === name)).find((spec) => spec && spec.required && scope.slots[spec.name] === undefined);
      if (missing) {
        // The caller raised something else that was answered (a refusal, a notice): asking again
        // is no sign they were not understood, so it neither apologises nor counts toward a hand-off.
        const answeredOther = t.preamble.length > 0;
        const sameQuestion = m.asked === "slot" && m.askedSlot === missing.name;
        const askedBefore = sameQuestion && !answeredOther;
        // Asked twice and still nothing usable: a person can sort it out.
        if (askedBefore && m.repeats >= 2) return hooks.transfer(t, `could not get the ${missing.name.replace(/_/g, " ")}`);
        const repeats = m.repeats;
        const action = t.ask("slot", `${askedBefore ? "Sorry, I didn't catch that. " : ""}${missing.prompt}`, missing.name);
        if (answeredOther && sameQuestion) m.repeats = repeats;
        return action;
      }
      continue;
    }
    if (step.choose) {
      // Picked already (the pick is saved): go on.
      if (m.saved[step.choose.save] !== undefined && m.offered === null) continue;
      const list = lookup(scope, WHOLE_NAME.exec(step.choose.from)?.[1] ?? "");
      const { items, labels, rest } = offerable(step.choose, list, scope);
      const preferred = preferredItem(step.choose, items, scope);
      if (preferred !== undefined) {
        m.saved[step.choose.save] = preferred as never;
        continue;
      }
      if (items.length === 0) {
        const handler = step.onError.empty ?? step.onError.default;
        const spoken = handler ? renderSpeech(handler, scope) : "I'm sorry, I don't have anything to offer for that.";
        return askDayAgain(t, step, spoken) ?? hooks.anythingElse(t, withoutClosingQuestion(spoken));
      }
      if (items.length === 1) {
        m.saved[step.choose.save] = items[0] as never;
        keepAlternatives(t, step.choose.save, rest);
        continue;
      }
      m.offered = { labels, items };
      keepAlternatives(t, step.choose.save, rest);
      return t.ask("choose_item", renderSpeech(step.choose.ask.replace("{options}", joinSpoken(labels, "or")), { ...scope, saved: { ...scope.saved, item: items[0] } }));
    }
    if (step.confirm) {
      if (m.flowConfirmed === at && kind === "intent") continue;
      return t.ask("confirm", renderSpeech(step.confirm, scope));
    }
    if (step.refuse) {
      const rule = t.pack.agent.refusals.find((r) => r.trap === step.refuse);
      if (t.hasFlaw("comply_out_of_policy")) {
        t.preamble.push(rule?.comply ?? "Sure, I can do that.");
        continue;
      }
      m.refusals++;
      return hooks.anythingElse(t, rule?.say ?? "I'm sorry, I'm not able to do that.");
    }
    if (step.handoff !== undefined) {
      if (step.say) t.preamble.push(renderSpeech(step.say, scope));
      // The pack's own hand-off line (on this step or the `say` step just before) is the only one said.
      const previous = steps[at - 1];
      const announced = step.say !== undefined || (previous?.say !== undefined && previous.call === undefined && (!previous.when || conditionHolds(previous.when, scope)));
      return hooks.transfer(t, t.intent?.description ?? "the caller's request", step.handoff || undefined, announced);
    }
    if (step.call) {
      const args = bindArgs(step.args, t.hasFlaw("wrong_slot") && changesSomething(steps, at) ? withWrongPick(t, steps.slice(0, at), scope) : scope);
      // The same search came back empty already (asked twice): its answer stands, and a later
      // choice says there is nothing instead of the agent searching a third time.
      const known = step.save && !step.ifEmpty && !changesSomething(steps, at) && choosesFrom(steps.slice(at + 1), step.save) ? knownEmpty(m, step.call, args) : undefined;
      if (step.save && known !== undefined) {
        m.saved[step.save] = known as never;
        t.preamble.push("I checked that already, and nothing came up.");
        continue;
      }
      // One "one moment" is enough: a call straight after another's result goes on without a filler.
      const chained = t.view.events.at(-1)?.type === "tool_result" && t.preamble.length === 0;
      const filler = changesSomething(steps, at) ? ["Okay, doing that now.", "Great, one moment.", "Alright, one moment."] : ["One moment.", "Let me check that.", "Just a moment."];
      return t.call(step.call, args, `flow:${kind}:${at}`, chained ? undefined : t.pick(filler));
    }
    if (step.say) {
      t.preamble.push(renderSpeech(step.say, scope));
      const finished = afterStep(t, kind, step, hooks);
      if (finished) return finished;
    }
  }
  return finish(t, kind, hooks);
}

/** A `set` step: each value computed in order (a later one may read an earlier) and kept under its name. */
/**
 * A `set` step, value by value in order (a later one may read an earlier): `slot.<name>` gives
 * that slot of the flow the value (nothing, or a record, clears it); any other name is kept as
 * `{name}` for later steps.
 */
function applySet(t: Turn, values: Record<string, FlowValue>): void {
  for (const [name, binding] of Object.entries(values)) {
    const value = bindValue(binding, flowScope(t));
    const slot = SLOT_KEY.exec(name)?.[1];
    if (slot !== undefined) {
      if (value === undefined || value === null || value === "" || typeof value === "object") delete t.memory.slots[slot];
      else t.memory.slots[slot] = String(value);
    } else if (value === undefined) delete t.memory.saved[name];
    else t.memory.saved[name] = value as never;
  }
}

const SLOT_KEY = /^slot\.(.+)$/;

type ChooseSpec = NonNullable<FlowStep["choose"]>;

/** The item a `choose` step takes without asking: the first meeting the first `prefer` condition any item meets. */
function preferredItem(choose: ChooseSpec, items: readonly unknown[], scope: FlowScope): unknown {
  for (const condition of choose.prefer) {
    const found = items.find((item) => conditionHolds(condition, { ...scope, saved: { ...scope.saved, item } }));
    if (found !== undefined) return found;
  }
  return undefined;
}

/** What `then` says after a step: nothing (go on), the end of the request, or the end of the call. */
function afterStep(t: Turn, kind: FlowKind, step: FlowStep, hooks: FlowHooks): AgentAction | undefined {
  if (step.then === "report") return kind === "identity" ? undefined : hooks.anythingElse(t, "");
  if (step.then === "end") {
    const spoken = t.preamble.splice(0).join(" ");
    return hooks.closeCall(t, `${spoken} ${/\bbye\b/i.test(spoken) ? "" : "Goodbye."}`.trim());
  }
  return undefined;
}

function finish(t: Turn, kind: FlowKind, hooks: FlowHooks): AgentAction {
  const m = t.memory;
  if (kind === "identity") {
    if (!m.customerId) return identityFailed(t, hooks, "I'm sorry, I couldn't find a match for those details.");
    m.verified = true;
    return hooks.proceed(t);
  }
  return hooks.anythingElse(t, "");
}

/** A tool result for a flow step: saved, checked, spoken, and the flow goes on. */
export function onFlowResult(t: Turn, pending: PendingCall, event: ToolResultEvent, hooks: FlowHooks): AgentAction {
  const m = t.memory;
  const { kind, at } = flowCallOf(pending.purpose) ?? { kind: "intent" as const, at: 0 };
  const step = stepsOf(t, kind)[at];
  if (!step) return hooks.proceed(t);
  const outcome = event.outcome;
  if (!outcome.ok) {
    const { code, message } = outcome.error;
    if (kind === "identity" && (code === "not_found" || code === "rule_violation")) return identityFailed(t, hooks, "I'm sorry, I couldn't find a match for those details.");
    const handler = step.onError[code] ?? step.onError.default;
    if (t.hasFlaw("claim_success_after_failure") && step.say) return hooks.anythingElse(t, claimedSuccess(t, pending.purpose) ?? "That's all taken care of.");
    if (code === "invalid_arguments" && !step.onError[code]) {
      const asked = askBadArgument(t, kind, at, outcome.error.issues ?? [message], hooks);
      if (asked) return asked;
    }
    if (!handler) return hooks.failed(t, pending.purpose);
    const spoken = renderSpeech(handler, flowScope(t, reasonOf(message, t.view.timezone)));
    return askAgain(t, kind, at, spoken, hooks) ?? hooks.anythingElse(t, spoken);
  }
  const result = outcome.result;
  if (typeof result === "string") {
    // A garbled answer to a call that changes something: it went through; say so without details.
    t.preamble.push("That went through, though the system didn't read the details back to me.");
    return afterStep(t, kind, step, hooks) ?? (setPosition(t, kind, at + 1), run(t, kind, hooks));
  }
  // An empty answer is a glitch until it happens twice; a call that changes something may have
  // done its work all the same, so it is never sent again.
  if (isEmpty(result)) {
    if (changesSomething(stepsOf(t, kind), at) && kind === "intent") {
      t.preamble.push("That went through, though the system didn't read the details back to me.");
      return afterStep(t, kind, step, hooks) ?? (setPosition(t, kind, at + 1), run(t, kind, hooks));
    }
    if (pending.attempt < 2) return t.retry(pending, "Hmm, that came back blank. Let me look again.");
    const handler = step.onError.empty ?? step.onError.default;
    if (kind === "identity") return identityFailed(t, hooks, "I'm sorry, I couldn't find a match for those details.");
    if (!handler) return hooks.failed(t, pending.purpose);
    const spoken = renderSpeech(handler, flowScope(t, ""));
    return askAgain(t, kind, at, spoken, hooks) ?? hooks.anythingElse(t, spoken);
  }
  // Nothing found where a record is looked up, or nothing to choose from: a glitch until it happens twice.
  if (pending.attempt < 2 && onlyEmptyLists(result) && (step.identifies || choosesFrom(stepsOf(t, kind).slice(at + 1), step.save))) {
    return t.retry(pending, "Hmm, nothing came up. Let me check again.");
  }
  if (step.ifEmpty) {
    const list = valueAt(result, step.ifEmpty.path);
    if (list === undefined || (Array.isArray(list) && list.length === 0)) return hooks.anythingElse(t, renderSpeech(step.ifEmpty.say, flowScope(t)));
  }
  // A result missing what this step will say (a partial answer) is asked for again once.
  const later = reachedWith(t, stepsOf(t, kind), at, step.save, result).flatMap((s) => [s.say, s.confirm, ...Object.values(s.args).map(String)]).filter((x): x is string => typeof x === "string");
  // A list a later choice offers from that came back empty is asked for once more, like an empty answer.
  if (step.save && pending.attempt < 2 && listEmpty(stepsOf(t, kind).slice(at + 1), step.save, result)) return t.retry(pending, "Hmm, let me check that again.");
  if (step.save && (later.some((template) => missingSaid(template, step.save ?? "", result)) || listItemsMissing(stepsOf(t, kind).slice(at + 1), step.save, result))) {
    // A call that changes something did its work even if its answer came back cut short: never twice.
    if (changesSomething(stepsOf(t, kind), at)) {
      m.saved[step.save] = result as never;
      t.preamble.push("That's all done.");
      return afterStep(t, kind, step, hooks) ?? (setPosition(t, kind, at + 1), run(t, kind, hooks));
    }
    if (pending.attempt < 2) return t.retry(pending, "I only got part of that. Let me check again.");
    return hooks.failed(t, pending.purpose);
  }
  if (step.save && !changesSomething(stepsOf(t, kind), at) && listEmpty(stepsOf(t, kind).slice(at + 1), step.save, result)) rememberEmpty(m, pending.tool, pending.args, result);
  if (step.save) {
    m.saved[step.save] = result as never;
    // A fresh list: what was picked from the old one is picked again.
    for (const later of stepsOf(t, kind).slice(at + 1)) if (later.choose) delete m.saved[later.choose.save];
  }
  if (step.identifies) {
    const id = valueAt(result, step.identifies);
    if (typeof id === "string" && id) {
      m.customerId = id;
      m.saved.customer = (valueAt(result, step.identifies.split(".").slice(0, -1).join(".")) ?? result) as never;
    } else if (kind === "identity") return identityFailed(t, hooks, "I'm sorry, I couldn't find a match for those details.");
  }
  if (step.expect && valueAt(result, step.expect) !== true) {
    if (kind === "identity") return identityFailed(t, hooks, "I'm sorry, that doesn't match our records.", at);
    const handler = step.onError.rule_violation ?? step.onError.default;
    if (handler) return hooks.anythingElse(t, renderSpeech(handler, flowScope(t, "")));
    return hooks.failed(t, pending.purpose);
  }
  if (step.say) t.preamble.push(renderSpeech(step.say, flowScope(t)));
  const finished = afterStep(t, kind, step, hooks);
  if (finished) return finished;
  setPosition(t, kind, at + 1);
  return run(t, kind, hooks);
}

/**
 * An error line that ends in a question ("No vehicle matches that. Could you check the plate?")
 * asks again for what the call sent: the slot the step's arguments read is cleared and the flow
 * goes back to collect it, so the answer is looked up afresh. Asked twice already, a person takes over.
 */
function askAgain(t: Turn, kind: FlowKind, at: number, spoken: string, hooks: FlowHooks): AgentAction | undefined {
  if (kind !== "intent" || !/\?\s*$/.test(spoken)) return undefined;
  const m = t.memory;
  const steps = stepsOf(t, kind);
  const slot = Object.values(steps[at]?.args ?? {})
    .flatMap((value) => [...String(value).matchAll(/\{slot\.([A-Za-z0-9_.-]+)/g)].map((match) => match[1] ?? ""))
    .map((name) => slotNamed(t, name))
    .find((name) => name && flowSlotSpecs(t).some((spec) => spec.name === name));
  if (!slot) return undefined;
  if (m.asked === "slot" && m.askedSlot === slot && m.repeats >= 1) return hooks.transfer(t, `could not find a match for the ${slot.replace(/_/g, " ")}`);
  delete m.slots[slot];
  delete m.facts[slot];
  let back = at;
  while (back > 0 && !steps[back]?.collect?.includes(slot)) back--;
  setPosition(t, kind, back);
  return t.ask("slot", spoken, slot);
}

/**
 * A tool refused the arguments (`invalid_arguments`) and the pack says nothing about it: the slot
 * behind the first bad argument is cleared, the caller hears what was wrong with it and is asked
 * again. Asked again already, a person takes over.
 */
function askBadArgument(t: Turn, kind: FlowKind, at: number, issues: readonly string[], hooks: FlowHooks): AgentAction | undefined {
  const steps = stepsOf(t, kind);
  const step = steps[at];
  if (!step) return undefined;
  for (const issue of issues) {
    const [path, ...rest] = issue.split(": ");
    const binding = step.args[(path ?? "").split(".")[0] ?? ""];
    const slot = [...String(binding ?? "").matchAll(/\{slot\.([A-Za-z0-9_.-]+)/g)].map((match) => slotNamed(t, match[1] ?? "")).find((name) => flowSlotSpecs(t).some((spec) => spec.name === name));
    const spec = flowSlotSpecs(t).find((s) => s.name === slot);
    if (!slot || !spec) continue;
    const m = t.memory;
    if (m.asked === "slot" && m.askedSlot === slot && m.repeats >= 1) return hooks.transfer(t, `the system did not accept the ${slot.replace(/_/g, " ")}`);
    delete m.slots[slot];
    delete m.facts[slot];
    let back = at;
    while (back > 0 && !steps[back]?.collect?.includes(slot)) back--;
    setPosition(t, kind, back);
    m.flowConfirmed = -1;
    // "Too small: expected number to be >0": the comparison in words, as a person says it.
    const said = rest.join(": ").replace(/>=/g, " at least ").replace(/<=/g, " at most ").replace(/>/g, " more than ").replace(/</g, " less than ");
    const reason = reasonOf(said, t.view.timezone).replace(/\s+/g, " ").toLowerCase();
    return t.ask("slot", `Sorry, the system didn't accept the ${slot.replace(/_/g, " ")}${reason ? `: ${reason}` : ""}. ${spec.prompt}`, slot);
  }
  return undefined;
}

/**
 * The caller's pick among the items a `choose` step offered: by what they said ("the ten thirty",
 * "the Honda") or by position ("the first one"). Not understood twice, a person takes over.
 */
export function onFlowChoice(t: Turn, heard: string, hooks: FlowHooks): AgentAction {
  const m = t.memory;
  const offered = m.offered;
  const step = stepsOf(t, "intent")[m.flowStep];
  if (!offered || !step?.choose) return hooks.proceed(t);
  const byDay = choiceByDay(t, heard, step, hooks);
  if (byDay) return byDay;
  const label = matchChoice(heard, offered.labels, { byPosition: true }) ?? byOwnWord(heard, offered.labels);
  if (label === undefined) {
    // "Sorry, go ahead": the caller talked over the question and missed it; it is asked whole again.
    const cutOff = /\b(go ahead|go on|what was that|cut you off)\b/i.test(heard) && heard.split(/\s+/).length <= 8;
    const fallback = cutOff ? undefined : choiceFallback(t, heard);
    if (fallback !== undefined) return pick(t, step, offered.items[fallback], hooks);
    if (m.repeats >= 2) return hooks.transfer(t, "could not tell which option the caller wanted");
    return t.ask("choose_item", cutOff && m.lastAsk ? m.lastAsk : `Sorry, which would you like: ${joinSpoken(offered.labels, "or")}?`);
  }
  m.saved[step.choose.save] = offered.items[offered.labels.indexOf(label)] as never;
  m.offered = null;
  m.asked = null;
  m.flowStep++;
  return run(t, "intent", hooks);
}

const WHOLE_NAME = /^\{([A-Za-z0-9_.[\]-]+)\}$/;

/** "The Mastercard": the one label holding a word the caller said that no other label has. */
function byOwnWord(heard: string, labels: readonly string[]): string | undefined {
  const words = (text: string): string[] => text.toLowerCase().match(/[a-z0-9']+/g) ?? [];
  const said = new Set(words(heard));
  const own = (label: string) => words(label).filter((word) => word.length > 2 && labels.filter((other) => words(other).includes(word)).length === 1);
  const hits = labels.filter((label) => own(label).some((word) => said.has(word)));
  return hits.length === 1 ? hits[0] : undefined;
}

/** Words that make a "no" a correction rather than a cancellation. */
const CORRECTS = /\b(i meant|i mean|actually|instead|should be|supposed to be|i said|got that wrong|not quite|wrong (day|date|time|number|one))\b/i;

/** The caller's yes or no to a flow's read-back. */
export function onFlowConfirm(t: Turn, heard: string, hooks: FlowHooks): AgentAction {
  const m = t.memory;
  const answer = parseYesNo(heard);
  if (answer === "yes") {
    m.flowConfirmed = m.flowStep;
    m.flowStep++;
    m.asked = null;
    return run(t, "intent", hooks);
  }
  // "No, I meant…" with nothing heard that changes a value: ask what should change, once, rather
  // than dropping the request the caller is correcting.
  if (answer === "no" && CORRECTS.test(heard) && m.repeats === 0) return t.ask("confirm", "Sorry, what should I change?");
  if (answer === "no") return hooks.anythingElse(t, "Okay, I haven't changed anything.");
  return t.ask("confirm", m.refusals > 0 ? "Would you still like me to go ahead?" : "Sorry, should I go ahead? Yes or no is fine.");
}

/**
 * Details that matched nobody: ask again from the start, up to the pack's attempts, then stop.
 * A check that failed after the caller's record was found (`expect` at `failedAt`) keeps the
 * record and asks again only what the flow collects after the step that found it.
 */
function identityFailed(t: Turn, hooks: FlowHooks, apology: string, failedAt?: number): AgentAction {
  const m = t.memory;
  const steps = stepsOf(t, "identity");
  // A number that matched nobody is not a failed check when the flow checks the caller after
  // finding them (a mistyped phone is no wrong birth date); it has its own bound.
  const isLookup = failedAt === undefined && identityChecks(t) && m.customerId === null;
  if (isLookup) m.identifyTries++;
  else m.verifyTries++;
  const found = steps.findIndex((step) => step.identifies);
  const keepRecord = failedAt !== undefined && m.customerId !== null && found >= 0 && found < failedAt;
  const restartAt = keepRecord ? found + 1 : 0;
  if (!keepRecord) m.customerId = null;
  const asked = keepRecord ? steps.slice(restartAt).flatMap((step) => step.collect ?? []) : t.pack.agent.verification.slots.map((spec) => spec.name);
  for (const name of asked) delete m.facts[name];
  m.identityStep = restartAt;
  if (m.verifyTries >= t.pack.agent.verification.maxAttempts || m.identifyTries >= t.pack.agent.verification.maxAttempts) {
    m.thirdParty = true;
    return hooks.closeCall(t, "I'm sorry, I wasn't able to verify your identity, so I can't go on with this request. Please call back with your details handy. Goodbye.");
  }
  t.preamble.push(apology);
  // A number misheard again and again is where a keypad helps: offer it when one is asked anew.
  const next = steps.slice(restartAt).find((step) => step.collect)?.collect?.[0];
  const spec = t.pack.agent.verification.slots.find((slot) => slot.name === next);
  if (spec && KEYABLE.has(spec.type)) t.preamble.push("If it's easier, you can also key it in on your phone's keypad.");
  return run(t, "identity", hooks);
}

const KEYABLE: ReadonlySet<string> = new Set(["digits", "phone", "birthdate"]);

/** A tool's message as a reason a caller can hear: no codes or ids, first letter small. */
function reasonOf(message: string, timezone: string): string {
  const text = message
    .replace(/\b\d{4}-\d{2}-\d{2}T[\d:.]+(?:Z|[+-]\d{2}:\d{2})?/g, (iso) => speakDateTime(iso, timezone))
    .replace(/\b\d{4}-\d{2}-\d{2}\b/g, (iso) => speakDate(iso, timezone))
    .replace(/\$(\d[\d,]*)(?:\.(\d{2}))?/g, (_, dollars: string, cents: string | undefined) => speakMoney(Number(dollars.replace(/,/g, "")) * 100 + Number(cents ?? 0)))
    .replace(/\b[A-Z]{2,}-\d+\b/g, "that")
    // "limited to 12 installments", "at least 2500 cents": a reason is heard, so its numbers are words.
    .replace(/\b(\d+) cents\b/g, (_, cents: string) => speakMoney(Number(cents)))
    .replace(/\b\d+\b/g, (n) => speakNumber(Number(n)))
    .replace(/[_]/g, " ")
    .trim();
  return text.replace(/[.]$/, "");
}

/** Whether a step's call changes something: it says so, or it comes after a read-back. */
function changesSomething(steps: readonly FlowStep[], at: number): boolean {
  const step = steps[at];
  return step?.changes ?? steps.slice(0, at).some((earlier) => earlier.confirm !== undefined);
}

/** Whether a template reads a field of this result that the result does not have. */
function missingSaid(template: string, saved: string, result: unknown): boolean {
  for (const match of template.matchAll(/\{([A-Za-z0-9_.[\]-]+)(?:\|[a-z:]+)?\}/g)) {
    const [head, ...rest] = (match[1] ?? "").split(".");
    if (head === saved && rest.length > 0 && valueAt(result, rest.join(".")) === undefined) return true;
  }
  return false;
}

/** Whether a result holds lists and every one of them is empty (`{ records: [] }`). */
function onlyEmptyLists(result: unknown): boolean {
  if (!result || typeof result !== "object" || Array.isArray(result)) return Array.isArray(result) && result.length === 0;
  const lists = Object.values(result as Record<string, unknown>).filter(Array.isArray);
  return lists.length > 0 && lists.every((list) => list.length === 0);
}

/** Whether a later `choose` step offers items of the result saved under this name. */
function choosesFrom(later: readonly FlowStep[], saved: string | undefined): boolean {
  return saved !== undefined && later.some((step) => step.choose?.from.startsWith(`{${saved}.`));
}

function isEmpty(result: unknown): boolean {
  if (result === null || result === undefined) return true;
  if (typeof result !== "object") return false;
  return Object.keys(result as object).length === 0;
}

// ---------------------------------------------------------------- slots read by a flow, and choices over days and times

/** The slot a placeholder path reads: `date.from` is the slot `date`. */
function slotNamed(t: Turn, path: string): string {
  if (flowSlotSpecs(t).some((spec) => spec.name === path)) return path;
  return path.split(".")[0] ?? path;
}

type Choose = NonNullable<FlowStep["choose"]>;

/**
 * What a `choose` step offers: with `at` (the item's date-time field) and `slot` (a day slot),
 * only items on the slot's days when any are, nearest the time the caller named first; items that
 * would be said alike once (two providers at nine) are offered once. `rest` are the ones not read out.
 */
function offerable(choose: Choose, list: unknown, scope: FlowScope): { items: unknown[]; labels: string[]; rest: unknown[] } {
  let items = Array.isArray(list) ? [...list] : [];
  // `where` keeps only the items the pack allows (no expired card); the rest are never offered.
  if (choose.where) items = items.filter((item) => conditionHolds(choose.where ?? "", { ...scope, saved: { ...scope.saved, item } }));
  const day = choose.slot ? parseDaySlot(scope.slots[choose.slot] ?? "") : undefined;
  if (choose.at && day) {
    const dayOf = (item: unknown) => localDay(valueAt(item, choose.at ?? ""), scope.timezone);
    const onDay = items.filter((item) => {
      const d = dayOf(item);
      return d !== undefined && d >= day.from && d <= day.to;
    });
    if (onDay.length > 0) items = onDay;
  }
  if (choose.at && day && items.length > 0 && items.every((item) => (localDay(valueAt(item, choose.at ?? ""), scope.timezone) ?? "") >= day.from && (localDay(valueAt(item, choose.at ?? ""), scope.timezone) ?? "") <= day.to)) {
    // One day at a time, as a receptionist reads a calendar: the first day with openings in the span asked for.
    const days = items.map((item) => localDay(valueAt(item, choose.at ?? ""), scope.timezone)).filter((d): d is string => d !== undefined).sort();
    if (days.length > 0) items = items.filter((item) => localDay(valueAt(item, choose.at ?? ""), scope.timezone) === days[0]);
  }
  if (choose.at && day) {
    if (day.time) {
      const wanted = minutesOf(day.time);
      const distance = (item: unknown) => Math.abs((localMinutes(valueAt(item, choose.at ?? ""), scope.timezone) ?? 0) - wanted);
      items = items.map((item, i) => ({ item, i })).sort((a, b) => distance(a.item) - distance(b.item) || a.i - b.i).map((x) => x.item);
    }
  }
  const seen = new Set<string>();
  const distinct: Array<{ item: unknown; label: string }> = [];
  for (const item of items) {
    const label = fillTemplate(choose.label, { ...scope, saved: { ...scope.saved, item } });
    if (seen.has(label)) continue;
    seen.add(label);
    distinct.push({ item, label });
  }
  const shown = distinct.slice(0, choose.max);
  return { items: shown.map((x) => x.item), labels: shown.map((x) => x.label), rest: items.filter((item) => !shown.some((x) => x.item === item)) };
}

function localDay(value: unknown, timezone: string): string | undefined {
  if (typeof value !== "string") return undefined;
  const at = DateTime.fromISO(value, { zone: timezone });
  return at.isValid ? (at.toISODate() ?? undefined) : undefined;
}

function localMinutes(value: unknown, timezone: string): number | undefined {
  if (typeof value !== "string") return undefined;
  const at = DateTime.fromISO(value, { zone: timezone });
  return at.isValid ? at.hour * 60 + at.minute : undefined;
}

function minutesOf(clock: string): number {
  const [h, m] = clock.split(":").map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/** Items a choice did not read out, kept apart from the pick (the wrong-slot flaw books one of them). */
function keepAlternatives(t: Turn, save: string, rest: unknown[]): void {
  t.memory.saved[`~${save}`] = rest as never;
}

/** The injected wrong-slot flaw: a change is made with another item than the one the caller picked. */
function withWrongPick(t: Turn, earlier: readonly FlowStep[], scope: FlowScope): FlowScope {
  const saved = { ...scope.saved };
  for (const step of earlier) {
    if (!step.choose) continue;
    const picked = saved[step.choose.save];
    const others = [...((t.memory.offered?.items ?? []) as unknown[]), ...((saved[`~${step.choose.save}`] as unknown[] | undefined) ?? [])];
    const other = others.find((item) => JSON.stringify(item) !== JSON.stringify(picked));
    if (picked !== undefined && other !== undefined) saved[step.choose.save] = other;
  }
  return { ...scope, saved };
}

/**
 * A choice offered nothing and its line asks again ("Is there another day that would work?"): the
 * day slot it follows is cleared and asked with that line.
 */
function askDayAgain(t: Turn, step: FlowStep, spoken: string): AgentAction | undefined {
  const slot = step.choose?.slot;
  const spec = flowSlotSpecs(t).find((s) => s.name === slot);
  if (!slot || !spec?.required || !/\?\s*$/.test(spoken)) return undefined;
  const m = t.memory;
  if (m.asked === "slot" && m.askedSlot === slot && m.repeats >= 1) return undefined;
  delete m.slots[slot];
  rewindTo(t, slot, true);
  const action = t.ask("slot", spoken, slot);
  m.alternativeFor = slot;
  return action;
}

/**
 * "No, that was the only day I could do" to "Is there another day that would work?": the caller
 * has no other day, so the request ends there, politely, instead of the question being asked again.
 */
export function declinedAlternative(t: Turn, heard: string, hooks: FlowHooks): AgentAction | undefined {
  const m = t.memory;
  if (m.asked !== "slot" || !m.alternativeFor || m.askedSlot !== m.alternativeFor) return undefined;
  if (parseYesNo(heard) !== "no" || mentionsDay(dropNegated(heard))) return undefined;
  m.alternativeFor = null;
  return hooks.anythingElse(t, "Okay, no problem. I'm sorry I couldn't find anything that works.");
}

/** Back to the first step that collects (or, unless `collectOnly`, reads) the slot; what came before still holds. */
function rewindTo(t: Turn, slot: string, collectOnly = false): void {
  const m = t.memory;
  const steps = stepsOf(t, "intent");
  const reads = (step: FlowStep) => step.collect?.includes(slot) || (!collectOnly && new RegExp(`\\{slot\\.${slot}[.|}]`).test(JSON.stringify(step)));
  const first = steps.findIndex(reads);
  m.flowStep = Math.min(first >= 0 ? first : m.flowStep, m.flowStep);
  m.flowConfirmed = -1;
  m.offered = null;
  for (const later of steps.slice(m.flowStep)) if (later.choose) delete m.saved[later.choose.save];
}

/**
 * While a choice over times is open the caller may name a day: one on offer picks from that day;
 * another day is a change of mind, so the slot takes it and the steps that read it run again (a
 * fresh search). A plain no to what is on offer clears the day and asks for another.
 */
function choiceByDay(t: Turn, heard: string, step: FlowStep, hooks: FlowHooks): AgentAction | undefined {
  const m = t.memory;
  const choose = step.choose;
  const offered = m.offered;
  if (!choose?.slot || !choose.at || !offered) return undefined;
  const slot = choose.slot;
  const wanted = dropNegated(heard);
  if (!mentionsDay(wanted)) {
    const spec = flowSlotSpecs(t).find((s) => s.name === slot);
    if (parseYesNo(heard) !== "no" || !spec?.required || matchChoice(heard, offered.labels, { byPosition: true }) !== undefined) return undefined;
    delete m.slots[slot];
    rewindTo(t, slot, true);
    t.preamble.push("No problem.");
    return run(t, "intent", hooks);
  }
  const request = parseDateRequest(wanted, t.view.now, t.view.timezone);
  if (!request || request.to < t.view.now.slice(0, 10)) return undefined;
  const onDay = offered.items.map((item, i) => ({ item, label: offered.labels[i] ?? "" })).filter(({ item }) => {
    const d = localDay(valueAt(item, choose.at ?? ""), t.view.timezone);
    return d !== undefined && d >= request.from && d <= request.to;
  });
  if (onDay.length > 0) {
    const label = matchChoice(heard, onDay.map((x) => x.label), { byPosition: false }) ?? (onDay.length === 1 ? onDay[0]?.label : undefined);
    const picked = onDay.find((x) => x.label === label);
    if (!picked) return undefined;
    m.saved[choose.save] = picked.item as never;
    m.offered = null;
    m.asked = null;
    m.flowStep++;
    return run(t, "intent", hooks);
  }
  // "Next Wednesday instead": the time asked for before still stands unless a new one is named.
  const before = parseDaySlot(m.slots[slot] ?? "");
  const time = request.time ?? (request.partOfDay ? undefined : before?.time);
  const part = request.partOfDay ?? before?.part;
  m.slots[slot] = formatDaySlot({ from: request.from, to: request.to, ...(time ? { time } : part ? { part } : {}) });
  rewindTo(t, slot);
  m.asked = null;
  t.preamble.push(t.pick(["Sure.", "No problem.", "Of course."]));
  return run(t, "intent", hooks);
}

/**
 * The steps from `at` on that this result leads to: a later step whose `when` fails on it (the
 * "already known" branch of a report) is not reached, and a reached step that ends the request
 * (`then: report|end`) is the last. Only what is reached says a field the answer must carry.
 */
function reachedWith(t: Turn, steps: readonly FlowStep[], at: number, save: string | undefined, result: unknown): FlowStep[] {
  const base = flowScope(t);
  const scope = save ? { ...base, saved: { ...base.saved, [save]: result } } : base;
  const reached: FlowStep[] = [];
  for (const [i, step] of steps.entries()) {
    if (i < at) continue;
    if (i > at && step.when && !conditionHolds(step.when, scope)) continue;
    reached.push(step);
    if (i > at && step.then !== "continue") break;
  }
  return reached;
}

/** Whether a list a later `choose` offers from this result has items without what its label says (a partial answer). */
function listItemsMissing(later: readonly FlowStep[], saved: string, result: unknown): boolean {
  return later.some((step) => {
    const from = WHOLE_NAME.exec(step.choose?.from ?? "")?.[1]?.split(".");
    if (!step.choose || from?.[0] !== saved) return false;
    const list = valueAt(result, from.slice(1).join("."));
    const fields = [...step.choose.label.matchAll(/\{item\.([A-Za-z0-9_.[\]-]+)/g)].map((match) => match[1] ?? "");
    return Array.isArray(list) && list.some((item) => fields.some((field) => valueAt(item, field) === undefined));
  });
}

/**
 * A pick the labels alone do not settle: a time said on more than one offered day takes the first
 * (the soonest); after two tries, a caller who only says "yes, go on" gets the first one offered.
 */
function choiceFallback(t: Turn, heard: string): number | undefined {
  const m = t.memory;
  const labels = m.offered?.labels ?? [];
  const time = parseClockTime(heard.toLowerCase().replace(/^(the|at)\s+/, "at "));
  if (time) {
    const at = labels.findIndex((label) => parseClockTime(label) === time);
    if (at >= 0) return at;
  }
  // "Nine a ms", "eight thirty e m": the hour and minutes of a spoken time, heard through the noise.
  const lower = ` ${heard.toLowerCase().replace(/[^a-z ]/g, " ").replace(/\s+/g, " ")} `;
  const said = labels.map((label) => /\b((?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)(?: (?:oh )?[a-z]+)?) [ap] m\b/.exec(label.toLowerCase())?.[1]);
  const heardTime = said.map((phrase, i) => ({ i, phrase: phrase ?? "" })).filter(({ phrase }) => phrase && lower.includes(` ${phrase} `));
  const longest = heardTime.sort((a, b) => b.phrase.length - a.phrase.length || a.i - b.i)[0];
  if (longest) return longest.i;
  if (m.repeats >= 1 && parseYesNo(heard) === "yes" && labels.length > 0) return 0;
  return undefined;
}

function pick(t: Turn, step: FlowStep, item: unknown, hooks: FlowHooks): AgentAction {
  const m = t.memory;
  if (step.choose) m.saved[step.choose.save] = item as never;
  m.offered = null;
  m.asked = null;
  m.flowStep++;
  return run(t, "intent", hooks);
}

/** Whether a later `choose` offers from a list in this result that is empty. */
function listEmpty(later: readonly FlowStep[], saved: string, result: unknown): boolean {
  return later.some((step) => {
    const from = WHOLE_NAME.exec(step.choose?.from ?? "")?.[1]?.split(".");
    if (!step.choose || from?.[0] !== saved) return false;
    const list = valueAt(result, from.slice(1).join("."));
    return Array.isArray(list) && list.length === 0;
  });
}

/**
 * The injected claim-success flaw: what the step says on success, without the sentences that read
 * the result the tool never gave ("You're all set." of "You're all set. It's booked for {x|date}.").
 */
export function claimedSuccess(t: Turn, purpose: string): string | undefined {
  const call = flowCallOf(purpose);
  const say = call ? stepsOf(t, call.kind)[call.at]?.say : undefined;
  if (!say) return undefined;
  const scope = flowScope(t);
  const kept = say
    .split(/(?<=[.!?])\s+/)
    .filter((sentence) => [...sentence.matchAll(/\{([A-Za-z0-9_.[\]-]+)(?:\|[a-z:]+)?\}/g)].every((match) => lookup(scope, match[1] ?? "") !== undefined));
  return kept.length > 0 ? renderSpeech(kept.join(" "), scope) : undefined;
}

/**
 * A change of mind after the request is done, for an intent with `amend`: the request becomes
 * that intent (moving what was booked rather than booking twice), with the slots the two share
 * and the ones `amend.slots` reads from what the first request saved.
 */
export function amendInstead(t: Turn): void {
  const m = t.memory;
  const amend = t.intent?.amend;
  const target = t.pack.agent.intents.find((intent) => intent.id === amend?.intent);
  if (!amend || !target || !m.completed.includes(m.intent ?? "")) return;
  const scope = flowScope(t);
  const slots: Record<string, string> = {};
  for (const spec of target.slots) if (m.slots[spec.name] !== undefined) slots[spec.name] = m.slots[spec.name] as string;
  for (const [name, template] of Object.entries(amend.slots)) {
    const value = bindValue(template, scope);
    // Nothing saved to amend (the request failed): it is simply done again.
    if (typeof value !== "string" && typeof value !== "number") return;
    const spec = target.slots.find((s) => s.name === name);
    const day = /^\d{4}-\d{2}-\d{2}/.exec(String(value))?.[0];
    // A date-time read into a day slot names that day.
    slots[name] = (spec?.type === "date" || spec?.type === "datetime") && day ? formatDaySlot({ from: day, to: day }) : String(value);
  }
  m.intent = target.id;
  m.slots = slots;
  m.flowStep = 0;
  m.flowConfirmed = -1;
  m.offered = null;
}
