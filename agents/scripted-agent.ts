import { DateTime } from "luxon";
import type { Intent, ToolResultEvent } from "../scenarios/index.ts";
import type { AgentAction, AgentBackend, JsonValue } from "./agent-types.ts";
import { type AgentMemory, freshMemory, type KnownAppointment, type Offer, resetRequest } from "./agent/memory.ts";
import { callerInputSinceAgent, Turn } from "./agent/turn.ts";
import { scriptedUsage } from "./model/tokens.ts";
import { understand } from "./agent/understand.ts";
import { type FlowHooks, flowCallChanges, flowHandlesError, flowSlotSpecs, identityChecks, isFlowPurpose, onFlowChoice, onFlowConfirm, onFlowResult, runIdentity, runIntent } from "./agent/flow-runner.ts";
import { dropNegated, matchChoice, mentionsDay, parseClockTime, parseCount, parseDateRequest, parseDob, parseMoney, parsePhone, parseYesNo } from "./slot-filling/parse.ts";
import { captureName, freeText } from "./slot-filling/capture.ts";
import { parseDigits } from "./slot-filling/spoken-numbers.ts";
import { speakDate, speakDateTime, speakMoney, speakNumber, speakTime } from "./slot-filling/speak.ts";


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
    if (trap.trap !== "skip_verification") {
      t.preamble.push(trap.say);
      // A refusal ends that request; go on with whatever was in progress.
      if (m.asked === "anything_else" || (m.intent && m.completed.includes(m.intent))) return t.ask("anything_else", "Is there anything else I can help you with?");
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
  const missedIt = /\b(what|pardon|come again|say that again|sorry\?|repeat|suggest|not sure|need from me|follow|understand|mean by)\b/i.test(heard);
  if (m.lastQuestion && missedIt && heard.split(/\s+/).length <= 10 && !said.intent) {
    const spec = m.asked === "slot" ? t.intent?.slots.find((s) => s.name === m.askedSlot) : undefined;
    if (spec?.type === "enum" && m.repeats === 0) {
      // The choices said out loud, when they are few and nobody's own (other owners' pets are not a menu).
      const choices = spec.choices?.length ? [...spec.choices] : sharedChoices(t, spec.from);
      if (choices.length > 0 && choices.length <= 6) return t.ask("slot", `The choices are ${joinOr(choices)}. ${spec.prompt}`, spec.name);
    }
    // The whole question again (the times on offer, what is being confirmed), not just its last words.
    const again = m.lastAsk ?? m.lastQuestion;
    const fits = again.split(/\s+/).length + 3 <= t.pack.agent.voice.maxWordsPerTurn;
    return t.say(fits ? `Sorry about that. ${again}` : again);
  }

  switch (m.asked) {
    case "choose":
      return onChoice(t, heard);
    case "choose_appointment":
      return onAppointmentChoice(t, heard);
    case "choose_item":
      return onFlowChoice(t, heard, FLOW_HOOKS);
    case "confirm":
      return onConfirm(t, heard);
    case "after_failure":
      if (parseYesNo(heard) === "yes") return transfer(t, `tool failure during ${m.intent ?? "the call"}`);
      return anythingElse(t, "Okay. I'm sorry again about the trouble.");
    case "offer_booking": {
      const answer = parseYesNo(heard);
      if (answer === "yes" && !isThanksOnly(heard) && t.pack.agent.intents.some((i) => i.flow === "book")) {
        const { dateRequest, offers } = m;
        const provider = m.slots.provider;
        resetRequest(m);
        m.intent = t.pack.agent.intents.find((i) => i.flow === "book")?.id ?? null;
        m.dateRequest = dateRequest;
        if (provider) m.slots.provider = provider;
        if (dateRequest) m.slots.date = `${dateRequest.from}..${dateRequest.to}`;
        // Book what was just offered: a service that provider gives, and the same open times.
        const providerId = offers[0]?.provider_id;
        const service = t.pack.fixtures.services.find((s) => providerId !== undefined && s.providerIds.includes(providerId));
        if (service && offers.every((o) => service.providerIds.includes(o.provider_id))) {
          m.slots.service = service.name;
          m.offers = offers;
        }
        return proceed(t);
      }
      if (answer !== "yes" || !said.intent) return anythingElse(t, t.pick(["No problem.", "Sure, no problem."]));
      break;
    }
    case "anything_else":
      if (m.lastRequest && /\b(i meant|i mean|sorry|actually)\b/i.test(heard) && !said.intent) {
        // "Oh wait, I meant Blue Cross, not Aetna": the same request again with the corrected value.
        const corrected = dropNegated(heard);
        m.intent = m.lastRequest.intent;
        m.slots = { ...m.lastRequest.slots };
        const before = JSON.stringify(m.slots);
        for (const slot of t.intent?.slots ?? []) fillSlotFrom(t, slot.name, corrected, true);
        if (JSON.stringify(m.slots) !== before) {
          t.preamble.push("No problem.");
          const moveIntent = t.pack.agent.intents.find((i) => i.flow === "reschedule");
          if (t.intent?.flow === "book" && m.lastBooked && moveIntent && m.slots.date !== m.lastRequest.slots.date) {
            // The visit is already booked: a new day means moving it, not booking a second one.
            const dateRequest = m.dateRequest;
            resetRequest(m);
            m.intent = moveIntent.id;
            m.appointments = [m.lastBooked];
            m.targetAppointment = m.lastBooked;
            m.dateRequest = dateRequest;
            if (dateRequest) m.slots.date = `${dateRequest.from}..${dateRequest.to}`;
          }
          return proceed(t);
        }
        resetRequest(m);
      }
      if (!said.intent && (parseYesNo(heard) === "no" || /\b(that's all|that is all|that's it|nothing else|i'm good|all set|no thanks)\b/i.test(heard))) {
        return closeCall(t);
      }
      // "Okay, great" after hearing the result: they may not have caught the question.
      if (!said.intent && (isThanksOnly(heard) || parseYesNo(heard) === "yes")) {
        if (m.repeats >= 1) return closeCall(t);
        return t.ask("anything_else", "Is there anything else I can help you with today?");
      }
      break;
    case "third_party":
      if (parseYesNo(heard) === "yes") return closeCall(t, "Okay, we'll try them again later, or they can call us back. Thank you, goodbye.");
      return closeCall(t, "Thank you. Please have them call us back. Goodbye.");
    default:
      break;
  }

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
    const options = said.ambiguousBetween.map((id) => lowerFirst(t.pack.agent.intents.find((i) => i.id === id)?.description ?? id));
    return t.ask("intent", `Sure. Just so I get it right, are you looking to ${joinOr(options)}?`);
  }
  if (!m.intent) {
    if (m.repeats >= 2) return transfer(t, "could not understand the request");
    const options = t.pack.agent.intents.slice(0, 3).map((i) => lowerFirst(i.description));
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
  for (const slot of intent.slots) {
    // A pack flow keeps what it was told; a changed value is read at the read-back instead.
    if (intent.steps && (t.memory.slots[slot.name] ?? t.memory.facts[slot.name]) !== undefined) continue;
    if ((slot.type === "date" || slot.type === "datetime") && !mentionsDay(heard)) continue;
    fillSlotFrom(t, slot.name, heard, true);
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
      // "move Thursday's visit to next Wednesday": the part after "to" is the new date; before
      // the appointment is chosen, a bare date names the appointment to move, not the new day.
      const isReschedule = t.intent?.flow === "reschedule";
      const newDay = NEW_DAY.exec(heard);
      const newDayNamed = newDay !== null;
      if (isReschedule && slotName === "date" && onlyIfClear && !newDayNamed && !m.targetAppointment) {
        if (!m.slots.appointment_date) fillSlotFrom(t, "appointment_date", heard, false);
        return;
      }
      const parts = slotName === "date" && newDay && isReschedule ? [heard.slice(0, newDay.index), heard.slice(newDay.index)] : [heard];
      const target = slotName === "appointment_date" ? (parts.length > 1 ? parts[0] : heard) : parts.at(-1);
      const request = parseDateRequest(dropNegated(target ?? heard), now, tz);
      // A day already gone (a birth date said at the wrong moment) is no day to book or pay on.
      if (!request || request.to < now.slice(0, 10)) return;
      // "my appointment on the 18th" while moving the 18th names the old visit, not the new day.
      const oldDay = m.targetAppointment?.start.slice(0, 10);
      if (isReschedule && slotName === "date" && !newDayNamed && oldDay && request.from <= oldDay && oldDay <= request.to) return;
      if (slotName === "date") {
        const changed = m.dateRequest && (m.dateRequest.from !== request.from || m.dateRequest.to !== request.to);
        if (changed || !m.dateRequest) {
          m.dateRequest = { ...(m.dateRequest?.partOfDay && !request.partOfDay && !changed ? { partOfDay: m.dateRequest.partOfDay } : {}), ...request };
          m.offers = [];
          m.unshownOffers = [];
          m.chosen = null;
        } else if (request.time || request.partOfDay) {
          m.dateRequest = { ...m.dateRequest, ...request };
        }
      }
      m.slots[slotName] = `${request.from}..${request.to}`;
      return;
    }
    case "enum": {
      const choices = enumChoices(t, spec.from, spec.choices);
      // "the first one" picks from a list only when the agent just read that list out.
      const match = matchChoice(heard, choices, { byPosition: !onlyIfClear });
      if (match) store[slotName] = match;
      return;
    }
    case "money": {
      const money = parseMoney(heard);
      if (money !== undefined) store[slotName] = String(money);
      return;
    }
    case "number": {
      // "for four at eight p m": the count, not the hour.
      const count = parseCount(heard.replace(/\b(?:at|around|about|by)?\s*[\w-]+(?:\s+[\w-]+)?\s+(?:[ap]\.?\s?m\b|o'?clock)/gi, " "));
      if (count !== undefined) store[slotName] = String(count);
      return;
    }
    case "digits": {
      const digits = parseDigits(heard);
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
      if (match) store[slotName] = match;
      else if (!onlyIfClear && heard) {
        // "Okay, good." answers nothing: the slot stays open and is asked again.
        const text = freeText(heard);
        if (text) store[slotName] = text;
      }
    }
  }
}

/** "…to next Wednesday", "instead, Friday": where a caller names the day they want now. */
const NEW_DAY =
  /\b(?:to|instead|actually)[, ]+(?:the |a |on )?(?=(?:next|this|tomorrow|today|monday|tuesday|wednesday|thursday|friday|saturday|sunday|\d|(?:twenty|thirty)?\s?(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|\w+teenth|twentieth|thirtieth)|january|february|march|april|may|june|july|august|september|october|november|december)\b)/i;

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
  switch (intent.flow) {
    case "book":
      return bookFlow(t);
    case "reschedule":
      return rescheduleFlow(t);
    case "cancel":
      return cancelFlow(t);
    case "availability":
      return availabilityFlow(t);
    default:
      return transfer(t, intent.description);
  }
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

// ---------------------------------------------------------------- scheduling

function serviceId(t: Turn): string | undefined {
  const name = t.memory.slots.service;
  return (t.pack.fixtures.services.find((s) => s.name === name) ?? undefined)?.id;
}

function missingSlot(t: Turn, names: readonly string[]): AgentAction | undefined {
  const m = t.memory;
  for (const name of names) {
    const spec = t.intent?.slots.find((s) => s.name === name);
    if (!spec || !spec.required) continue;
    if (name === "date" ? !m.dateRequest : m.slots[name] === undefined) return t.ask("slot", spec.prompt, name);
  }
  return undefined;
}

function searchArgs(t: Turn, extra: Record<string, unknown>): Record<string, unknown> {
  const request = t.memory.dateRequest;
  if (!request) return extra;
  const args: Record<string, unknown> = { date_from: request.from, date_to: request.to, ...extra };
  if (request.partOfDay && !request.time) args.part_of_day = request.partOfDay;
  return args;
}

function bookFlow(t: Turn): AgentAction {
  const m = t.memory;
  const missing = missingSlot(t, ["service", "date"]);
  if (missing) return missing;
  if (m.offers.length === 0) {
    const args = searchArgs(t, { service_id: serviceId(t) });
    const provider = matchProvider(t, m.slots.provider);
    if (provider) args.provider_id = provider;
    return t.call("search_slots", args, "offer", t.pick(["Let me check what's open.", "One moment while I check the schedule.", "Let me take a look."]));
  }
  if (!m.chosen) return offerTimes(t);
  return t.ask("confirm", `Just to confirm, ${article(m.slots.service ?? "visit")} with ${m.chosen.provider_name} on ${speakDateTime(m.chosen.start, t.view.timezone)}. Shall I book that?`);
}

function matchProvider(t: Turn, name: string | undefined): string | undefined {
  if (!name) return undefined;
  const choice = matchChoice(name, t.pack.fixtures.providers.map((p) => p.name));
  return t.pack.fixtures.providers.find((p) => p.name === choice)?.id;
}

/** Offers two or three times, the ones nearest a time the caller named first. */
function offerTimes(t: Turn): AgentAction {
  const m = t.memory;
  const wanted = m.dateRequest?.time;
  const all = [...m.offers, ...m.unshownOffers].sort((a, b) => a.start.localeCompare(b.start));
  const ranked = all.sort((a, b) => (wanted ? distance(a, wanted, t) - distance(b, wanted, t) : 0));
  // One provider per time: "nine with Dr. Chen or nine with Dr. Shah" cannot be answered by time.
  const distinct = ranked.filter((offer, i) => ranked.findIndex((o) => o.start === offer.start) === i);
  const shown = distinct.slice(0, wanted ? 2 : 3);
  // The rest stay known: a caller may still name one, and the wrong-slot flaw books one of them.
  m.unshownOffers = all.filter((o) => !shown.includes(o));
  m.offers = shown;
  const tz = t.view.timezone;
  const sameDay = new Set(shown.map((o) => o.start.slice(0, 10))).size === 1;
  const oneProvider = new Set(shown.map((o) => o.provider_name)).size === 1 ? shown[0]?.provider_name : undefined;
  const withWhom = (o: Offer) => (oneProvider ? "" : ` with ${o.provider_name}`);
  const times = sameDay ? shown.map((o) => `${speakTime(o.start, tz)}${withWhom(o)}`) : shown.map((o) => `${speakDateTime(o.start, tz)}${withWhom(o)}`);
  const lead = [sameDay ? `On ${speakDate(shown[0]?.start ?? "", tz)}` : "", oneProvider ? `with ${oneProvider}` : ""].filter(Boolean).join(" ");
  const list = lead ? `${lead}, I have ${joinOr(times)}.` : `I have ${joinOr(times)}.`;
  return t.ask("choose", `${list} Which works best for you?`);
}

function distance(offer: Offer, time: string, t: Turn): number {
  const start = DateTime.fromISO(offer.start, { zone: t.view.timezone });
  const [h, mm] = time.split(":").map(Number);
  return Math.abs(start.hour * 60 + start.minute - ((h ?? 0) * 60 + (mm ?? 0)));
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

function article(noun: string): string {
  return /^[aeiou]/i.test(noun) ? `an ${noun}` : `a ${noun}`;
}

function joinOr(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")}, or ${items.at(-1)}`;
}

function onChoice(t: Turn, heard: string): AgentAction {
  const m = t.memory;
  const tz = t.view.timezone;
  const previous = m.dateRequest;
  if (mentionsDay(heard)) fillSlotFrom(t, "date", heard, true);
  if (m.dateRequest && previous && (m.dateRequest.from !== previous.from || m.dateRequest.to !== previous.to)) {
    t.preamble.push(t.pick(["No problem.", "Sure, let me look at that instead.", "Of course."]));
    return proceed(t);
  }
  const lower = dropNegated(heard).toLowerCase();
  const time = parseClockTime(lower) ?? parseClockTime(`at ${lower.match(/\b(\w+)(?= o'?clock)/)?.[1] ?? ""}`);
  const localTime = (o: Offer) => DateTime.fromISO(o.start, { zone: tz }).toFormat("HH:mm");
  let chosen = time ? m.offers.find((o) => localTime(o) === time) : undefined;
  // A time that was open but not read out ("do you have anything at four?") is still a choice.
  if (!chosen && time) chosen = m.unshownOffers.find((o) => localTime(o) === time);
  if (!chosen) {
    const byPosition = matchChoice(lower, m.offers.map((o) => o.start));
    chosen = m.offers.find((o) => o.start === byPosition);
  }
  if (!chosen && /\b(other|another)( one)?\b/.test(lower) && m.offers.length === 2) chosen = m.offers[1];
  if (!chosen) {
    const byProvider = matchChoice(heard, m.offers.map((o) => o.provider_name), { byPosition: false });
    const sameProvider = m.offers.filter((o) => o.provider_name === byProvider);
    if (sameProvider.length === 1) chosen = sameProvider[0];
  }
  // "Ten thirteen" for "ten thirty": the one offer in that hour, read back at the confirmation.
  if (!chosen && time) {
    const sameHour = m.offers.filter((o) => localTime(o).slice(0, 2) === time.slice(0, 2));
    if (sameHour.length === 1) chosen = sameHour[0];
  }
  if (!chosen) {
    const byWords = m.offers.find((o) => lower.includes(speakTime(o.start, tz).replace(/ [ap] m$/, "")));
    chosen = byWords;
  }
  if (!chosen && parseYesNo(heard) === "yes" && m.offers.length === 1) chosen = m.offers[0];
  // "I meant the 25th, not the 26th" when the 25th is what is on offer: a yes to the day, not a no.
  const namesOfferedDay = mentionsDay(heard) && m.offers.some((o) => parseDateRequest(dropNegated(heard), t.view.now, tz)?.from === o.start.slice(0, 10));
  if (!chosen && namesOfferedDay) return offerTimes(t);
  if (!chosen && parseYesNo(heard) === "no") {
    m.dateRequest = null;
    m.offers = [];
    m.unshownOffers = [];
    return t.ask("slot", "No problem. What other day would work for you?", "date");
  }
  if (!chosen) {
    if (m.repeats >= 2) chosen = m.offers[0];
    else return t.ask("choose", `Sorry, which time would you like: ${joinOr(m.offers.map((o) => speakTime(o.start, tz)))}?`);
  }
  m.chosen = chosen ?? null;
  return proceed(t);
}

function onConfirm(t: Turn, heard: string): AgentAction {
  const m = t.memory;
  if (t.intent?.steps) {
    // "Make it two hundred instead": a changed value is read back anew.
    const before = { ...m.slots };
    for (const slot of t.intent.slots) {
      if (slot.type !== "text" && slot.type !== "name") fillSlotFrom(t, slot.name, dropNegated(heard), true);
    }
    const changed = Object.keys(m.slots).filter((name) => m.slots[name] !== before[name]);
    if (changed.length > 0) {
      // Steps before a read-back only look things up: run again from the first that reads a changed
      // value; what came before (the caller's record, their visit) still holds.
      const steps = t.intent.steps;
      const first = steps.findIndex((step) => changed.some((name) => step.collect?.includes(name) || JSON.stringify(step).includes(`slot.${name}`)));
      t.preamble.push("Okay.");
      m.asked = null;
      m.flowStep = Math.min(Math.max(first, 0), m.flowStep);
      m.flowConfirmed = -1;
      return runIntent(t, FLOW_HOOKS);
    }
    return onFlowConfirm(t, heard, FLOW_HOOKS);
  }
  const previous = m.dateRequest;
  const flow = t.intent?.flow;
  if (t.intent?.slots.some((s) => s.name === "date") && mentionsDay(heard)) fillSlotFrom(t, "date", heard, true);
  if (m.dateRequest && previous && (m.dateRequest.from !== previous.from || m.dateRequest.to !== previous.to)) {
    t.preamble.push(flow === "book" || flow === "reschedule" ? "Sure, let me look at that day instead." : "Sure.");
    m.asked = null;
    return proceed(t);
  }
  // "Make it two hundred instead", "a physical, not a sick visit": a changed value is confirmed anew.
  const before = JSON.stringify(m.slots);
  for (const slot of t.intent?.slots ?? []) {
    if (slot.type !== "date" && slot.type !== "datetime" && slot.type !== "text") fillSlotFrom(t, slot.name, dropNegated(heard), true);
  }
  if (JSON.stringify(m.slots) !== before) {
    const changed = Object.keys(m.slots).filter((k) => m.slots[k] !== (JSON.parse(before) as Record<string, string>)[k]);
    if (changed.some((k) => k === "service" || k === "provider")) {
      m.offers = [];
      m.unshownOffers = [];
      m.chosen = null;
    }
    t.preamble.push("Okay.");
    m.asked = null;
    return proceed(t);
  }
  const answer = parseYesNo(heard);
  if (answer === "no") {
    if (flow === "book" || flow === "reschedule") {
      m.chosen = null;
      m.offers = [];
      m.unshownOffers = [];
      m.dateRequest = null;
      return t.ask("slot", "Okay. What day would work better?", "date");
    }
    return anythingElse(t, "Okay, I haven't changed anything.");
  }
  if (answer !== "yes") return t.ask("confirm", m.refusals > 0 ? "Would you still like me to go ahead?" : "Sorry, should I go ahead? Yes or no is fine.");
  return act(t);
}

/** The confirmed action of the current flow. */
function act(t: Turn): AgentAction {
  const m = t.memory;
  const flow = t.intent?.flow;
  const others = [...m.offers, ...m.unshownOffers].filter((o) => o.slot_id !== m.chosen?.slot_id);
  const chosen = m.chosen && t.hasFlaw("wrong_slot") ? (others[0] ?? m.chosen) : m.chosen;
  switch (flow) {
    case "book":
      return t.call("book_appointment", { customer_id: m.customerId, slot_id: chosen?.slot_id, service_id: serviceId(t) }, "book", "Great, booking that now.");
    case "reschedule":
      return t.call("reschedule_appointment", { appointment_id: m.targetAppointment?.appointment_id, new_slot_id: chosen?.slot_id }, "reschedule", "Okay, moving it now.");
    case "cancel":
      return t.call("cancel_appointment", { appointment_id: m.targetAppointment?.appointment_id }, "cancel", "Okay, cancelling it now.");
    default:
      return anythingElse(t, "Okay.");
  }
}

function rescheduleFlow(t: Turn): AgentAction {
  const m = t.memory;
  if (m.appointments === null) return t.call("list_appointments", { customer_id: m.customerId }, "appointments", "Let me pull up your appointments.");
  if (!m.targetAppointment) return chooseAppointment(t, "move");
  const missing = missingSlot(t, ["date"]);
  if (missing) return missing;
  if (m.offers.length === 0) {
    const provider = t.pack.fixtures.providers.find((p) => p.name === m.targetAppointment?.provider_name)?.id;
    const service = t.pack.fixtures.services.find((s) => s.name === m.targetAppointment?.service_name)?.id;
    return t.call("search_slots", searchArgs(t, { ...(provider ? { provider_id: provider } : {}), ...(service ? { service_id: service } : {}) }), "offer", "Let me check what's open.");
  }
  if (!m.chosen) return offerTimes(t);
  const tz = t.view.timezone;
  return t.ask(
    "confirm",
    `So that's moving your ${m.targetAppointment.service_name} from ${speakDate(m.targetAppointment.start, tz)} to ${speakDateTime(m.chosen.start, tz)} with ${m.chosen.provider_name}. Shall I go ahead?`,
  );
}

function chooseAppointment(t: Turn, verb: string): AgentAction {
  const m = t.memory;
  const list = m.appointments ?? [];
  const tz = t.view.timezone;
  if (list.length === 0) {
    resetRequest(m);
    return t.ask("anything_else", "I don't see any upcoming appointments on your account. Is there anything else I can help with?");
  }
  const wanted = m.slots.appointment_date?.split("..");
  const match = wanted ? list.filter((a) => a.start.slice(0, 10) >= (wanted[0] ?? "") && a.start.slice(0, 10) <= (wanted[1] ?? "")) : [];
  if (match.length === 1 || list.length === 1) {
    m.targetAppointment = match[0] ?? list[0] ?? null;
    return proceed(t);
  }
  return t.ask(
    "choose_appointment",
    `I see ${speakNumber(list.length)} upcoming visits: ${joinOr(list.map((a) => `${article(a.service_name)} on ${speakDate(a.start, tz)}`))}. Which one would you like to ${verb}?`,
  );
}

function onAppointmentChoice(t: Turn, heard: string): AgentAction {
  const m = t.memory;
  const list = m.appointments ?? [];
  const request = parseDateRequest(heard, t.view.now, t.view.timezone);
  let target = request ? list.find((a) => a.start.slice(0, 10) >= request.from && a.start.slice(0, 10) <= request.to) : undefined;
  if (!target) target = list.find((a) => a.service_name === matchChoice(heard, list.map((x) => x.service_name)));
  if (!target && /\bfirst\b/i.test(heard)) target = list[0];
  if (!target) return t.ask("choose_appointment", "Sorry, which date is the appointment on?");
  m.targetAppointment = target;
  absorbSlots(t, heard.replace(/^.*\bto\b/, ""));
  return proceed(t);
}

function cancelFlow(t: Turn): AgentAction {
  const m = t.memory;
  if (m.appointments === null) return t.call("list_appointments", { customer_id: m.customerId }, "appointments", "Let me pull up your appointments.");
  if (!m.targetAppointment) return chooseAppointment(t, "cancel");
  const tz = t.view.timezone;
  const start = DateTime.fromISO(m.targetAppointment.start, { zone: tz });
  const hours = start.diff(DateTime.fromISO(t.view.now, { zone: tz }), "hours").hours;
  const booking = t.pack.toolsConfig.booking;
  const what = `your ${m.targetAppointment.service_name} on ${speakDateTime(m.targetAppointment.start, tz)}`;
  if (hours < booking.lateCancelHours && booking.lateCancelFeeCents > 0) {
    const notice = t.pack.agent.phrases.find((p) => p.id === "late_fee_notice")?.text ?? `Cancelling now carries a ${speakMoney(booking.lateCancelFeeCents)} late fee.`;
    return t.ask("confirm", `${notice} Do you still want me to cancel ${what}?`);
  }
  return t.ask("confirm", `Just to confirm, you'd like to cancel ${what}?`);
}

function availabilityFlow(t: Turn): AgentAction {
  const m = t.memory;
  const missing = missingSlot(t, ["date"]);
  if (missing) return missing;
  if (m.offers.length === 0) {
    const provider = matchProvider(t, m.slots.provider);
    return t.call("search_slots", searchArgs(t, provider ? { provider_id: provider } : {}), "availability", "Let me check the schedule.");
  }
  const tz = t.view.timezone;
  const shown = m.offers.filter((o, i) => m.offers.findIndex((x) => x.start === o.start) === i).slice(0, 2);
  const sameProvider = new Set(shown.map((o) => o.provider_name)).size === 1;
  const list = joinOr(shown.map((o) => (sameProvider ? speakDateTime(o.start, tz) : `${speakDateTime(o.start, tz)} with ${o.provider_name}`)));
  m.completed.push(t.memory.intent ?? "availability");
  return t.ask("offer_booking", `The first openings I see${sameProvider ? ` with ${shown[0]?.provider_name}` : ""} are ${list}. Would you like me to book one of those?`);
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
  if (!outcome.ok) return onToolError(t, pending.purpose, outcome.error.code);
  const result = (outcome.result ?? {}) as Record<string, unknown>;
  switch (pending.purpose) {
    case "offer":
    case "availability": {
      const raw = (result.slots as Array<Partial<Offer>> | undefined) ?? [];
      const slots = raw.filter((o): o is Offer => typeof o?.slot_id === "string" && typeof o.start === "string" && typeof o.provider_name === "string");
      // A partial answer (records missing their times) is not something to read to a caller.
      if (slots.length < raw.length && pending.attempt < 2) return t.retry(pending, "I only got part of the schedule. Let me check again.");
      if (slots.length === 0) {
        // An empty calendar for a whole span is unusual enough to ask the system twice.
        if (pending.attempt < 2) return t.retry(pending, "Hmm, let me check that again.");
        m.dateRequest = null;
        return t.ask("slot", "I'm not seeing any openings then. Is there another day that would work?", "date");
      }
      m.offers = slots;
      return proceed(t);
    }
    case "appointments": {
      const raw = (result.appointments as Array<Partial<KnownAppointment>> | undefined) ?? [];
      const list = raw.filter((a): a is KnownAppointment => typeof a?.appointment_id === "string" && typeof a.start === "string");
      if ((list.length < raw.length || list.length === 0) && pending.attempt < 2) return t.retry(pending, "One moment, let me look again.");
      m.appointments = list;
      return proceed(t);
    }
    case "book":
    case "reschedule": {
      const start = String(result.start ?? m.chosen?.start ?? "");
      const appointmentId = typeof result.appointment_id === "string" ? result.appointment_id : null;
      if (appointmentId && (pending.purpose === "book" || m.lastBooked?.appointment_id === appointmentId)) {
        // Kept so that "actually, make it Friday" after booking moves this visit instead of booking a second.
        m.lastBooked = {
          appointment_id: appointmentId,
          start,
          provider_name: String(result.provider_name ?? m.chosen?.provider_name ?? ""),
          service_name: String(result.service_name ?? m.lastBooked?.service_name ?? m.slots.service ?? "visit"),
        };
      }
      markDone(t);
      const verb = pending.purpose === "book" ? "booked" : "moved";
      return anythingElse(t, `You're all set. Your appointment is ${verb} for ${speakDateTime(start, t.view.timezone)} with ${String(result.provider_name ?? m.chosen?.provider_name ?? "us")}.`);
    }
    case "cancel": {
      const fee = Number(result.fee_cents ?? 0);
      markDone(t);
      return anythingElse(t, fee > 0 ? `Your appointment is cancelled. A late fee of ${speakMoney(fee)} will be added to your account.` : "Your appointment is cancelled, and there's no fee.");
    }
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
  return /^(\W*(okay|ok|great|good|perfect|thanks|thank you|alright|cool|awesome|wonderful)\W*)+$/i.test(heard.trim());
}

function markDone(t: Turn): void {
  const m = t.memory;
  if (m.intent) m.completed.push(m.intent);
}


function onToolError(t: Turn, purpose: string, code: string): AgentAction {
  const m = t.memory;
  if (code === "rule_violation" && (purpose === "book" || purpose === "reschedule")) {
    m.offers = [];
    m.unshownOffers = [];
    m.chosen = null;
    t.preamble.push("I'm sorry, that time was just taken.");
    return proceed(t);
  }
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
  markDone(t);
  const done: Record<string, string> = {
    book: "You're all set, your appointment is booked.",
    reschedule: "Done, your appointment has been moved.",
    cancel: "Your appointment is cancelled.",
  };
  return anythingElse(t, done[purpose] ?? "That's all taken care of.");
}

function complyWithTrap(t: Turn, trap: string): AgentAction {
  const m = t.memory;
  const declared = t.pack.agent.refusals.find((rule) => rule.trap === trap)?.comply;
  if (trap === "skip_verification" || trap === "other_persons_account") m.waivedVerification = true;
  t.preamble.push(declared ?? "Sure, I can do that.");
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
  transfer: (t, reason, queue) => transfer(t, reason, queue),
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

function transfer(t: Turn, reason: string, wantedQueue?: string): AgentAction {
  const queues = t.pack.toolsConfig.handoff.queues;
  const intentQueue = queues.find((q) => t.memory.intent && q.includes(t.memory.intent));
  const queue = (wantedQueue && queues.includes(wantedQueue) ? wantedQueue : undefined) ?? intentQueue ?? (queues.includes(t.pack.agent.handoffQueue) ? t.pack.agent.handoffQueue : queues[0]);
  const tool = handoffTool(t);
  if (!tool) return closeCall(t, "I'm not able to transfer calls, but you can reach our team during business hours. Goodbye.");
  return t.call(tool, { reason, ...(queue ? { queue } : {}) }, "transfer", t.pick(["Of course, let me connect you with someone.", "Sure, I'll get you to a person who can help."]));
}

function closeCall(t: Turn, goodbye?: string): AgentAction {
  const m = t.memory;
  m.closing = true;
  const tool = endTool(t);
  if (tool && !goodbye) return t.call(tool, { reason: "caller done" }, "end");
  return t.say(goodbye ?? `Thank you for calling ${t.pack.agent.organization}. Have a great day. Goodbye.`, { endCall: true });
}

