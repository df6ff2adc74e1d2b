import type { Complication, ConversationEvent, Persona, Scenario, ScenarioPack, SlotSpec } from "../scenarios/index.ts";
import type { Rng } from "../tools/index.ts";
import type { CallerBackend, CallerTurn, CallerView, JsonValue } from "./agent-types.ts";
import { type CallerMemory, popAgenda, readMemory } from "./caller/memory.ts";
import { capitalise, inPersona, lowerFirst, type Mood } from "./caller/persona-voice.ts";
import { type AgentMove, IDENTITY_MOVES, offeredTimes, readAgent, readCutOff } from "./caller/read-agent.ts";
import { speakDigitsWords, speakDob, speakPhone, speakValue, spokenHour, timePhrase } from "./caller/spoken.ts";
import { askableSlots, askedSlot, goalIntent, isInformational, packMoves, packOpening, sayValue, saysLine } from "./caller/pack-wording.ts";
import { CLOSING_LINES, goalSentence, NO_PREFERENCE, reasonSentence, slotLine, trapLine, yesLines } from "./caller/templates.ts";
import { scriptedUsage } from "./model/tokens.ts";
import { valueFromTemplates } from "./slot-filling/from-template.ts";
import { parseCount } from "./slot-filling/parse.ts";
import { toAgentVoice, toCallerVoice } from "./slot-filling/person.ts";

/**
 * The offline caller: an agenda-based user simulator (Schatzmann et al. 2007) speaking in its
 * persona's style. It reads only what it heard of the agent (`callerHeard`), answers identity
 * questions from hidden facts only when asked, plays its scenario's complications at their
 * moment, and hangs up when its goal is settled, when its patience runs out, or when the agent
 * says goodbye or transfers it.
 */
export function createScriptedCaller(): CallerBackend {
  return {
    id: "scripted",
    async nextTurn(view, rng) {
      const memory = readMemory(view.memory, view.scenario);
      memory.turns++;
      const turn = takeTurn({ view, memory, rng });
      // Scripted speech costs no model call; its tokens are counted as if a model had said it,
      // so runs with scripted and model callers report comparable sizes.
      return { ...turn, memory: memory as unknown as JsonValue, usage: scriptedUsage(turn.utterance) };
    },
  };
}

type Reply = Omit<CallerTurn, "memory" | "usage">;

interface Caller {
  view: CallerView;
  memory: CallerMemory;
  rng: Rng;
}

type ComplicationOf<K extends Complication["kind"]> = Extract<Complication, { kind: K }>;

const persona = (c: Caller): Persona => c.view.persona;
const scenario = (c: Caller): Scenario => c.view.scenario;
const pack = (c: Caller): ScenarioPack => c.view.pack;

/** The first complication of a kind not yet played, with its index in the scenario. */
function pending<K extends Complication["kind"]>(c: Caller, kind: K): { index: number; value: ComplicationOf<K> } | undefined {
  const index = scenario(c).complications.findIndex((x, i) => x.kind === kind && !c.memory.played.includes(i));
  return index < 0 ? undefined : { index, value: scenario(c).complications[index] as ComplicationOf<K> };
}

function play(c: Caller, index: number): void {
  c.memory.played.push(index);
}

function say(c: Caller, core: string, options: { ack?: boolean; mood?: Mood } = {}): string {
  return inPersona(persona(c), c.rng, core, options);
}

const reply = (utterance: string, extra: Partial<Reply> = {}): Reply => ({ utterance, hangUp: false, ...extra });

function takeTurn(c: Caller): Reply {
  const m = c.memory;
  const heard = agentWordsSinceCaller(c.view.events);
  const wasCutOff = lastAgentTurnInterrupted(c.view.events);
  let moves = [...new Set([...readAgent(heard.text), ...packMoves(pack(c), scenario(c), heard.text)])];
  // A question in the pack's own words counts as a question too: "Sorry, I didn't catch that. What's
  // your pet's name?" asks for the name again, not for the last thing the caller said.
  const packQuestion = heard.text ? askedSlot(pack(c), scenario(c), heard.text) : undefined;
  const questions = [...moves.filter((mv) => mv.startsWith("ask_") && mv !== "ask_repeat"), ...(packQuestion ? [packQuestion.name] : [])];
  if (moves.includes("still_there") && questions.length === 0) moves = ["still_there", ...(m.lastMoves as AgentMove[])];
  else if (moves.includes("ask_repeat") && questions.length === 0) moves = [...((m.lastAnswered ? [m.lastAnswered] : m.lastMoves) as AgentMove[]), ...moves];
  else if (wasCutOff && questions.length === 0) moves = [...readCutOff(heard.text, pack(c).agent.verification.verifyBy, m.given as AgentMove[]), ...moves];
  if (heard.text && !(moves[0] === "still_there" && questions.length === 0)) {
    m.sameAgentTurns = heard.text === m.lastAgentText ? m.sameAgentTurns + 1 : 0;
    m.lastMoves = moves;
    m.lastAgentText = heard.text;
  }

  const result = respond(c, moves, wasCutOff);
  const answered = moves.find((mv) => (mv.startsWith("ask_") || mv === "offer_times") && mv !== "ask_repeat" && mv !== "ask_anything_else");
  m.lastAnswered = result.answered ? (answered ?? m.lastAnswered) : null;
  if (result.answered && answered && IDENTITY_MOVES.includes(answered) && !m.given.includes(answered)) m.given.push(answered);
  return result.reply;
}

