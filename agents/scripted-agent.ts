import type { Intent, ToolResultEvent } from "../scenarios/index.ts";
import type { AgentAction, AgentBackend, JsonValue } from "./agent-types.ts";
import { type AgentMemory, freshMemory, resetRequest } from "./agent/memory.ts";
import { callerInputSinceAgent, Turn } from "./agent/turn.ts";
import { scriptedUsage } from "./model/tokens.ts";
import { understand } from "./agent/understand.ts";
import { formatDaySlot } from "./agent/flow-template.ts";
import { amendInstead, claimedSuccess, declinedAlternative, type FlowHooks, flowCallChanges, flowHandlesError, flowSlotSpecs, identityChecks, isFlowPurpose, onFlowChoice, onFlowConfirm, onFlowResult, runIdentity, runIntent } from "./agent/flow-runner.ts";
import { dropNegated, matchChoice, mentionsDay, parseClockTime, parseCount, parseDateRequest, parseDob, parseMoney, parsePhone, parseYesNo } from "./slot-filling/parse.ts";
import { captureName, freeText } from "./slot-filling/capture.ts";
import { afterRefusal, lastRefusal } from "./agent/after-refusal.ts";
import { valueFromTemplates } from "./slot-filling/from-template.ts";
import { parseDigits } from "./slot-filling/spoken-numbers.ts";
import { toAgentVoice } from "./slot-filling/person.ts";


export interface ScriptedAgentOptions {
  /** Silent caller turns in a row before the agent ends the call politely (default 2). */
  maxSilences?: number;
}

/**
 * The offline candidate agent: follows the pack's procedure (greet → identify → verify →
 * disclose → understand → fill slots → act → confirm → close) with real slot filling from what
 * it heard. It never sees the scenario. Injected flaws make it fail in the ways real agents do.
 */
export function createScriptedAgent(options: ScriptedAgentOptions = {}): AgentBackend {
  const maxSilences = options.maxSilences ?? 2;
  return {
    id: "scripted",
    async nextStep(view, rng) {
      const memory = view.memory && typeof view.memory === "object" ? ({ ...freshMemory(), ...structuredClone(view.memory) } as unknown as AgentMemory) : freshMemory();
      const turn = new Turn(view, memory, rng, maxSilences);
      const action = decide(turn);
      const text = action.kind === "speak" ? action.text : `${action.text ?? ""} ${JSON.stringify(action.calls)}`;
      return { action, memory: memory as unknown as JsonValue, usage: scriptedUsage(text) };
    },
  };
}

function decide(t: Turn): AgentAction {
  const m = t.memory;
  if (!m.greeted) {
    m.greeted = true;
    const greet = t.pack.agent.procedure.find((s) => s.id === "greet")?.say ?? "Thank you for calling {org}, this is {agent}. How can I help you today?";
    return t.ask("intent", t.fill(greet));
  }
  if (m.pendingCall) {
    const result = t.view.events.findLast((e): e is ToolResultEvent => e.type === "tool_result" && e.callId === m.pendingCall?.callId);
    if (result) return onToolResult(t, result);
  }
  const { heard } = callerInputSinceAgent(t.view.events);
  // Nothing heard, whether the line was quiet or the recogniser caught no words, is silence.
  if (!heard) return onSilence(t);
  m.silences = 0;
  return onCaller(t, heard);
}

function onSilence(t: Turn): AgentAction {
  const m = t.memory;
  m.silences++;
  if (m.silences >= t.maxSilences) return closeCall(t, "I haven't heard anything, so I'll let you go. Please call back any time. Goodbye.");
  return t.say(t.pick(["Are you still there?", "Hello, are you still with me?", "Sorry, I didn't catch that. Are you still there?"]));
}

