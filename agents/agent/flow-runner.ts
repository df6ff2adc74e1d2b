import type { FlowStep, FlowValue, SlotSpec, ToolResultEvent } from "../../scenarios/index.ts";
import type { AgentAction } from "../agent-types.ts";
import { matchChoice, parseYesNo } from "../slot-filling/parse.ts";
import { joinSpoken, speakDate, speakDateTime, speakMoney, speakNumber } from "../slot-filling/speak.ts";
import { bindArgs, bindValue, conditionHolds, type FlowScope, lookup, renderSpeech, valueAt } from "./flow-template.ts";
import type { PendingCall } from "./memory.ts";
import type { Turn } from "./turn.ts";

/** What the interpreter needs from the agent around it: the generic ways a request ends. */
export interface FlowHooks {
  /** The request is finished: say the lead, ask whether there is anything else. */
  anythingElse(t: Turn, lead: string): AgentAction;
  transfer(t: Turn, reason: string, queue?: string): AgentAction;
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
      const items = chooseItems(step.choose, scope);
      const preferred = preferredItem(step.choose, items, scope);
      if (preferred !== undefined) {
        m.saved[step.choose.save] = preferred as never;
        continue;
      }
      if (items.length === 0) {
        const handler = step.onError.empty ?? step.onError.default;
        return hooks.anythingElse(t, handler ? renderSpeech(handler, scope) : "I'm sorry, I don't have anything to offer for that.");
      }
      if (items.length === 1) {
        m.saved[step.choose.save] = items[0] as never;
        continue;
      }
      const labels = items.map((item) => renderSpeech(step.choose?.label ?? "", { ...scope, saved: { ...scope.saved, item } }));
      m.offered = { labels, items };
      return t.ask("choose_item", step.choose.ask.replace("{options}", joinSpoken(labels, "or")));
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
      return hooks.transfer(t, t.intent?.description ?? "the caller's request", step.handoff || undefined);
    }
    if (step.call) {
      const args = bindArgs(step.args, scope);
      // One "one moment" is enough: a call straight after another's result goes on without a filler.
      const chained = t.view.events.at(-1)?.type === "tool_result" && t.preamble.length === 0;
      // A change the caller just agreed to is being made, not looked up.
      const fillers = changesSomething(steps, at) ? ["One moment.", "Okay, one moment.", "Just a moment."] : ["One moment.", "Let me check that.", "Just a moment."];
      return t.call(step.call, args, `flow:${kind}:${at}`, chained ? undefined : t.pick(fillers));
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
function applySet(t: Turn, values: Record<string, FlowValue>): void {
  for (const [name, binding] of Object.entries(values)) {
    const value = bindValue(binding, flowScope(t));
    if (value === undefined) delete t.memory.saved[name];
    else t.memory.saved[name] = value as never;
  }
}

type ChooseSpec = NonNullable<FlowStep["choose"]>;

/** The items a `choose` step may offer: its list, only those its `where` keeps, at most `max`. */
function chooseItems(choose: ChooseSpec, scope: FlowScope): unknown[] {
  const list = lookup(scope, WHOLE_NAME.exec(choose.from)?.[1] ?? "");
  const items = Array.isArray(list) ? list : [];
  const kept = choose.where ? items.filter((item) => conditionHolds(choose.where ?? "", { ...scope, saved: { ...scope.saved, item } })) : items;
  return kept.slice(0, choose.max);
}

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
    if (t.hasFlaw("claim_success_after_failure") && step.say) {
      t.preamble.push(renderSpeech(step.say, flowScope(t)));
      return hooks.anythingElse(t, "");
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
    return handler ? hooks.anythingElse(t, renderSpeech(handler, flowScope(t, ""))) : hooks.failed(t, pending.purpose);
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
  const later = stepsOf(t, kind).slice(at).flatMap((s) => [s.say, s.confirm, ...Object.values(s.args).map(String)]).filter((x): x is string => typeof x === "string");
  if (step.save && later.some((template) => missingSaid(template, step.save ?? "", result))) {
    // A call that changes something did its work even if its answer came back cut short: never twice.
    if (changesSomething(stepsOf(t, kind), at)) {
      m.saved[step.save] = result as never;
      t.preamble.push("That's all done.");
      return afterStep(t, kind, step, hooks) ?? (setPosition(t, kind, at + 1), run(t, kind, hooks));
    }
    if (pending.attempt < 2) return t.retry(pending, "I only got part of that. Let me check again.");
    return hooks.failed(t, pending.purpose);
  }
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
 * The caller's pick among the items a `choose` step offered: by what they said ("the ten thirty",
 * "the Honda") or by position ("the first one"). Not understood twice, a person takes over.
 */
export function onFlowChoice(t: Turn, heard: string, hooks: FlowHooks): AgentAction {
  const m = t.memory;
  const offered = m.offered;
  const step = stepsOf(t, "intent")[m.flowStep];
  if (!offered || !step?.choose) return hooks.proceed(t);
  const label = matchChoice(heard, offered.labels, { byPosition: true }) ?? byOwnWord(heard, offered.labels);
  if (label === undefined) {
    if (m.repeats >= 1) return hooks.transfer(t, "could not tell which option the caller wanted");
    return t.ask("choose_item", `Sorry, which would you like: ${joinSpoken(offered.labels, "or")}?`);
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
  return run(t, "identity", hooks);
}

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
  for (const match of template.matchAll(/\{([A-Za-z0-9_.[\]-]+)(?:\|[a-z]+)?\}/g)) {
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