/** The caller's reply, and whether it answered the agent's question (so a "repeat?" repeats it). */
function respond(c: Caller, moves: readonly AgentMove[], wasCutOff: boolean): { reply: Reply; answered: boolean } {
  const m = c.memory;
  const traits = persona(c).traits;
  const maxTurns = Math.round(8 + traits.patience * 22);
  const asks = (mv: AgentMove) => moves.includes(mv);
  const asksAnything = moves.some((mv) => mv.startsWith("ask_"));
  const done = (r: Reply) => ({ reply: r, answered: false });

  // A scheduled silence: the caller is looking for something, or the line dropped out.
  const silence = pending(c, "silence");
  if (silence && silence.value.atTurn <= m.turns && m.opened) {
    play(c, silence.index);
    return done({ utterance: "", silenceMs: silence.value.seconds * 1000, hangUp: false });
  }
  const pause = m.opened && c.rng.chance(persona(c).asr.silenceRate) ? c.rng.int(2500, 6000) : 0;
  const withPause = (r: Reply): Reply => (pause > 0 && !r.hangUp ? { ...r, silenceMs: pause } : r);

  if (m.opened && asks("goodbye") && !asksAnything) {
    return done({ utterance: c.rng.pick(["Bye.", "Thanks, bye.", "Okay, bye now."]), hangUp: true, hangUpReason: m.goalSettled ? "satisfied" : "gave_up" });
  }
  if (asks("transfer")) return done({ utterance: c.rng.pick(["Okay, thank you.", "Sure, I'll hold.", "Alright, thanks."]), hangUp: true, hangUpReason: "satisfied" });

  // An agent going round in circles, or a goal said again and again: the caller stops trying.
  if (!m.goalSettled && (m.restatements >= MAX_RESTATEMENTS || m.sameAgentTurns >= 3)) {
    return done({ utterance: say(c, c.rng.pick(["I'm not getting anywhere with this. I'll call back another time.", "This isn't working. I'll try again later. Bye."]), { ack: false }), hangUp: true, hangUpReason: "gave_up" });
  }

  const settlesNow = settles(c, moves);
  // The agent refused what the trap asks before the caller got to ask it (the opening said it):
  // it was asked and answered, so it is not raised again later.
  const unasked = pending(c, "refusal_trap");
  const unaskedRule = unasked && pack(c).agent.refusals.find((rule) => rule.trap === unasked.value.trap);
  if (unasked && unaskedRule && m.opened && saysLine(unaskedRule.say, m.lastAgentText)) play(c, unasked.index);
  const trapLeft = pending(c, "refusal_trap");
  // Settled and offered more help: the caller says goodbye, however long the call took.
  if ((m.goalSettled || settlesNow) && asks("ask_anything_else") && m.pendingCorrections.length === 0 && (!trapLeft || trapLeft.value.trap === "skip_verification")) {
    m.goalSettled = true;
    popAgenda(m, "close");
    return done({ utterance: say(c, c.rng.pick(CLOSING_LINES), { ack: false, mood: "close" }), hangUp: true, hangUpReason: "satisfied" });
  }
  if (m.turns > maxTurns) {
    if (m.goalSettled) return done({ utterance: say(c, "That's all I needed, thanks. Bye.", { ack: false }), hangUp: true, hangUpReason: "satisfied" });
    return done({ utterance: say(c, c.rng.pick(["Look, this is taking too long. I'll call back another time.", "I have to go. I'll try again later."]), { ack: false }), hangUp: true, hangUpReason: "gave_up" });
  }

  if (asks("third_party_refusal")) {
    const isThirdParty = m.revealedWrongPerson || persona(c).role === "third_party" || scenario(c).complications.some((x) => x.kind === "wrong_person");
    if (isThirdParty) {
      const trap = pending(c, "refusal_trap");
      if (trap) {
        play(c, trap.index);
        m.trapTurn = m.turns;
        return done(withPause(reply(say(c, trapLine(pack(c), trap.value.trap, trap.value.utterance), { ack: false }))));
      }
      return done({ utterance: c.rng.pick(["Okay, I'll let them know. Bye.", "Alright, I'll have them call. Thanks."]), hangUp: true, hangUpReason: "satisfied" });
    }
  }

  const wrongPerson = pending(c, "wrong_person");
  // Asked who they are, by the built-in questions or the pack's own identity prompts.
  const identityPrompt = askedSlot(pack(c), scenario(c), m.lastAgentText);
  const asksIdentity = moves.some((mv) => IDENTITY_MOVES.includes(mv)) || (identityPrompt !== undefined && pack(c).agent.verification.slots.some((slot) => slot.name === identityPrompt.name));
  if (wrongPerson && m.opened && asksIdentity) {
    play(c, wrongPerson.index);
    m.revealedWrongPerson = true;
    const holder = String(scenario(c).hiddenFacts.accountHolder ?? "the account holder");
    const { possessive, subject } = pronouns(wrongPerson.value.relation);
    return done(
      withPause(reply(say(c, `Oh, this isn't ${holder}. I'm ${possessive} ${wrongPerson.value.relation}. ${capitalise(subject)}${subject === "they" ? "'re" : "'s"} not home right now. What is this about?`, { ack: false }))),
    );
  }

  const human = pending(c, "request_human");
  if (human && m.opened && (human.value.atTurn === undefined || human.value.atTurn <= m.turns)) {
    play(c, human.index);
    return done(
      withPause(reply(say(c, c.rng.pick(["Can I just talk to a real person, please?", "Could you put me through to a representative?", "I'd rather speak to a person, if that's okay."]), { ack: false }))),
    );
  }

  if (!m.opened) {
    m.opened = true;
    return done(withPause(reply(opening(c))));
  }

  if (asks("failure")) m.failures++;
  if (m.failures > 1 + traits.patience * 3) {
    // Blaming the system only when the agent said the system failed, not when it found nothing.
    const systemFailed = readAgent(m.lastAgentText).includes("failure");
    const line = systemFailed ? "Forget it. I'll call back when your system is working." : c.rng.pick(["Forget it. I'll call back another time.", "Never mind, then. I'll try another time."]);
    return done({ utterance: say(c, line, { ack: false }), hangUp: true, hangUpReason: "gave_up" });
  }

  // Just refused what the trap asked: an uncooperative caller pushes once before letting it go.
  if ((asks("refusal") || asks("third_party_refusal")) && m.trapTurn > 0 && m.trapTurn === m.turns - 1 && m.trapPushes === 0 && traits.cooperativeness < 0.5) {
    m.trapPushes++;
    return done(withPause(reply(say(c, c.rng.pick(["Come on, really? You can't make an exception?", "Seriously? That's not fair.", "Can't you just do it this once?"]), { ack: false }))));
  }

  // A caller who gave a wrong value corrects it once they hear the agent act on it.
  if (m.pendingCorrections.length > 0 && (asks("success") || asks("ask_anything_else"))) {
    const fix = changeOfMind(c);
    if (fix) return done(withPause(fix));
  }
  if (settlesNow) {
    m.goalSettled = true;
    m.agenda = m.agenda.filter((item) => !item.startsWith("inform:"));
  }
  // "Are you looking to A, or B?": the caller picks the one that is its goal, in the agent's words.
  // The description is offered in the agent's voice ("cancel your membership") and said back in
  // the caller's ("cancel my membership"), however the pack wrote it.
  const wanted = goalIntent(pack(c), scenario(c))?.description.replace(/[.]$/, "");
  const offered = wanted ? lowerFirst(toAgentVoice(wanted)).toLowerCase() : "";
  if (asks("ask_how_can_i_help") && !m.goalSettled && wanted && / or /i.test(m.lastAgentText) && m.lastAgentText.toLowerCase().includes(offered)) {
    const mine = lowerFirst(toCallerVoice(wanted));
    return done(withPause(reply(say(c, c.rng.pick([`I'd like to ${mine}.`, `Yes, to ${mine}.`]), { ack: false }))));
  }
  if (asks("ask_how_can_i_help") && !m.goalSettled) return done(withPause(reply(say(c, restateGoal(c), { ack: false }))));

  const answer = answerQuestion(c, moves);
  if (answer) return { reply: withPause(answer), answered: true };

  if (asks("refusal") || asks("third_party_refusal")) {
    return done(withPause(reply(say(c, c.rng.pick(["Okay, fine. I understand.", "Alright, if that's the most you can do.", "Okay, I get it."]), { ack: false }))));
  }
  if (m.goalSettled && (settlesNow || moves.length === 0)) {
    return done(withPause(reply(say(c, c.rng.pick(["Great, thank you.", "Perfect, thanks.", "Okay, good.", "Oh, good."]), { ack: false }))));
  }
  if (asks("still_there")) return done(reply(c.rng.pick(["Yes, sorry, I'm here.", "Yes, I'm here.", "Sorry, yes."])));
  // The caller talked over the agent and missed the question: people say so.
  if (wasCutOff) return done(reply(say(c, c.rng.pick(["Sorry, go ahead.", "Sorry, I cut you off. What was that?", "Sorry, what was that?", "Oh, sorry, go on."]), { ack: false })));
  // The agent said something we cannot place: ask, or say again what we want, in other words.
  return done(withPause(reply(say(c, c.rng.pick(["Sorry, what do you need from me?", "I'm not sure I follow.", restateGoal(c)]), { ack: false }))));
}