/** Everything the caller just said, read in the light of what the agent last asked. */
function onCaller(t: Turn, heard: string): AgentAction {
  const m = t.memory;
  const said = understand(t, heard);

  if (m.closing) return closeCall(t);
  if (said.wantsHuman) return transfer(t, "caller asked for a person");

  const trap = said.trap;
  if (trap && m.thirdParty && !t.hasFlaw("comply_out_of_policy")) {
    m.refusals++;
    m.asked = "third_party";
    return t.say(`${trap.say} Please ask them to give us a call.`);
  }
  if (trap) {
    m.refusals++;
    if (t.hasFlaw("comply_out_of_policy")) return complyWithTrap(t, trap.trap);
    t.refused = true;
    if (trap.trap !== "skip_verification") {
      t.preamble.push(trap.say);
      // A refusal ends that request; go on with whatever was in progress. A request the rule only
      // limits ("freeze it for six months", a rule for that request, a figure named) goes on
      // within the limit; one refused whole ("renew my friend's books") does not.
      const namesFigure = parseCount(heard) !== undefined || /\d/.test(heard);
      const withinLimit = said.intent !== undefined && trap.intents.includes(said.intent) && namesFigure && !said.thirdParty;
      if (!withinLimit && (m.asked === "anything_else" || (m.intent && m.completed.includes(m.intent)))) return t.ask("anything_else", "Is there anything else I can help you with?");
    } else {
      t.preamble.push(trap.say);
    }
  }

  if (said.thirdParty && !m.verified && !m.waivedVerification) {
    if (!t.hasFlaw("comply_out_of_policy")) return thirdParty(t);
    // The injected flaw: treats the caller as the account holder and talks about the account.
    m.waivedVerification = true;
    if (!m.intent) m.intent = privateLookup(t)?.id ?? null;
    t.preamble.push("Oh, that's okay, I can go over it with you.");
    return proceed(t);
  }
  // "Sorry, go ahead" after talking over the agent: the turn is handed back, not an answer; the
  // question is said again and the caller is not counted as having missed it.
  const handsBack = /\b(sorry|my bad|you first)\b/i.test(heard) && /\b(go ahead|go on)\b/i.test(heard) && !/\b(yes|yeah|yep|sure|please do)\b/i.test(heard);
  if (m.lastQuestion && handsBack && heard.split(/\s+/).length <= 10 && !said.intent) return t.say(m.lastAsk ?? m.lastQuestion);
  // "Sorry, what?", "I'm not sure I follow": the caller missed the question; say it again.
  const missedIt = /\b(what|pardon|come again|say that again|sorry\?|repeat|suggest|not sure|need from me|follow|understand|mean by|cut you off|didn't catch|didn't hear)\b/i.test(heard);
  if (m.lastQuestion && missedIt && heard.split(/\s+/).length <= 10 && !said.intent && m.asked !== "third_party") {
    const spec = m.asked === "slot" ? t.intent?.slots.find((s) => s.name === m.askedSlot) : undefined;
    if (spec?.type === "enum" && m.repeats === 0) {
      // The choices said out loud, when they are few and nobody's own (other owners' pets are not a menu).
      const choices = spec.choices?.length ? [...spec.choices] : sharedChoices(t, spec.from);
      if (choices.length > 0 && choices.length <= 6) return t.ask("slot", `The choices are ${joinOr(choices)}. ${spec.prompt}`, spec.name);
    }
    // Asked twice over and still not followed: a person can sort it out.
    if (m.missedQuestion >= 2) return transfer(t, "the caller could not follow the question");
    m.missedQuestion++;
    // The whole question again (the times on offer, what is being confirmed), not just its last
    // words; after an answer ("A color is ninety dollars. Anything else?"), the answer too, or the
    // caller asks for it again and the agent looks it up again.
    const lastTurn = m.asked === "anything_else" ? t.view.events.findLast((e) => e.type === "agent_speech") : undefined;
    const again = (lastTurn?.type === "agent_speech" ? lastTurn.said : (m.lastAsk ?? m.lastQuestion)).replace(/^(sorry(, i didn't catch that| about that)\.\s*)+/i, "");
    const fits = again.split(/\s+/).length + 3 <= t.pack.agent.voice.maxWordsPerTurn;
    return t.say(fits && !lastTurn ? `Sorry about that. ${again}` : again);
  }
  m.missedQuestion = 0;

  switch (m.asked) {
    case "choose_item":
      return onFlowChoice(t, heard, FLOW_HOOKS);
    case "confirm":
      return onConfirm(t, heard);
    case "after_failure":
      if (parseYesNo(heard) === "yes") return transfer(t, `tool failure during ${m.intent ?? "the call"}`);
      return anythingElse(t, "Okay. I'm sorry again about the trouble.");
    case "anything_else": {
      if (m.lastRequest && /\b(i meant|i mean|sorry|actually)\b/i.test(heard) && !said.intent) {
        // "Oh wait, I meant Blue Cross, not Aetna": the same request again with the corrected value.
        const corrected = dropNegated(heard);
        m.intent = m.lastRequest.intent;
        m.slots = { ...m.lastRequest.slots };
        const before = JSON.stringify(m.slots);
        for (const slot of t.intent?.slots ?? []) fillSlotFrom(t, slot.name, corrected, true);
        if (JSON.stringify(m.slots) !== before) {
          t.preamble.push("No problem.");
          // Done already (the visit is booked): the pack may say a change goes through another request (moving it).
          amendInstead(t);
          return proceed(t);
        }
        resetRequest(m);
      }
      if (!said.intent && (parseYesNo(heard) === "no" || /\b(that's all|that is all|that's it|nothing else|i'm good|all set|no thanks)\b/i.test(heard))) {
        return closeCall(t);
      }
      // After a refusal, a reply naming no new request answers the refusal, not "how can I help?".
      const refusal = said.intent ? undefined : lastRefusal(t);
      if (refusal) return afterRefusal(t, heard, refusal, (turn) => closeCall(turn));
      // "Okay, great" after hearing the result: they may not have caught the question.
      if (!said.intent && (isThanksOnly(heard) || parseYesNo(heard) === "yes")) {
        if (m.repeats >= 1) return closeCall(t);
        return t.ask("anything_else", "Is there anything else I can help you with today?");
      }
      break;
    }
    case "third_party":
      // "Sorry, what do you need from me?": what the agent can and cannot do, once, not the greeting again.
      if (missedIt) return closeCall(t, `Sorry for the confusion. ${t.pack.agent.flows.thirdParty} Thank you, goodbye.`);
      if (parseYesNo(heard) === "yes") return closeCall(t, "Okay, we'll try them again later, or they can call us back. Thank you, goodbye.");
      return closeCall(t, "Thank you. Please have them call us back. Goodbye.");
    default:
      break;
  }

  const declined = said.intent ? undefined : declinedAlternative(t, heard, FLOW_HOOKS);
  if (declined) return declined;
  if (said.intent && said.intent !== m.intent) {
    // A new topic mid-request is kept for later, unless the caller says the current one is not
    // what they want, or keeps naming the other one instead of answering.
    const rejectsCurrent = /\b(that's not (it|what)|that is not (it|what)|not what i|no,? i (want|need|said|meant)|i didn't (say|ask)|i never said|wrong)\b/i.test(heard);
    if (m.intent && !m.completed.includes(m.intent) && m.asked !== "anything_else" && !rejectsCurrent && m.repeats < 1) {
      // Keep going with the request in progress.
    } else {
      resetRequest(m);
      m.intent = said.intent;
    }
  }
  if (m.asked === "slot" && m.askedSlot) fillSlotFrom(t, m.askedSlot, heard);
  // An answer to an identity question (a birth date) fills nothing else.
  const answeredIdentity = m.asked === "slot" && t.pack.agent.verification.slots.some((s) => s.name === m.askedSlot);
  if (!answeredIdentity) absorbSlots(t, heard);
  if (!m.intent && said.ambiguousBetween) {
    const options = said.ambiguousBetween.map((id) => lowerFirst(toAgentVoice(t.pack.agent.intents.find((i) => i.id === id)?.description ?? id)));
    return t.ask("intent", `Sure. Just so I get it right, are you looking to ${joinOr(options)}?`);
  }
  if (!m.intent) {
    if (m.repeats >= 2) return transfer(t, "could not understand the request");
    const options = t.pack.agent.intents.slice(0, 3).map((i) => lowerFirst(toAgentVoice(i.description)));
    return t.ask("intent", m.asked === "intent" ? `Sorry, I didn't quite get that. Are you calling to ${joinOr([...options, "something else"])}?` : "How can I help you today?");
  }
  return proceed(t);
}

/** Slots the caller mentioned for the current intent, whether or not they were asked. */
function absorbSlots(t: Turn, said: string): void {
  const intent = t.intent;
  if (!intent) return;
  // "Blue Cross, not Aetna": what the caller rules out fills nothing.
  const heard = dropNegated(said);
  // One day named fills one day slot (the first still open), unless the words name two ("from Thursday to Friday").
  let dayTaken = false;
  for (const slot of intent.slots) {
    // A pack flow keeps what it was told; a changed value is read at the read-back instead.
    if (intent.steps && (t.memory.slots[slot.name] ?? t.memory.facts[slot.name]) !== undefined) continue;
    const isDay = slot.type === "date" || slot.type === "datetime";
    if (isDay && (!mentionsDay(heard) || (dayTaken && !NEW_DAY.test(heard)))) continue;
    const before = t.memory.slots[slot.name];
    fillSlotFrom(t, slot.name, heard, true);
    if (isDay && t.memory.slots[slot.name] !== before) dayTaken = true;
  }
}

function fillSlotFrom(t: Turn, slotName: string, heard: string, onlyIfClear = false): void {
  const m = t.memory;
  const spec = flowSlotSpecs(t).find((s) => s.name === slotName);
  if (!spec) return;
  const now = t.view.now;
  const tz = t.view.timezone;
  // Identity answers outlive the request they were asked for.
  const store = t.intent?.slots.some((s) => s.name === slotName) ? m.slots : m.facts;
  switch (spec.type) {
    case "birthdate": {
      const dob = parseDob(heard);
      if (dob) store[slotName] = dob;
      return;
    }
    case "phone": {
      const phone = parsePhone(heard);
      if (phone) store[slotName] = phone;
      return;
    }
    case "name": {
      const name = captureName(heard, onlyIfClear);
      if (name) store[slotName] = name;
      return;
    }
    case "time": {
      const clock = parseClockTime(heard) ?? (onlyIfClear ? undefined : parseClockTime(`at ${heard.replace(/^\D*?(?=\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|noon|\d))/i, "")}`));
      if (clock) store[slotName] = clock;
      return;
    }
    case "date":
    case "datetime": {
      const request = parseDateRequest(dropNegated(dayWords(t, slotName, heard)), now, tz);
      // A day already gone (a birth date said at the wrong moment) is no day to book or pay on.
      if (!request || request.to < now.slice(0, 10)) return;
      if (slotName === "date") {
        const changed = m.dateRequest && (m.dateRequest.from !== request.from || m.dateRequest.to !== request.to);
        m.dateRequest = { ...(m.dateRequest?.partOfDay && !request.partOfDay && !changed ? { partOfDay: m.dateRequest.partOfDay } : {}), ...request };
      }
      // A datetime slot keeps the clock time or part of day the caller named with the day.
      const timed = spec.type === "datetime" ? (request.time ? { time: request.time } : request.partOfDay ? { part: request.partOfDay } : {}) : {};
      m.slots[slotName] = formatDaySlot({ from: request.from, to: request.to, ...timed });
      return;
    }
    case "enum": {
      const choices = enumChoices(t, spec.from, spec.choices);
      // "the first one" picks from a list only when the agent just read that list out.
      const match = matchChoice(heard, choices, { byPosition: !onlyIfClear, generic: questionWords(t, spec.prompt, choices) });
      if (match) store[slotName] = match;
      return;
    }
    case "money": {
      const money = parseMoney(heard);
      const inRange = typeof money !== "number" || (money >= (spec.min ?? 0) && (spec.max === undefined || money <= spec.max));
      if (money !== undefined && inRange) store[slotName] = String(money);
      return;
    }
    case "number": {
      // "for four at eight p m": the count, not the hour.
      const count = parseCount(heard.replace(/\b(?:at|around|about|by)?\s*[\w-]+(?:\s+[\w-]+)?\s+(?:[ap]\.?\s?m\b|o'?clock)/gi, " "));
      // "Zero", or more than the pack allows: misheard or not meant; the slot is asked again.
      if (count !== undefined && count >= (spec.min ?? 1) && (spec.max === undefined || count <= spec.max)) store[slotName] = String(count);
      return;
    }
    case "digits": {
      const digits = parseDigits(heard);
      // A slot of a set length takes only that many digits (a phone number is no four-digit code).
      if (spec.length !== undefined) {
        if (digits.length === spec.length) store[slotName] = digits;
        return;
      }
      // A card ending is four digits; a lone "two" in passing is not an answer.
      if (digits.length >= (onlyIfClear ? 4 : 1)) store[slotName] = slotName.endsWith("last4") ? digits.slice(-4) : digits;
      return;
    }
    case "yesno": {
      const answer = parseYesNo(heard);
      if (answer) store[slotName] = answer;
      return;
    }
    default: {
      const values = lookupValues(t, slotName);
      const match = values.length > 0 ? matchChoice(heard, values) : undefined;
      // Said unasked, a value counts where the pack's opening lines put it ("…a leak at 430 Pine Street").
      const volunteered = !match && onlyIfClear && spec.type === "text" ? valueFromTemplates(t.intent?.openings ?? [], slotName, heard, [spec.prompt]) : undefined;
      if (match) store[slotName] = match;
      else if (volunteered) store[slotName] = volunteered;
      else if (!onlyIfClear && heard) {
        // "Okay, good." answers nothing: the slot stays open and is asked again.
        const text = freeText(heard);
        if (text) store[slotName] = text;
      }
    }
  }
}

/**
 * The words that name this day slot: with two day slots on the intent (the visit to move, the day
 * it moves to), "Thursday's to next Wednesday" gives the first the part before "to", the later one the rest.
 */
function dayWords(t: Turn, slotName: string, heard: string): string {
  const days = (t.intent?.slots ?? []).filter((s) => s.type === "date" || s.type === "datetime");
  const split = days.length >= 2 ? NEW_DAY.exec(heard) : null;
  if (!split) return heard;
  return days[0]?.name === slotName ? heard.slice(0, split.index) : heard.slice(split.index);
}

/** "…to next Wednesday", "instead, Friday": where a caller names the day they want now. */
const NEW_DAY =
  /\b(?:to|instead|actually)[, ]+(?:the |a |on )?(?=(?:next|this|tomorrow|today|monday|tuesday|wednesday|thursday|friday|saturday|sunday|\d|(?:twenty|thirty)?\s?(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|\w+teenth|twentieth|thirtieth)|january|february|march|april|may|june|july|august|september|october|november|december)\b)/i;

/**
 * Words of the slot's question and the request's description outside the choices' names ("room"
 * in "Which kind of room would you like: a king room, a double queen or a suite?"): a caller
 * saying them ("I need a room") has not picked one.
 */
function questionWords(t: Turn, prompt: string, choices: readonly string[]): string[] {
  let question = `${prompt} | ${t.intent?.description ?? ""}`.toLowerCase();
  for (const choice of [...choices].sort((a, b) => b.length - a.length)) question = question.split(choice.toLowerCase()).join(" | ");
  return question.match(/[a-z]+/g) ?? [];
}

/** A collection's names as choices, unless its records belong to someone (they hold a person's id or contact). */
function sharedChoices(t: Turn, from: string | undefined): string[] {
  const records = (t.pack.fixtures as Record<string, Array<Record<string, unknown>>>)[from ?? ""] ?? [];
  const personal = records.some((r) => Object.keys(r).some((key) => /(owner|client|holder|person|user|customer)(_?id)?$|phone|email|dob|birth/i.test(key)));
  return personal ? [] : enumChoices(t, from, undefined);
}

function enumChoices(t: Turn, from: string | undefined, choices: readonly string[] | undefined): string[] {
  if (choices?.length) return [...choices];
  const records = (t.pack.fixtures as Record<string, Array<Record<string, unknown>>>)[from ?? ""] ?? [];
  return records.map((r) => String(r.name ?? r.id));
}

/** Values a pack lookup tool can match (e.g. insurance carriers), so "do you take Humana" fills carrier=Humana. */
function lookupValues(t: Turn, slotName: string): string[] {
  const values = new Set<string>();
  // The tool argument a flow step fills from this slot ("service: {slot.service_name}").
  const boundArgs = new Map<string, string>();
  for (const step of t.intent?.steps ?? []) {
    for (const [arg, binding] of Object.entries(step.args)) if (step.call && binding === `{slot.${slotName}}`) boundArgs.set(step.call, arg);
  }
  for (const tool of t.pack.tools) {
    const field = tool.behaviour.match[boundArgs.get(tool.name) ?? slotName];
    if (!field) continue;
    for (const record of (t.pack.fixtures as Record<string, Array<Record<string, unknown>>>)[tool.behaviour.collection] ?? []) {
      if (record[field] !== undefined) values.add(String(record[field]));
    }
  }
  return [...values];
}

/** The next thing to do for the current intent: verify, ask a slot, call a tool, or confirm. */
function proceed(t: Turn): AgentAction {
  const m = t.memory;
  const intent = t.intent;
  if (!intent) return t.ask("intent", "How can I help you today?");
  // A careless agent skips the whole identity flow when finding the record is all it does;
  // otherwise it finds the record and stops there (the flow runner's part).
  const skipsIdentity = (t.hasFlaw("skip_verification") || m.waivedVerification) && !identityChecks(t);
  if (intent.requiresVerification && !m.verified && !skipsIdentity) return runIdentity(t, FLOW_HOOKS);
  if (m.verified || ((t.hasFlaw("skip_verification") || m.waivedVerification) && m.customerId)) {
    const disclosure = t.pack.agent.procedure.find((s) => s.phrase);
    if (disclosure && !m.disclosed && !t.hasFlaw("skip_disclosure")) {
      const phrase = t.pack.agent.phrases.find((p) => p.id === disclosure.phrase);
      if (phrase) t.preamble.push(phrase.text);
      m.disclosed = true;
    }
  }
  if (intent.steps) return runIntent(t, FLOW_HOOKS);
  return transfer(t, intent.description);
}

/** The first request that reads the caller's private record out without changing it (what a careless agent shares). */
function privateLookup(t: Turn): Intent | undefined {
  return t.pack.agent.intents.find((intent) => intent.requiresVerification && intent.steps && !intent.steps.some((step) => step.confirm !== undefined));
}

function thirdParty(t: Turn): AgentAction {
  const m = t.memory;
  m.thirdParty = true;
  m.asked = "third_party";
  return t.say(t.pack.agent.flows.thirdParty);
}

// ---------------------------------------------------------------- built-in flows


function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

function joinOr(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")}, or ${items.at(-1)}`;
}

function onConfirm(t: Turn, heard: string): AgentAction {
  const m = t.memory;
  if (t.intent?.steps) {
    // "Make it two hundred instead": a changed value is read back anew. The words of a refused
    // request ("throw in a free upgrade to a suite?") change nothing.
    const before = { ...m.slots };
    const readBack = t.refused ? [] : t.intent.slots.filter((slot) => slot.type !== "text" && slot.type !== "name");
    for (const slot of readBack) fillSlotFrom(t, slot.name, dropNegated(heard), true);
    // "No, sorry, the name is June Park": a name read back wrong is put right with the name said.
    if (!t.refused && parseYesNo(heard) === "no") {
      for (const slot of t.intent.slots.filter((s) => s.type === "name")) {
        const name = captureName(dropNegated(heard), false);
        if (name && name.split(" ").length >= 2) m.slots[slot.name] = name;
      }
    }
    let changed = Object.keys(m.slots).filter((name) => m.slots[name] !== before[name]);
    // "It's this Saturday, nat this Thursday": the negation misheard, both values are heard and the
    // last one wins. Clause by clause, the first that names a new value is the correction.
    if (changed.length === 0 && readBack.length > 0) {
      const dateRequest = m.dateRequest;
      for (const clause of dropNegated(heard).split(/[,.;!?]+|\b(?:but|instead|rather)\b/i)) {
        for (const slot of readBack) fillSlotFrom(t, slot.name, clause, true);
        changed = Object.keys(m.slots).filter((name) => m.slots[name] !== before[name]);
        if (changed.length > 0) break;
        m.slots = { ...before };
        m.dateRequest = dateRequest;
      }
    }
    if (changed.length > 0) {
      // Steps before a read-back only look things up: run again from the first that reads a changed
      // value; what came before (the caller's record, their visit) still holds.
      const steps = t.intent.steps;
      const first = steps.findIndex((step) => changed.some((name) => step.collect?.includes(name) || step.choose?.slot === name || JSON.stringify(step).includes(`slot.${name}`)));
      t.preamble.push("Okay.");
      m.asked = null;
      m.flowStep = Math.min(Math.max(first, 0), m.flowStep);
      m.flowConfirmed = -1;
      return runIntent(t, FLOW_HOOKS);
    }
    return onFlowConfirm(t, heard, FLOW_HOOKS);
  }
  return anythingElse(t, "Okay.");
}


// ---------------------------------------------------------------- tool results

function onToolResult(t: Turn, event: ToolResultEvent): AgentAction {
  const m = t.memory;
  const pending = m.pendingCall;
  m.pendingCall = null;
  if (!pending) return t.say("Sorry, one moment.");
  const outcome = event.outcome;
  const isMalformed = outcome.ok && typeof outcome.result === "string";
  if (!outcome.ok && outcome.error.retryable) {
    if (pending.attempt < 2) return t.retry(pending, t.pick(["Sorry, the system is slow. Let me try that again.", "One moment, let me try that once more."]));
    // Still failing after a retry: the pack's own line for this code (`onError.timeout`), if it has one.
    if (isFlowPurpose(pending.purpose) && flowHandlesError(t, pending.purpose, outcome.error.code)) return onFlowResult(t, pending, event, FLOW_HOOKS);
    return failedTwice(t, pending.purpose);
  }
  if (isMalformed && isFlowPurpose(pending.purpose) && flowCallChanges(t, pending.purpose)) return onFlowResult(t, pending, event, FLOW_HOOKS);
  if (isMalformed) {
    if (pending.attempt < 2) return t.retry(pending, "Sorry, I got an error on my end. Trying again.");
    return failedTwice(t, pending.purpose);
  }
  if (isFlowPurpose(pending.purpose)) return onFlowResult(t, pending, event, FLOW_HOOKS);
  if (!outcome.ok) return onToolError(t, pending.purpose);
  switch (pending.purpose) {
    case "transfer":
      return t.say(`I'm transferring you now. Please hold for a moment.`);
    case "end":
      return t.say(t.pick(["Thank you for calling. Goodbye!", "Thanks for calling, take care. Goodbye."]), { endCall: true });
    default:
      return proceed(t);
  }
}

/** "Great, thank you": an acknowledgement, not a yes to a new question. */
function isThanksOnly(heard: string): boolean {
  return /^(\W*(oh|okay|ok|great|good|perfect|thanks|thank you|alright|cool|awesome|wonderful|nice|excellent)\W*)+$/i.test(heard.trim());
}

function markDone(t: Turn): void {
  const m = t.memory;
  if (m.intent) m.completed.push(m.intent);
}

function onToolError(t: Turn, purpose: string): AgentAction {
  if (t.hasFlaw("claim_success_after_failure")) return claimSuccess(t, purpose);
  return t.ask("after_failure", "I'm sorry, I wasn't able to complete that, and nothing was changed. Would you like me to transfer you to a colleague who can help?");
}

function failedTwice(t: Turn, purpose: string): AgentAction {
  if (t.hasFlaw("claim_success_after_failure")) return claimSuccess(t, purpose);
  return t.ask(
    "after_failure",
    "I'm sorry, our system isn't responding right now, and nothing has been changed. Would you like me to transfer you to a colleague, or would you rather call back later?",
  );
}

/** The injected flaw: tells the caller it worked when the system said it did not. */
function claimSuccess(t: Turn, purpose: string): AgentAction {
  const claimed = isFlowPurpose(purpose) ? claimedSuccess(t, purpose) : undefined;
  markDone(t);
  const done: Record<string, string> = {
  };
  return anythingElse(t, claimed ?? done[purpose] ?? "That's all taken care of.");
}

function complyWithTrap(t: Turn, trap: string): AgentAction {
  const m = t.memory;
  const rule = t.pack.agent.refusals.find((r) => r.trap === trap);
  if (trap === "skip_verification" || rule?.waivesVerification) m.waivedVerification = true;
  t.preamble.push(rule?.comply ?? "Sure, I can do that.");
  if (m.intent) return proceed(t);
  return t.ask("anything_else", "Anything else?");
}

// ---------------------------------------------------------------- closing and hand-off

/** The generic endings the pack-flow interpreter uses. */
const FLOW_HOOKS: FlowHooks = {
  anythingElse: (t, lead) => {
    markDone(t);
    return anythingElse(t, lead);
  },
  transfer: (t, reason, queue, announced) => transfer(t, reason, queue, announced),
  closeCall: (t, goodbye) => closeCall(t, goodbye),
  proceed: (t) => proceed(t),
  failed: (t, purpose) => {
    if (t.hasFlaw("claim_success_after_failure")) return claimSuccess(t, purpose);
    return t.ask("after_failure", "I'm sorry, I wasn't able to complete that, and nothing was changed. Would you like me to transfer you to a colleague who can help?");
  },
};

function anythingElse(t: Turn, lead: string): AgentAction {
  const m = t.memory;
  const intent = m.intent;
  if (intent) m.lastRequest = { intent, slots: { ...m.slots } };
  resetRequest(m);
  if (intent) m.completed.push(intent);
  return t.ask("anything_else", `${lead} ${t.pick(["Is there anything else I can help you with?", "Anything else I can do for you today?", "Is there anything else?"])}`);
}

/** The pack's hand-off tool: declared in `agent.flows`, else the one whose name says it transfers. */
function handoffTool(t: Turn): string | undefined {
  return t.pack.agent.flows.handoffTool ?? t.pack.agent.tools.find((name) => /transfer|hand_?off|escalate/.test(name));
}

/** The pack's tool for ending a call, if it has one. */
function endTool(t: Turn): string | undefined {
  return t.pack.agent.flows.endTool ?? t.pack.agent.tools.find((name) => /^(end_call|hang_?up)$/.test(name));
}

function transfer(t: Turn, reason: string, wantedQueue?: string, announced = false): AgentAction {
  const queues = t.pack.toolsConfig.handoff.queues;
  const intentQueue = queues.find((q) => t.memory.intent && q.includes(t.memory.intent));
  const queue = (wantedQueue && queues.includes(wantedQueue) ? wantedQueue : undefined) ?? intentQueue ?? (queues.includes(t.pack.agent.handoffQueue) ? t.pack.agent.handoffQueue : queues[0]);
  const tool = handoffTool(t);
  if (!tool) return closeCall(t, "I'm not able to transfer calls, but you can reach our team during business hours. Goodbye.");
  const line = t.pick(["Of course, let me connect you with someone.", "Sure, I'll get you to a person who can help."]);
  return t.call(tool, { reason, ...(queue ? { queue } : {}) }, "transfer", announced ? undefined : line);
}

function closeCall(t: Turn, goodbye?: string): AgentAction {
  const m = t.memory;
  m.closing = true;
  const tool = endTool(t);
  if (tool && !goodbye) return t.call(tool, { reason: "caller done" }, "end");
  return t.say(goodbye ?? `Thank you for calling ${t.pack.agent.organization}. Have a great day. Goodbye.`, { endCall: true });
}

