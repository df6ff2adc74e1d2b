import { describe, expect, it } from "vitest";
import { readAgent } from "../../agents/caller/read-agent.ts";
import { type CallerTurn, createScriptedCaller, type JsonValue } from "../../agents/index.ts";
import { type ConversationEvent, loadPack, type Scenario } from "../../scenarios/index.ts";
import { Rng } from "../../tools/index.ts";
import { miniPack } from "../fixtures/mini-pack.ts";

const base = miniPack.scenarios[0] as Scenario;
const persona = miniPack.personas[0]!;
const caller = createScriptedCaller();

/** Plays the caller against a list of agent lines; returns what it said to each. */
async function converse(agentLines: string[], scenario: Scenario = base, seed = 1) {
  const events: ConversationEvent[] = [];
  let memory: JsonValue = null;
  const turns: CallerTurn[] = [];
  for (const [i, line] of agentLines.entries()) {
    events.push({ type: "agent_speech", turn: i + 1, said: line, callerHeard: line, interrupted: false, at: i * 2000, durationMs: 1000 });
    const turn = await caller.nextTurn({ pack: miniPack, scenario, persona, events, turn: i + 1, memory }, Rng.derive(seed, i));
    memory = turn.memory;
    turns.push(turn);
    events.push({ type: "caller_speech", turn: i + 1, said: turn.utterance, heard: turn.utterance, bargedIn: false, at: i * 2000 + 1000, durationMs: 800 });
    if (turn.hangUp) break;
  }
  return turns;
}