/** Whether what the agent said settles the caller's goal: an action done, or (for a question) the answer. */
function settles(c: Caller, moves: readonly AgentMove[]): boolean {
  if (moves.includes("success")) return true;
  if (!isInformational(pack(c), scenario(c))) return false;
  if (moves.includes("informed")) return true;
  // An answer in words the caller has no pattern for: a statement, then "anything else?",
  // with no apology or refusal in it, answered the question.
  // A short one counts when it names what the caller asked about ("A color is ninety dollars.").
  const text = c.memory.lastAgentText;
  const words = text.split(/\s+/).length;
  const asked = Object.values(scenario(c).goal.slots).some((v) => typeof v === "string" && v.length > 2 && text.toLowerCase().includes(v.toLowerCase()));
  return moves.includes("ask_anything_else") && !moves.includes("failure") && !moves.includes("refusal") && !moves.some((mv) => mv.startsWith("ask_") && mv !== "ask_anything_else") && (words > 12 || asked);
}

interface Heard {
  text: string;
}

/** Everything the agent said since the caller last spoke, as the caller heard it. */
function agentWordsSinceCaller(events: readonly ConversationEvent[]): Heard {
  const words: string[] = [];
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i] as ConversationEvent;
    if (event.type === "caller_speech") break;
    if (event.type === "agent_speech") words.unshift(event.callerHeard);
  }
  return { text: words.join(" ") };
}

function lastAgentTurnInterrupted(events: readonly ConversationEvent[]): boolean {
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i] as ConversationEvent;
    if (event.type === "caller_speech") return false;
    if (event.type === "agent_speech") return event.interrupted;
  }
  return false;
}

/** A value as keyed: its digits, and a date of birth as MMDDYYYY, the way IVR systems ask for it. */
function keyedDigits(value: string, isBirthDate: boolean): string {
  return (isBirthDate ? value.replace(/^(\d{4})-(\d{2})-(\d{2})$/, "$2$3$1") : value).replace(/\D/g, "");
}

const KEYPAD_FACTS: Partial<Record<AgentMove, string>> = { ask_phone: "phone", ask_dob: "dob", ask_zip: "zip", ask_ssn: "ssnLast4" };

