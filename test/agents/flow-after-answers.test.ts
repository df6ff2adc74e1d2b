import { beforeAll, describe, expect, it } from "vitest";
import { renderSpeech } from "../../agents/agent/flow-template.ts";
import { type LoadedPack, loadPack, validatePackReferences } from "../../scenarios/index.ts";
import { driveScriptedAgent, type Line } from "../helpers/drive-agent.ts";

// Two packs written by someone who only read the docs: a plumber's dispatch line and a gym's.
const NOW = "2026-03-10T10:00:00";
let plumbing: LoadedPack;
let gym: LoadedPack;
beforeAll(async () => {
  plumbing = await loadPack("test/fixtures/packs/plumbing-dispatch");
  gym = await loadPack("test/fixtures/packs/gym-membership");
});

const plumbingCall = (lines: readonly Line[]) => driveScriptedAgent(plumbing, lines, { now: NOW, timezone: "America/Los_Angeles" });
const gymCall = (lines: readonly Line[]) => driveScriptedAgent(gym, lines, { now: NOW, timezone: "America/Chicago" });
const MEI = ["Can you send a plumber this Saturday? It's for a leaky faucet.", "It's four one five, five five five, oh one nine three.", "Nine four one one oh."];

describe("a search that finds nothing", () => {
  it("is looked at once more, then stands: the same day asked again is not searched a third time", async () => {
    const call = await plumbingCall([...MEI, "This Saturday, please.", "Saturday."]);
    const searches = call.args("search_windows").map((args) => JSON.stringify(args));
    expect(searches.length).toBe(2);
    expect(new Set(searches).size).toBe(1);
    expect(call.speech.join(" ")).toMatch(/checked that already/);
    expect(call.speech.join(" ")).not.toMatch(/How can I help you today\?.*How can I help you today\?/);
  });

  it("ends the request politely when the caller has no other day", async () => {
    const call = await plumbingCall([...MEI, "No, that was the only day that works for me. Never mind, thanks.", "No, that's all."]);
    const reply = call.speech.at(-2) ?? "";
    expect(reply).toMatch(/anything else/i);
    expect(reply).not.toMatch(/what day|another day/i);
    expect(call.tools).not.toContain("book_visit");
  });
});