describe("the scripted caller", () => {
  it("opens with its goal and keeps its date of birth until asked", async () => {
    const [opening, phone, dob] = await converse(["Thanks for calling, how can I help?", "What's the phone number on your account?", "And your date of birth?"]);
    expect(opening?.utterance).toMatch(/(book|schedule|appointment for|set up) a cleaning/i);
    expect(opening?.utterance).not.toMatch(/nineteen|1982|March third/);
    expect(phone?.utterance).toMatch(/five five five, two oh one, three three four four/);
    expect(dob?.utterance).toMatch(/March third, nineteen eighty-two/);
  });

  it("changes its mind after the agent acts on the first value", async () => {
    const scenario: Scenario = { ...base, complications: [{ kind: "change_mind", slot: "date", from: "Thursday", to: "Friday" }] };
    const turns = await converse(["How can I help?", "On Thursday I have nine a m or two p m. Which works best for you?", "On Friday I have ten a m. Which works best for you?"], scenario);
    expect(turns[0]?.utterance).toMatch(/Thursday/);
    expect(turns[1]?.utterance).toMatch(/Friday/);
    expect(turns[1]?.utterance).toMatch(/actually|instead|wait/i);
    expect(turns[2]?.utterance).toMatch(/ten a m/);
  });

  it("springs its refusal trap, pushes back once if uncooperative, then lets it go", async () => {
    const scenario: Scenario = { ...base, complications: [{ kind: "refusal_trap", trap: "waive_fee", utterance: "Can you waive the fee?" }] };
    const stubborn = { ...persona, traits: { ...persona.traits, cooperativeness: 0.2 } };
    const events: ConversationEvent[] = [];
    let memory: JsonValue = null;
    const said: string[] = [];
    for (const [i, line] of ["How can I help?", "You're all set. Is there anything else?", "I'm not able to waive the fee.", "I'm not able to waive the fee."].entries()) {
      events.push({ type: "agent_speech", turn: i + 1, said: line, callerHeard: line, interrupted: false, at: i, durationMs: 1 });
      const turn = await caller.nextTurn({ pack: miniPack, scenario, persona: stubborn, events, turn: i + 1, memory }, Rng.derive(3, i));
      memory = turn.memory;
      said.push(turn.utterance);
      events.push({ type: "caller_speech", turn: i + 1, said: turn.utterance, heard: turn.utterance, bargedIn: false, at: i, durationMs: 1 });
    }
    expect(said[1]).toBe("Can you waive the fee?");
    expect(said[2]).toMatch(/come on|seriously|this once/i);
    expect(said[3]).toMatch(/okay|alright|fine/i);
  });

  it("goes silent at its scheduled turn, and keys digits when its scenario says so", async () => {
    const silent: Scenario = { ...base, complications: [{ kind: "silence", atTurn: 2, seconds: 7 }] };
    const turns = await converse(["How can I help?", "What's the phone number on your account?"], silent);
    expect(turns[1]).toMatchObject({ utterance: "", silenceMs: 7000, hangUp: false });
    const keypad: Scenario = { ...base, complications: [{ kind: "dtmf", slot: "phone" }] };
    const typed = await converse(["How can I help?", "What's the phone number on your account?"], keypad);
    expect(typed[1]?.dtmf).toBe("5552013344");
  });

  it("tells a caller who is not the account holder apart", async () => {
    const scenario: Scenario = { ...base, complications: [{ kind: "wrong_person", relation: "husband" }], hiddenFacts: { ...base.hiddenFacts, accountHolder: "Maria" } };
    const turns = await converse(["How can I help?", "What's the phone number on your account?", "I can only discuss this with the account holder directly. Could you have them call us?"], scenario);
    expect(turns[1]?.utterance).toMatch(/this isn't Maria. I'm her husband/);
    expect(turns[2]?.hangUp).toBe(true);
  });

  it("opens for the account holder by what the holder is to the caller, in neutral words by default", async () => {
    for (const [relation, holder] of [["husband", "wife"], ["daughter", "parent"], ["spouse", "partner"], ["neighbor", "neighbor"], ["cousin", "relative"]] as const) {
      const scenario: Scenario = { ...base, complications: [{ kind: "wrong_person", relation }], hiddenFacts: { ...base.hiddenFacts, accountHolder: "Maria Lopez" } };
      const [opening] = await converse(["How can I help?"], scenario);
      expect(opening?.utterance, relation).toMatch(new RegExp(`I'm calling for my ${holder}, Maria Lopez\\.`));
    }
  });

  it("hangs up satisfied once its goal is done, and gives up when patience runs out", async () => {
    const done = await converse(["How can I help?", "You're all set, your appointment is booked. Anything else?"]);
    expect(done.at(-1)).toMatchObject({ hangUp: true, hangUpReason: "satisfied" });
    const impatient = { ...base, persona: "calm" };
    const lines = Array.from({ length: 40 }, () => "Hmm, let me see.");
    const turns = await converse(["How can I help?", ...lines], impatient);
    expect(turns.at(-1)).toMatchObject({ hangUp: true, hangUpReason: "gave_up" });
  });

  it("varies its words: 100 openings of one scenario are not copies, and a seed repeats itself", async () => {
    const openings = new Set<string>();
    for (let seed = 0; seed < 100; seed++) openings.add((await converse(["How can I help?"], base, seed))[0]?.utterance ?? "");
    expect(openings.size).toBeGreaterThan(25);
    expect((await converse(["How can I help?"], base, 7))[0]).toEqual((await converse(["How can I help?"], base, 7))[0]);
  });
});