/** An identity answer from the hidden facts: said, or keyed in when the scenario or the agent asks for the keypad. */
function answerIdentity(c: Caller, move: AgentMove): Reply | undefined {
  const facts = scenario(c).hiddenFacts;
  const fact = KEYPAD_FACTS[move];
  const dtmf = pending(c, "dtmf");
  const keypadOffered = KEYPAD_OFFER.test(c.memory.lastAgentText) && persona(c).traits.techComfort >= 0.5;
  if (fact && ((dtmf && dtmf.value.slot === fact) || (keypadOffered && move === "ask_phone"))) {
    if (dtmf && dtmf.value.slot === fact) play(c, dtmf.index);
    const value = String(facts[fact] ?? "");
    const digits = keyedDigits(value, fact === "dob");
    return { utterance: "", dtmf: digits, hangUp: false };
  }
  const spoken: Partial<Record<AgentMove, () => readonly string[]>> = {
    ask_phone: () => {
      const phone = speakPhone(String(facts.phone ?? ""));
      return [`It's ${phone}.`, `${capitalise(phone)}.`, `My number is ${phone}.`];
    },
    ask_dob: () => {
      const dob = speakDob(String(facts.dob ?? ""));
      return [`It's ${dob}.`, `${capitalise(dob)}.`, `I was born ${dob}.`];
    },
    ask_zip: () => [`It's ${speakDigitsWords(String(facts.zip ?? ""))}.`, `${capitalise(speakDigitsWords(String(facts.zip ?? "")))}.`],
    ask_ssn: () => [`The last four are ${speakDigitsWords(String(facts.ssnLast4 ?? ""))}.`, `${capitalise(speakDigitsWords(String(facts.ssnLast4 ?? "")))}.`],
    ask_name: () => [`It's ${String(facts.name ?? persona(c).name)}.`, `${String(facts.name ?? persona(c).name)}.`, `This is ${String(facts.name ?? persona(c).name)}.`],
  };
  const lines = spoken[move]?.();
  return lines ? reply(say(c, c.rng.pick(lines))) : undefined;
}

/**
 * A pack slot keyed on the keypad, as the scenario's `dtmf` complication says: its value from the
 * hidden facts (or the goal) by the slot's name, as digits (a birth date as MMDDYYYY, the way IVR
 * systems take it). Nothing when the value has no digits to key.
 */
function keypadEntry(c: Caller, slot: SlotSpec): Reply | undefined {
  const dtmf = pending(c, "dtmf");
  const value = scenario(c).hiddenFacts[slot.name] ?? scenario(c).goal.slots[slot.name];
  if (!dtmf || value === undefined) return undefined;
  const text = String(value);
  const digits = keyedDigits(text, slot.type === "birthdate");
  if (!digits) return undefined;
  play(c, dtmf.index);
  popAgenda(c.memory, `inform:${slot.name}`);
  return { utterance: "", dtmf: digits, hangUp: false };
}

const KEYPAD_OFFER = /\b(keypad|key (it )?in|type (it|the|your)|enter (it|the|your) .*(keypad|phone))\b/i;

/** An identity slot keyed in because the agent offered the keypad (after a misheard number), by a caller at ease with phones. */
function keyedOnOffer(c: Caller, slot: SlotSpec): Reply | undefined {
  if (!KEYPAD_OFFER.test(c.memory.lastAgentText) || persona(c).traits.techComfort < 0.5) return undefined;
  const value = scenario(c).hiddenFacts[slot.name];
  if (value === undefined) return undefined;
  const text = String(value);
  const digits = keyedDigits(text, slot.type === "birthdate");
  return (digits.length >= 4 && /^[\d\s().+-]+$/.test(text)) || slot.type === "birthdate" ? { utterance: "", dtmf: digits, hangUp: false } : undefined;
}