describe("after a refusal at 'anything else?'", () => {
  const planDone = ["I'd like to set up a payment plan for my overdue dues over four months.", "Four oh two three five.", "November third, nineteen eighty-two.", "The twentieth.", "Yes, please."];

  it("answers a push-back with the refusal once more, kindly, then lets a caller who takes it go", async () => {
    const call = await gymCall([...planDone, "Can I spread it over ten months?", "Seriously? That's not fair.", "Alright, never mind then."]);
    const speech = call.speech.join("\n");
    expect(call.tools).toContain("create_dues_plan");
    expect(speech).not.toMatch(/How can I help you today\?[\s\S]*How can I help you today\?/);
    expect(speech).toMatch(/I understand, and I'm sorry. The longest plan I can set up is four monthly payments./);
    expect(call.ended).toBe(true);
  });
});

describe("a request refused whole, at 'anything else?'", () => {
  it("is not taken up again as a new request of the intent its rule belongs to", async () => {
    const library = await loadPack("test/fixtures/packs/library-services");
    // The rule tied to the renew intent, as its first author wrote it.
    const refusals = library.pack.agent.refusals.map((rule) => (rule.trap === "renew_for_friend" ? { ...rule, intents: ["renew_loan"] } : rule));
    const tied = { ...library, pack: { ...library.pack, agent: { ...library.pack.agent, refusals } } };
    const lines = ["I'd like to renew The Night Circus, please.", "Two nine zero zero one two three four.", "Four eight two one.", "Yes, please.", "Could you also renew my friend's books? I have her card number here.", "No, that's all."];
    const call = await driveScriptedAgent(tied, lines, { now: NOW, timezone: "America/Chicago" });
    expect(call.args("renew_loan")).toHaveLength(1);
    expect(call.speech.join("\n")).toMatch(/only renew loans on the card of the person I'm speaking with[^\n]*anything else/i);
  });
});

describe("a number that matched no one", () => {
  it("is asked again with the keypad offered", async () => {
    const library = await loadPack("test/fixtures/packs/library-services");
    const call = await driveScriptedAgent(library, ["I'd like to renew The Night Circus, please.", "Two nine oh oh eight six seven eight."], { now: NOW, timezone: "America/Chicago" });
    expect(call.args("find_patron")).toEqual([{ card: "29008678" }]);
    expect(call.speech.at(-1)).toMatch(/couldn't find a match.*key it in on your phone's keypad.*library card number\?$/);
  });
});

describe("a caller who is not the account holder", () => {
  it("hears what the agent can and cannot do when confused, not the greeting again", async () => {
    const call = await plumbingCall(["I'm calling for my wife, Bob Harlan. Can you tell me about her plumber visit?", "Sorry, what do you need from me?"]);
    expect(call.speech.filter((line) => /How can I help you today/.test(line))).toHaveLength(1);
    expect(call.speech.at(-1)).toMatch(/only discuss an account with the homeowner/);
    expect(call.ended).toBe(true);
  });
});

describe("a count with its noun", () => {
  it("says one month and two months", () => {
    const scope = { slots: {}, slotSpecs: [], customerId: null, saved: { n: 1, m: 2 }, org: "", agent: "", timezone: "UTC", now: NOW, fixtures: {}, config: {} } as unknown as Parameters<typeof renderSpeech>[1];
    expect(renderSpeech("A freeze of {n|number:month}, or {m|number:month}.", scope)).toBe("A freeze of one month, or two months.");
  });
});

describe("a digits slot of a set length", () => {
  it("does not take a phone number for a four-digit code: the code is asked again", async () => {
    const quote = plumbing.pack.agent.intents.find((intent) => intent.id === "quote");
    if (!quote) throw new Error("no quote intent");
    const withLength = { ...quote, slots: quote.slots.map((slot) => (slot.name === "quote_number" ? { ...slot, length: 4 } : slot)) };
    const pack = { ...plumbing.pack, agent: { ...plumbing.pack.agent, intents: plumbing.pack.agent.intents.map((intent) => (intent.id === "quote" ? withLength : intent)) } };
    const call = await driveScriptedAgent({ ...plumbing, pack }, ["I'm calling about a quote you gave me.", ...MEI.slice(1), "It's four one five, five five five, oh one nine three.", "Seven seven three one."], { now: NOW, timezone: "America/Los_Angeles" });
    expect(call.args("get_quote")).toEqual([{ customer_id: "HO-2", quote_number: "7731" }]);
  });
});

describe("validating a digits length", () => {
  it("names a length on a slot that is not digits, and a scenario value with another count of digits", () => {
    const quote = plumbing.pack.agent.intents.find((intent) => intent.id === "quote");
    const book = plumbing.pack.agent.intents.find((intent) => intent.id === "book_visit");
    if (!quote || !book) throw new Error("missing intents");
    const intents = plumbing.pack.agent.intents.map((intent) =>
      intent === quote ? { ...quote, slots: quote.slots.map((slot) => ({ ...slot, length: 5 })) } : intent === book ? { ...book, slots: book.slots.map((slot) => (slot.name === "address" ? { ...slot, length: 4 } : slot)) } : intent,
    );
    const issues = validatePackReferences({ ...plumbing.pack, agent: { ...plumbing.pack.agent, intents } }, plumbing.tools.map((tool) => tool.name)).map((issue) => issue.message);
    expect(issues).toContainEqual(expect.stringMatching(/length is for digits slots; address is text/));
    expect(issues).toContainEqual(expect.stringMatching(/7731 has 4 digits, but slot quote_number has length 5/));
  });
});