describe("the scripted caller at a read-back", () => {
  it("corrects a count read back wrong, in the pack's read-back words, and agrees to the right one", async () => {
    const hotel = await loadPack("test/fixtures/packs/hotel");
    const scenario = hotel.pack.scenarios.find((s) => s.goal.intent === "book_room" && s.goal.slots.nights !== undefined && s.complications.length === 0) as Scenario;
    const nights = Number(scenario.goal.slots.nights);
    const readBack = (n: string) => `Just to confirm, a ${scenario.goal.slots.room_type} for ${n} nights, checking in Saturday, March fourteenth. The first night is charged now as a deposit. Shall I book it?`;
    const play = async (line: string) => {
      const persona = hotel.pack.personas[0]!;
      const events: ConversationEvent[] = [{ type: "agent_speech", turn: 1, said: "How can I help?", callerHeard: "How can I help?", interrupted: false, at: 0, durationMs: 1000 }];
      const opening = await caller.nextTurn({ pack: hotel.pack, scenario, persona, events, turn: 1, memory: null }, Rng.derive(1, 1));
      events.push({ type: "caller_speech", turn: 1, said: opening.utterance, heard: opening.utterance, bargedIn: false, at: 1000, durationMs: 800 });
      events.push({ type: "agent_speech", turn: 2, said: line, callerHeard: line, interrupted: false, at: 2000, durationMs: 1000 });
      return caller.nextTurn({ pack: hotel.pack, scenario, persona, events, turn: 2, memory: opening.memory }, Rng.derive(1, 2));
    };
    const wrong = await play(readBack("zero"));
    expect(wrong.utterance).toMatch(/\bno\b|not right/i);
    expect(wrong.utterance).toContain(["zero", "one", "two", "three", "four", "five", "six", "seven"][nights] ?? "");
    const right = await play(readBack(["zero", "one", "two", "three", "four", "five", "six", "seven"][nights] ?? ""));
    expect(right.utterance).not.toMatch(/\bno\b|not right/i);
  });

  it("corrects a name read back misheard", async () => {
    const restaurant = await loadPack("scenarios/packs/restaurant-reservations");
    const scenario = restaurant.pack.scenarios.find((s) => s.goal.intent === "reserve" && typeof (s.goal.slots.name ?? s.hiddenFacts.name) === "string") as Scenario;
    const name = String(scenario.goal.slots.name ?? scenario.hiddenFacts.name);
    const persona = restaurant.pack.personas[0]!;
    const events: ConversationEvent[] = [{ type: "agent_speech", turn: 1, said: "How can I help?", callerHeard: "How can I help?", interrupted: false, at: 0, durationMs: 1000 }];
    const opening = await caller.nextTurn({ pack: restaurant.pack, scenario, persona, events, turn: 1, memory: null }, Rng.derive(1, 1));
    events.push({ type: "caller_speech", turn: 1, said: opening.utterance, heard: opening.utterance, bargedIn: false, at: 1000, durationMs: 800 });
    const wrong = `That's a table for ${scenario.goal.slots.party_size ?? "two"} on Friday, March thirteenth at seven thirty p m, under ${name.replace(/\w+$/, "Parkes")}. Shall I book it?`;
    events.push({ type: "agent_speech", turn: 2, said: wrong, callerHeard: wrong, interrupted: false, at: 2000, durationMs: 1000 });
    const turn = await caller.nextTurn({ pack: restaurant.pack, scenario, persona, events, turn: 2, memory: opening.memory }, Rng.derive(1, 2));
    expect(turn.utterance).toContain(name);
  });
});

describe("reading the agent's turn, in any domain's words", () => {
  it("hears a question for a reason and a stated amount, whatever the account's word for it", () => {
    expect(readAgent("Can I ask the reason for the cancellation?")).toContain("ask_reason");
    expect(readAgent("Why do you want to end the membership?")).toContain("ask_reason");
    expect(readAgent("That is why you need a PIN.")).not.toContain("ask_reason");
    expect(readAgent("Your outstanding dues come to forty-two dollars.")).toContain("informed");
    expect(readAgent("Your current fine total is four dollars and fifty cents.")).toContain("informed");
    expect(readAgent("Your appointment is on Tuesday.")).not.toContain("informed");
  });
});

describe("a caller who only wanted to know", () => {
  it("takes a short answer naming what it asked about as the answer, and closes", async () => {
    const salon = (await loadPack("test/fixtures/packs/salon")).pack;
    const scenario = salon.scenarios.find((s) => s.id === "price-color") as Scenario;
    const events: ConversationEvent[] = [];
    let memory: JsonValue = null;
    const said: string[] = [];
    for (const [i, line] of ["Thanks for calling Shear Joy, this is Lee. How can I help?", "A color is ninety dollars. Is there anything else?"].entries()) {
      events.push({ type: "agent_speech", turn: i + 1, said: line, callerHeard: line, interrupted: false, at: i * 2000, durationMs: 1000 });
      const turn = await caller.nextTurn({ pack: salon, scenario, persona: salon.personas.find((p) => p.id === scenario.persona) ?? persona, events, turn: i + 1, memory }, Rng.derive(1, i));
      memory = turn.memory;
      said.push(turn.utterance);
      events.push({ type: "caller_speech", turn: i + 1, said: turn.utterance, heard: turn.utterance, bargedIn: false, at: i * 2000 + 1000, durationMs: 800 });
    }
    expect(said[0]).toMatch(/color/i);
    expect(said[1]).not.toMatch(/how much|still need|called about/i);
    expect(said[1]).toMatch(/\b(no|nope|that's (it|all|everything))\b/i);
  });
});
