import { beforeAll, describe, expect, it } from "vitest";
import { type CallerTurn, createScriptedCaller, type JsonValue } from "../../agents/index.ts";
import { type ConversationEvent, type LoadedPack, loadPack, type Scenario } from "../../scenarios/index.ts";
import { Rng } from "../../tools/index.ts";
import { toAgentVoice, toCallerVoice } from "../../agents/slot-filling/person.ts";

const caller = createScriptedCaller();

/** Plays the scripted caller of a pack's scenario against a list of agent lines; returns what it said to each. */
async function converse(loaded: LoadedPack, scenarioId: string, agentLines: readonly string[], seed = 1, tweak: (s: Scenario) => Scenario = (s) => s): Promise<CallerTurn[]> {
  const found = loaded.pack.scenarios.find((s) => s.id === scenarioId);
  if (!found) throw new Error(`no scenario ${scenarioId}`);
  const scenario = tweak(found);
  const base = loaded.pack.personas.find((p) => p.id === scenario.persona) ?? loaded.pack.personas[0];
  if (!base) throw new Error("no persona");
  // A clean line and a plain speaker: what is said, not how, is under test.
  const persona = { ...base, asr: { wer: 0, bargeInRate: 0, silenceRate: 0 }, style: { ...base.style, disfluencyRate: 0, catchphrases: [] }, traits: { ...base.traits, verbosity: 0 } };
  const events: ConversationEvent[] = [];
  let memory: JsonValue = null;
  const turns: CallerTurn[] = [];
  for (const [i, line] of agentLines.entries()) {
    events.push({ type: "agent_speech", turn: i + 1, said: line, callerHeard: line, interrupted: false, at: i * 2000, durationMs: 1000 });
    const turn = await caller.nextTurn({ pack: loaded.pack, scenario, persona, events, turn: i + 1, memory }, Rng.derive(seed, i));
    memory = turn.memory;
    turns.push(turn);
    if (process.env.DUMP_CALLS) console.log(`A: ${line}\nC: ${turn.utterance}${turn.dtmf ? ` [keys ${turn.dtmf}]` : ""}${turn.hangUp ? " [hangs up]" : ""}`);
    events.push({ type: "caller_speech", turn: i + 1, said: turn.utterance, heard: turn.dtmf ?? turn.utterance, bargedIn: false, at: i * 2000 + 1000, durationMs: 800 });
    if (turn.hangUp) break;
  }
  return turns;
}

let gym: LoadedPack;
let plumbing: LoadedPack;
beforeAll(async () => {
  gym = await loadPack("test/fixtures/packs/gym-membership");
  plumbing = await loadPack("test/fixtures/packs/plumbing-dispatch");
});

const GREET_PLUMBING = "Thanks for calling Rapid Rooter Plumbing, this is Sam. How can I help you today?";
const GREET_GYM = "Thanks for calling Ironwood Fitness, this is Jess. How can I help you today?";

describe("the scripted caller reads a pack's own questions", () => {
  it("answers a not-found line that asks for a request slot again with that slot, not its phone number, and gives the corrected value then", async () => {
    const turns = await converse(plumbing, "quote-correction-medium", [
      GREET_PLUMBING,
      "What's the four-digit quote number?",
      "I can't find a quote with that number on your account. Could you check the quote number?",
    ]);
    expect(turns[1]?.utterance).toMatch(/seven seven one three/i);
    expect(turns[2]?.utterance).toMatch(/seven seven three one/i);
    expect(turns[2]?.utterance).not.toMatch(/four one five|five five five/);
  });

  it("keys a pack's own identity slot on the keypad when its scenario says so", async () => {
    const turns = await converse(gym, "cancel-no-fee-asr-medium", [GREET_GYM, "What's your member ID? It's the five digits on your key tag."]);
    expect(turns[1]).toMatchObject({ utterance: "", dtmf: "40235" });
  });

  it("has no other day to give when nothing is open on its own, so it lets the request go and ends the call", async () => {
    const turns = await converse(plumbing, "book-no-window-medium", [
      GREET_PLUMBING,
      "I don't have any arrival windows open then. Is there another day that would work?",
      "Okay, no problem. I'm sorry I couldn't find anything that works. Is there anything else I can help you with?",
    ]);
    expect(turns[1]?.utterance).toMatch(/^(No|.*\bno\b)/i);
    expect(turns[1]?.utterance).not.toMatch(/saturday|system/i);
    expect(turns[1]?.hangUp).toBe(false);
    expect(turns[2]).toMatchObject({ hangUp: true, hangUpReason: "satisfied" });
  });

  it("answers a read-back that names a time range with a yes, not a pick of a time", async () => {
    const turns = await converse(plumbing, "book-easy", [
      GREET_PLUMBING,
      "Just to confirm, a plumber for your clogged drain at fourteen twenty Alder Street, arriving between eight a m and noon on Monday, March sixteenth. The diagnostic visit is eighty-nine dollars. Shall I book it?",
    ]);
    expect(turns[1]?.utterance).toMatch(/\byes\b|go ahead|please do/i);
    expect(turns[1]?.utterance).not.toMatch(/eight a m|noon/i);
  });

  it("takes the pack's own 'only with the account holder' line as the end of a call about someone else's account", async () => {
    const turns = await converse(plumbing, "cancel-for-husband-hard", [GREET_PLUMBING, "I'm sorry, I can only discuss an account with the homeowner on it. They're welcome to call us."]);
    expect(turns[1]?.hangUp).toBe(true);
  });

  it("says an intent offered in the agent's voice back in its own", async () => {
    const turns = await converse(gym, "cancel-no-fee-asr-medium", [
      GREET_GYM,
      "Sorry, I didn't quite get that. Are you calling to freeze your membership, cancel your membership, pay overdue dues, or something else?",
    ]);
    expect(turns[1]?.utterance).toMatch(/cancel my membership/);
    expect(turns[1]?.utterance).not.toMatch(/your/);
  });

  it("does not raise again a request the agent already refused when the opening asked it", async () => {
    const turns = await converse(gym, "plan-too-long-hard", [
      GREET_GYM,
      "The longest plan I can set up is four monthly payments. What's your member ID? It's the five digits on your key tag.",
      "Your plan is set up: four monthly payments of twenty one dollars and seventy five cents, starting Friday, March twentieth. Anything else I can do for you today?",
    ]);
    expect(turns[0]?.utterance).toMatch(/ten months/);
    expect(turns[2]?.utterance).not.toMatch(/ten months/);
    expect(turns[2]?.hangUp).toBe(true);
  });
});

describe("a request's words from one side of the call to the other", () => {
  it("turns the caller's words into the agent's and back", () => {
    expect(toAgentVoice("freeze my membership")).toBe("freeze your membership");
    expect(toCallerVoice("cancel your membership")).toBe("cancel my membership");
    expect(toCallerVoice("send you a copy of your bill")).toBe("send me a copy of my bill");
    expect(toCallerVoice(toAgentVoice("move my visit"))).toBe("move my visit");
    expect(toAgentVoice("book a plumber visit")).toBe("book a plumber visit");
  });
});