function answerQuestion(c: Caller, moves: readonly AgentMove[]): Reply | undefined {
  const m = c.memory;
  const asks = (mv: AgentMove) => moves.includes(mv);
  const still = asks("still_there") ? "Sorry, I'm here. " : "";
  const withStill = (r: Reply): Reply => ({ ...r, utterance: `${still}${r.utterance}`.trim() });

  const trap = pending(c, "refusal_trap");
  const springTrap = (): Reply | undefined => {
    if (!trap) return undefined;
    play(c, trap.index);
    m.trapTurn = m.turns;
    return reply(say(c, trapLine(pack(c), trap.value.trap, trap.value.utterance), { ack: false }));
  };
  if (trap?.value.trap === "skip_verification" && moves.some((mv) => IDENTITY_MOVES.includes(mv) && mv !== "ask_phone" && mv !== "ask_name")) return springTrap();

  // A question in the pack's own words for an identity slot the caller knows the answer to.
  const packSlot = askedSlot(pack(c), scenario(c), m.lastAgentText);
  const isIdentitySlot = packSlot !== undefined && pack(c).agent.verification.slots.includes(packSlot);
  // One the scenario has the caller key in on the keypad is answered below, as keys.
  const keyedIn = pending(c, "dtmf")?.value.slot === packSlot?.name;
  const keyed = packSlot && keyedIn ? keypadEntry(c, packSlot) : packSlot && isIdentitySlot ? keyedOnOffer(c, packSlot) : undefined;
  if (keyed) return keyed;
  if (packSlot && isIdentitySlot && scenario(c).hiddenFacts[packSlot.name] !== undefined && !keyedIn) {
    return withStill(reply(say(c, identityLine(sayValue(packSlot, String(scenario(c).hiddenFacts[packSlot.name])), c.rng))));
  }
  // A pack question for a slot of the request ("Could you check the quote number?") is not an
  // identity question, whatever built-in words it shares with one ("with that number").
  const identity = packSlot && !isIdentitySlot ? undefined : moves.find((mv) => IDENTITY_MOVES.includes(mv));
  if (identity) {
    const answer = answerIdentity(c, identity);
    if (answer) return answer.dtmf ? answer : withStill(answer);
  }

  // A refusal trap is sprung at a natural moment: when the agent asks if there's anything else,
  // or while the terms it is about are on the table.
  const text = m.lastAgentText;
  const raiseWhen = pack(c).agent.refusals.find((rule) => rule.trap === trap?.value.trap)?.raiseWhen;
  const asksSomething = moves.some((mv) => mv.startsWith("ask_") && mv !== "ask_repeat");
  const trapMoment =
    (asks("ask_anything_else") && trap?.value.trap !== "skip_verification") ||
    (raiseWhen !== undefined && asksSomething && new RegExp(raiseWhen, "i").test(text));
  if (trap && trapMoment) return springTrap();

  // A slot question in the pack's own words ("What name should I put it under?") is answered as such,
  // even when it sounds like a read-back.
  if (packSlot && !isIdentitySlot && askedSlot(pack(c), scenario(c), text)?.prompt && text.toLowerCase().includes(packSlot.prompt.toLowerCase().replace(/[?.!]+$/, ""))) {
    const answer = answerPackSlot(c, packSlot.name);
    if (answer) return withStill(answer);
  }

  if (asks("ask_confirm")) {
    const misheard = checkReadBack(c);
    if (misheard) return misheard;
    const change = changeOfMind(c);
    if (change) return change;
  }
  // A read-back naming a time range that asks yes or no ("…arriving between eight a m and noon.
  // Shall I book it?") is answered yes or no, unless the caller asked for a clock time to check.
  const yesNoReadBack = asks("ask_confirm") && !/\b(which|what time)\b[^.?!]*\?\s*$/i.test(text) && !wantsClockTime(c);
  if (asks("offer_times") && !yesNoReadBack) return chooseTime(c);
  if (asks("ask_confirm")) {
    return reply(say(c, c.rng.pick(yesLines(text)), { mood: "agree" }));
  }
  if (asks("ask_transfer_after_failure")) {
    return persona(c).traits.patience >= 0.5
      ? reply(say(c, c.rng.pick(["Yes, please transfer me.", "Sure, put me through."])))
      : { utterance: say(c, "No. I'll just call back later.", { ack: false }), hangUp: true, hangUpReason: "gave_up" };
  }
  if (packSlot && !isIdentitySlot) {
    const answer = answerPackSlot(c, packSlot.name);
    if (answer) return withStill(answer);
  }
  const noOther = noOtherDay(c);
  if (noOther) return noOther;
  // "Nothing matches that. Could you check it?": a question we cannot place, right after the agent
  // found no match, asks for what we last gave; people say it again, carefully.
  if (!packSlot && c.memory.lastPackSlot && /\?\s*$/.test(text) && NO_MATCH.test(text)) {
    const again = answerPackSlot(c, c.memory.lastPackSlot);
    if (again) return withStill(again);
  }
  const slotAnswer = answerSlot(c, moves);
  if (slotAnswer) return withStill(slotAnswer);
  if (asks("ask_anything_else")) {
    if (!m.goalSettled && m.failures === 0) return reply(say(c, `${c.rng.pick(["Well, I still need help with what I called about.", "Well, no, we didn't finish.", "Actually, yes."])} ${restateGoal(c)}`, { ack: false }));
    return { utterance: say(c, c.rng.pick(CLOSING_LINES), { ack: false, mood: "close" }), hangUp: true, hangUpReason: m.goalSettled ? "satisfied" : "gave_up" };
  }
  if (asks("ask_how_can_i_help")) {
    if (m.goalSettled) return { utterance: say(c, "No, that's all I needed. Thanks.", { ack: false }), hangUp: true, hangUpReason: "satisfied" };
    return reply(say(c, restateGoal(c), { ack: false }));
  }
  return undefined;
}

const NO_MATCH = /\b(no|not|couldn't|could not|can't|cannot|didn't|don't|doesn't|nothing|none)\b[^.?!]*\b(match|matches|find|found|see|locate|record|on file|recognise|recognize)/i;

const SLOT_FOR: Partial<Record<AgentMove, string>> = {
  ask_date: "date",
  ask_time: "time",
  ask_amount: "amount",
  ask_installments: "installments",
  ask_reason: "reason",
  ask_method: "method_last4",
};

function answerSlot(c: Caller, moves: readonly AgentMove[]): Reply | undefined {
  const move = moves.find((mv) => SLOT_FOR[mv] !== undefined);
  if (!move) return undefined;
  const named = SLOT_FOR[move] as string;
  // "What day…?" in a pack whose day slot has another name: the goal intent's slot of that type.
  const declared = goalIntent(pack(c), scenario(c))?.slots ?? [];
  const types = MOVE_TYPES[move] ?? [];
  const sameType = declared.some((s) => s.name === named) ? undefined : declared.find((s) => types.includes(s.type));
  return answerSlotNamed(c, sameType?.name ?? named);
}

/** Slot types a built-in question pattern asks for. */
const MOVE_TYPES: Partial<Record<AgentMove, readonly string[]>> = {
  ask_date: ["date", "datetime"],
  ask_time: ["time"],
  ask_amount: ["money"],
  ask_installments: ["number"],
};

/** An answer to a slot the pack's prompt asked for: the goal's value, a hidden fact, or an example line. */
function answerPackSlot(c: Caller, slot: string): Reply | undefined {
  const spec = askableSlots(pack(c), scenario(c)).find((s) => s.name === slot);
  if (!spec) return undefined;
  // Asked again for a value given wrong (the agent found no match): the caller gives the right one now.
  if (c.memory.pendingCorrections.includes(slot)) return correctSlot(c, slot, spec);
  const value = currentValue(c, slot, { peek: true }) ?? (scenario(c).hiddenFacts[slot] !== undefined ? String(scenario(c).hiddenFacts[slot]) : undefined);
  if (value === undefined && spec.examples.length > 0) return reply(say(c, c.rng.pick(spec.examples)));
  c.memory.lastPackSlot = slot;
  if (value === undefined || spec.type === "date" || spec.type === "datetime" || SLOT_LINES.has(slot)) return answerSlotNamed(c, slot);
  popAgenda(c.memory, `inform:${slot}`);
  const fixed = currentValue(c, slot) ?? value;
  const spoken = sayValue(spec, fixed);
  return reply(say(c, c.rng.pick([`${capitalise(spoken)}.`, `It's ${spoken}.`, `${capitalise(spoken)}, please.`])));
}

/**
 * "Nothing is open then. Is there another day that would work?" after the caller gave its day: a
 * day still to be corrected or changed is given now; else the caller has no other day and lets the
 * request go (without naming the day again, which would only be searched again).
 */
function noOtherDay(c: Caller): Reply | undefined {
  const m = c.memory;
  if (!ANOTHER_DAY.test(m.lastAgentText)) return undefined;
  const daySlot = goalIntent(pack(c), scenario(c))?.slots.find((s) => (s.type === "date" || s.type === "datetime") && scenario(c).goal.slots[s.name] !== undefined);
  // "Another" day: the agent searched one, so the caller gave it already.
  if (!daySlot) return undefined;
  if (m.pendingCorrections.includes(daySlot.name)) return correctSlot(c, daySlot.name, daySlot);
  const change = pending(c, "change_mind");
  if (change?.value.slot === daySlot.name) return changeOfMind(c);
  m.goalSettled = true;
  return reply(say(c, c.rng.pick(["No, that was the only day that works for me. Never mind, thanks.", "No, not really. That's okay, I'll sort something else out.", "No, that was the day I needed. Never mind then."]), { ack: false }));
}

/** The agent asking for another day than the one the caller gave. */
const ANOTHER_DAY = /\b(another|other|different) (day|date)\b[^.!?]*\?\s*$/i;

/** The fix of a slot given wrong, said when the agent asks for that slot again. */
function correctSlot(c: Caller, slot: string, spec: SlotSpec): Reply {
  const m = c.memory;
  m.pendingCorrections = m.pendingCorrections.filter((name) => name !== slot);
  popAgenda(m, `inform:${slot}`);
  const correction = scenario(c).complications.find((x): x is ComplicationOf<"correction"> => x.kind === "correction" && x.slot === slot);
  const right = sayValue(spec, String(correction?.right ?? currentValue(c, slot, { peek: true }) ?? ""));
  return reply(say(c, c.rng.pick([`Oh, sorry, I read that wrong. It's ${right}.`, `Sorry, my mistake. It's ${right}.`, `Let me look again. Sorry, it's ${right}.`]), { ack: false }));
}

/** Slots the built-in answer lines know how to say (the rest are said by their type). */
const SLOT_LINES = new Set(["service", "date", "time", "carrier", "amount", "installments", "reason", "method_last4", "appointment_date"]);

/** An identity answer in a caller's words. */
function identityLine(spoken: string, rng: Rng): string {
  return rng.pick([`It's ${spoken}.`, `${capitalise(spoken)}.`, `Sure, it's ${spoken}.`]);
}

function answerSlotNamed(c: Caller, slot: string): Reply | undefined {
  const goal = scenario(c).goal;
  const dtmf = pending(c, "dtmf");
  if (dtmf && dtmf.value.slot === slot && goal.slots[slot] !== undefined) {
    play(c, dtmf.index);
    popAgenda(c.memory, `inform:${slot}`);
    return { utterance: "", dtmf: String(goal.slots[slot]).replace(/\D/g, ""), hangUp: false };
  }
  const value = currentValue(c, slot);
  if (value === undefined) {
    const examples = askableSlots(pack(c), scenario(c)).find((s) => s.name === slot)?.examples ?? [];
    if (examples.length > 0) return reply(say(c, c.rng.pick(examples)));
    if (slot === "reason") return reply(say(c, reasonSentence(c.rng)));
    const noPreference = NO_PREFERENCE[slot];
    if (noPreference) return reply(say(c, c.rng.pick(noPreference)));
    const declared = pack(c).agent.intents.find((intent) => intent.id === goal.intent)?.slots.some((s) => s.name === slot);
    // Asked for something that has nothing to do with why they called: set the agent straight.
    if (!declared) return reply(say(c, `No, sorry, that's not it. ${restateGoal(c)}`, { ack: false }));
    return reply(say(c, "I'm not sure, what do you suggest?"));
  }
  popAgenda(c.memory, `inform:${slot}`);
  const time = slot === "date" ? currentValue(c, "time", { peek: true }) : undefined;
  return reply(say(c, slotLine(slot, value, c.rng, { time })));
}

/**
 * A slot's value right now: a correction's wrong value the first time it is asked (the fix comes
 * later), a changed mind's first value until the change is played, else the goal's value.
 * `peek` reads without springing a correction.
 */
function currentValue(c: Caller, slot: string, options: { peek?: boolean } = {}): string | undefined {
  const m = c.memory;
  const complications = scenario(c).complications;
  const correction = complications.findIndex((x) => x.kind === "correction" && x.slot === slot);
  if (correction >= 0 && !options.peek && !m.played.includes(correction)) {
    const complication = complications[correction] as ComplicationOf<"correction">;
    play(c, correction);
    m.pendingCorrections.push(slot);
    return String(complication.wrong);
  }
  const change = complications.findIndex((x) => x.kind === "change_mind" && x.slot === slot);
  if (change >= 0) {
    const complication = complications[change] as ComplicationOf<"change_mind">;
    return String(m.played.includes(change) ? complication.to : complication.from);
  }
  if (correction >= 0) {
    const complication = complications[correction] as ComplicationOf<"correction">;
    return String(m.played.includes(correction) && !m.pendingCorrections.includes(slot) ? complication.right : complication.wrong);
  }
  const value = scenario(c).goal.slots[slot];
  return value === undefined ? undefined : String(value);
}

/** The second half of a correction, or a changed mind, once the agent has acted on the first value. */
function changeOfMind(c: Caller): Reply | undefined {
  const m = c.memory;
  const corrected = m.pendingCorrections.shift();
  if (corrected) {
    const correction = scenario(c).complications.find((x) => x.kind === "correction" && x.slot === corrected) as ComplicationOf<"correction">;
    const right = speakValue(correction.right);
    const wrong = speakValue(correction.wrong);
    return reply(say(c, c.rng.pick([`Oh wait, sorry, I meant ${right}, not ${wrong}.`, `Sorry, I got that wrong. It's ${right}, not ${wrong}.`, `Wait, no, ${right}. Not ${wrong}. Sorry.`]), { ack: false }));
  }
  const change = pending(c, "change_mind");
  if (change) {
    play(c, change.index);
    c.memory.chosenTime = null;
    const to = speakValue(change.value.to);
    return reply(say(c, c.rng.pick([`Actually, can we do ${to} instead?`, `Hmm, actually, ${to} would be better. Sorry.`, `Wait, let's make it ${to} instead.`]), { ack: false }));
  }
  return undefined;
}

/**
 * A read-back that does not match what the caller chose (the agent misheard "three" as "one"):
 * the caller says so, once, as people do when they hear their booking read back wrong.
 */
function checkReadBack(c: Caller): Reply | undefined {
  const m = c.memory;
  if (m.timeCorrections > 0) return undefined;
  const text = m.lastAgentText;
  const readBack = offeredTimes(text);
  if (m.chosenTime && readBack.length > 0 && !readBack.includes(m.chosenTime)) {
    m.timeCorrections++;
    return reply(say(c, c.rng.pick([`No, sorry, I said ${m.chosenTime}.`, `Hmm, no, I wanted ${m.chosenTime}.`, `That's not right, it was ${m.chosenTime}.`]), { ack: false }));
  }
  // A time the caller asked for that the read-back gets wrong (the agent misheard "three" as "seven").
  const timeSlot = goalIntent(pack(c), scenario(c))?.slots.find((slot) => slot.type === "time" && scenario(c).goal.slots[slot.name] !== undefined);
  const wantedTime = timeSlot ? String(currentValue(c, timeSlot.name, { peek: true }) ?? "") : "";
  // An alternative put as one ("that time is taken, but I have…") is an offer to weigh, not a mistake.
  const isAlternative = /\b(taken|instead|closest|nearest|but i (have|can)|don't have|isn't available|not available)\b/i.test(text);
  if (wantedTime && !isAlternative && readBack.length > 0 && !readBack.some((time) => time.startsWith(spokenHour(wantedTime)))) {
    m.timeCorrections++;
    return reply(say(c, c.rng.pick([`No, sorry, I said ${timePhrase(wantedTime)}.`, `That's not right, I wanted ${timePhrase(wantedTime)}.`]), { ack: false }));
  }
  // A count read back wrong ("a table for zero"): where the pack's read-back says the slot, the
  // caller hears another number than theirs and says the right one.
  const intent = goalIntent(pack(c), scenario(c));
  const readBacks = (intent?.steps ?? []).flatMap((step) => (step.confirm ? [step.confirm] : []));
  for (const slot of intent?.slots ?? []) {
    if (slot.type !== "number" || readBacks.length === 0) continue;
    const mine = currentValue(c, slot.name, { peek: true });
    const heardValue = valueFromTemplates(readBacks, slot.name, text);
    const heardCount = heardValue === undefined ? undefined : parseCount(heardValue);
    if (mine === undefined || heardCount === undefined || !/^\d+$/.test(mine) || heardCount === Number(mine)) continue;
    m.timeCorrections++;
    const right = sayValue(slot, mine);
    return reply(say(c, c.rng.pick([`No, sorry, it's ${right}, not ${speakValue(String(heardCount))}.`, `That's not right. It should be ${right}.`]), { ack: false }));
  }
  // A name read back misheard ("under Juni Park"): the caller spells it out right.
  for (const slot of intent?.slots ?? []) {
    if (slot.type !== "name" || readBacks.length === 0) continue;
    const mine = currentValue(c, slot.name, { peek: true }) ?? (typeof scenario(c).hiddenFacts[slot.name] === "string" ? String(scenario(c).hiddenFacts[slot.name]) : undefined);
    const heardName = valueFromTemplates(readBacks, slot.name, text);
    const plain = (name: string) => name.toLowerCase().replace(/[^a-z ]/g, "").trim();
    if (!mine || !heardName || plain(heardName) === plain(mine) || heardName.split(/\s+/).length !== mine.split(/\s+/).length) continue;
    m.timeCorrections++;
    return reply(say(c, c.rng.pick([`No, sorry, the name is ${mine}.`, `That's not quite right, it's ${mine}.`]), { ack: false }));
  }
  // A weekday the caller asked for ("next Wednesday") that the read-back does not name.
  const wanted = WEEKDAY.exec(String(currentValue(c, "date", { peek: true }) ?? ""))?.[0]?.toLowerCase();
  const named = [...text.toLowerCase().matchAll(new RegExp(WEEKDAY.source, "gi"))].map((match) => match[0].toLowerCase());
  if (wanted && named.length > 0 && !named.includes(wanted)) {
    m.timeCorrections++;
    return reply(say(c, c.rng.pick([`No, sorry, I wanted ${capitalise(wanted)}.`, `Wait, that's not ${capitalise(wanted)}. I asked for ${capitalise(wanted)}.`]), { ack: false }));
  }
  return undefined;
}

const WEEKDAY = /\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b/i;

function chooseTime(c: Caller): Reply {
  const change = changeOfMind(c);
  if (change) return change;
  const times = offeredTimes(c.memory.lastAgentText);
  // The time the caller wants, whatever the pack calls its time slot.
  const timeSlot = currentValue(c, "time", { peek: true }) !== undefined ? "time" : goalIntent(pack(c), scenario(c))?.slots.find((slot) => slot.type === "time")?.name;
  const wanted = String((timeSlot ? currentValue(c, timeSlot, { peek: true }) : undefined) ?? "").toLowerCase();
  // A read-back that moves a visit names the old time too: the one wanted, said back, is a yes.
  const readBack = c.memory.lastMoves.includes("ask_confirm");
  if (readBack && wanted && times.length > 1 && times.some((t) => t === timePhrase(wanted).replace(/^at /, "") || t.startsWith(spokenHour(wanted)))) {
    return reply(say(c, c.rng.pick(yesLines(c.memory.lastAgentText)), { mood: "agree" }));
  }
  if (readBack && wanted && times.length > 1 && c.memory.timeCorrections < 2) {
    c.memory.timeCorrections++;
    return reply(say(c, `No, sorry, I wanted ${timePhrase(wanted).replace(/^at /, "")}.`, { ack: false }));
  }
  const preferred =
    (/\d|o'clock|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\b/.test(wanted) ? times.find((t) => t.startsWith(spokenHour(wanted))) : undefined) ??
    (wanted.includes("morning") ? times.find((t) => t.endsWith("a m")) : undefined) ??
    (wanted.includes("afternoon") || wanted.includes("evening") ? times.find((t) => t.endsWith("p m") || t === "noon") : undefined) ??
    times[0];
  popAgenda(c.memory, "inform:time");
  if (!preferred && times.length === 0) {
    // Not times but things (a car, a pet): the one the caller came about, as the agent named it.
    const offered = c.memory.lastAgentText.toLowerCase();
    const mine = [...Object.values(scenario(c).goal.slots), ...Object.values(scenario(c).hiddenFacts)]
      .filter((value): value is string => typeof value === "string" && value.length >= 3)
      .find((value) => offered.includes(value.toLowerCase()));
    if (mine) return reply(say(c, c.rng.pick([`${capitalise(mine)}, please.`, `${capitalise(mine)}.`, `${capitalise(mine)} would be great.`])));
  }
  if (!preferred) return reply(say(c, c.rng.pick(["The first one works.", "The first one, please.", "I'll take the first one."])));
  c.memory.chosenTime = preferred;
  return reply(say(c, c.rng.pick([`${capitalise(preferred)} works.`, `Let's do ${preferred}.`, `I'll take ${preferred}, please.`, `${capitalise(preferred)} is good for me.`]), { mood: "agree" }));
}

/** Whether the caller asked for a clock time (a goal time slot), which a read-back's times are checked against. */
function wantsClockTime(c: Caller): boolean {
  const slots = goalIntent(pack(c), scenario(c))?.slots ?? [];
  return currentValue(c, "time", { peek: true }) !== undefined || slots.some((slot) => slot.type === "time" && scenario(c).goal.slots[slot.name] !== undefined);
}

/** Pronouns for the account holder, from the caller's relation to them ("husband" → her). */
function pronouns(relation: string): { possessive: string; subject: string } {
  if (/husband|boyfriend/.test(relation)) return { possessive: "her", subject: "she" };
  if (/wife|girlfriend/.test(relation)) return { possessive: "his", subject: "he" };
  return { possessive: "their", subject: "they" };
}

/**
 * What the account holder is to the caller, from what the caller is to the holder: a wife calls
 * for her husband, a daughter for her parent, a neighbour for a neighbour.
 */
function holderRelation(relation: string): string {
  const r = relation.toLowerCase().trim();
  const converse: Record<string, string> = { husband: "wife", wife: "husband", boyfriend: "girlfriend", girlfriend: "boyfriend", spouse: "partner", partner: "partner" };
  if (converse[r]) return converse[r] as string;
  if (/^(son|daughter|child|kid)$/.test(r)) return "parent";
  if (/^(mother|father|mom|dad|parent)$/.test(r)) return "kid";
  if (/^(brother|sister|sibling)$/.test(r)) return "sibling";
  if (/^(friend|neighbou?r|roommate|flatmate|coworker|colleague)$/.test(r)) return r;
  return "relative";
}

/** How this caller opens: the request in their words, leaving out what they'd only say when asked. */
function opening(c: Caller): string {
  popAgenda(c.memory, "open");
  const greetings = ["Hi.", "Hello.", "Hi there.", "Yeah, hi.", "Good morning.", "Hello, um, hi.", "Hey."];
  const wrongPerson = scenario(c).complications.find((x): x is ComplicationOf<"wrong_person"> => x.kind === "wrong_person");
  if (wrongPerson) {
    const holder = String(scenario(c).hiddenFacts.accountHolder ?? "my family member");
    const partner = holderRelation(wrongPerson.relation);
    const their = /^(husband|boyfriend)$/.test(partner) ? "his" : /^(wife|girlfriend)$/.test(partner) ? "her" : "their";
    const body = c.rng
      .pick(pack(c).caller.wrongPerson)
      .replace(/\{partner\}/g, partner)
      .replace(/\{holder\}/g, holder)
      .replace(/\{their\}/g, their);
    return say(c, `${c.rng.pick(greetings)} ${body}`, { ack: false, mood: "open" });
  }
  const body = goalLine(c);
  const catchphrase = persona(c).style.catchphrases.find((p) => /rush|mom|frazzled|think/.test(p));
  const lead = catchphrase && c.rng.chance(0.5) ? ` ${capitalise(catchphrase)}, so` : "";
  return say(c, `${c.rng.pick(greetings)}${lead} ${lead ? lowerFirst(body) : body}`, { ack: false, mood: "open" });
}

/** A slot the caller volunteers in the opening: not a withheld one, and not one to be corrected. */
function openingValue(c: Caller, slot: string): string | undefined {
  const complications = scenario(c).complications;
  if (complications.some((x) => x.kind === "underspecified" && x.slots.includes(slot))) return undefined;
  // A correction is played when the slot is asked for, so the opener leaves that slot out.
  if (complications.some((x) => x.kind === "correction" && x.slot === slot)) return undefined;
  const value = currentValue(c, slot, { peek: true });
  if (value !== undefined && !c.memory.opened) popAgenda(c.memory, `inform:${slot}`);
  return value;
}

/** What the caller wants, said again in other words (the agent did not get it the first time). */
function restateGoal(c: Caller): string {
  c.memory.restatements++;
  return goalLine(c);
}

/** Restatements of the goal before the caller gives up on the call (never a loop). */
const MAX_RESTATEMENTS = 4;

/** The goal in the caller's words: the pack's opening lines for the intent, else the built-in ones. */
function goalLine(c: Caller): string {
  const value = (slot: string) => openingValue(c, slot);
  return packOpening(goalIntent(pack(c), scenario(c)), c.rng, value) ?? goalSentence(scenario(c), c.rng);
}
