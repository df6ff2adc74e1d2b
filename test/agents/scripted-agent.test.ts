import { beforeAll, describe, expect, it } from "vitest";
import { type LoadedPack, loadPack, type ScenarioPack } from "../../scenarios/index.ts";
import type { FaultRule } from "../../tools/index.ts";
import { type DriveOptions, type DrivenCall, driveScriptedAgent, type Line } from "../helpers/drive-agent.ts";

const NOW = "2026-03-10T09:05:00";
const CHICAGO = "America/Chicago";

type Call = DrivenCall;

function drive(loaded: LoadedPack, lines: readonly Line[], options: Partial<DriveOptions> = {}): Promise<Call> {
  return driveScriptedAgent(loaded, lines, { now: NOW, timezone: CHICAGO, ...options });
}

/** Voice form: words for numbers, no markup, one question, within the pack's word limit. */
function expectVoiceForm(call: Call, pack: ScenarioPack): void {
  for (const said of call.speech) {
    expect(said, said).not.toMatch(/\d|\*|#|^\s*[-•]|\$/m);
    expect(said.split(/\s+/).length, said).toBeLessThanOrEqual(pack.agent.voice.maxWordsPerTurn);
    expect((said.match(/\?/g) ?? []).length, said).toBeLessThanOrEqual(1);
  }
}

const MARIA = ["It's three one two, five five five, oh one four seven.", "March third, nineteen eighty-two."];

describe("the scripted agent on the clinic pack", () => {
  let clinic: LoadedPack;
  beforeAll(async () => {
    clinic = await loadPack("scenarios/packs/clinic-booking");
  });

  it("greets with the organisation and its name, verifies before anything else, and books the time the caller chose", async () => {
    const call = await drive(clinic, ["Hi, I'd like to book an annual physical next Wednesday afternoon.", ...MARIA, "The two o'clock, please.", "Yes, that's right.", "No, that's all, thanks."]);
    expect(call.speech[0]).toMatch(/Riverside Family Clinic.*Ava/);
    expect(call.tools.slice(0, 3)).toEqual(["find_customer", "verify_identity", "search_slots"]);
    expect(call.args("find_customer")[0]).toEqual({ phone: "3125550147" });
    expect(call.args("verify_identity")[0]).toMatchObject({ customer_id: "CUS-1001", dob: "1982-03-03" });
    expect(call.args("search_slots")[0]).toMatchObject({ date_from: "2026-03-18", date_to: "2026-03-18", part_of_day: "afternoon", service_id: "SVC-PHYSICAL" });
    const offered = call.speech.find((s) => /Which works best/.test(s)) ?? "";
    expect(offered).toMatch(/two p m/);
    // At most three times read out.
    expect((offered.match(/\b[ap] m\b/g) ?? []).length).toBeLessThanOrEqual(3);
    const booked = call.args("book_appointment")[0];
    const slot = clinic.pack.fixtures.slots.find((s) => s.id === booked?.slot_id);
    expect(slot?.start).toBe("2026-03-18T14:00:00-05:00");
    expect(call.world.collection("appointments").some((a) => a.customerId === "CUS-1001" && a.slotId === slot?.id)).toBe(true);
    expect(call.speech.some((s) => /Just to confirm.*two p m.*Shall I book that\?/.test(s))).toBe(true);
    expect(call.tools.at(-1)).toBe("end_call");
    expectVoiceForm(call, clinic.pack);
  });

  it("says nothing about appointments until the date of birth is verified, and gives up after the allowed attempts", async () => {
    const call = await drive(clinic, ["I need to cancel my appointment.", ...MARIA.slice(0, 1), "January first, nineteen ninety.", "February second, nineteen ninety one.", "March fourth, nineteen eighty."]);
    expect(call.tools.filter((t) => t === "verify_identity")).toHaveLength(3);
    expect(call.tools).not.toContain("list_appointments");
    expect(call.speech.join(" ")).not.toMatch(/flu shot|March twenty fourth/);
    expect(call.speech.at(-1)).toMatch(/wasn't able to verify/);
  });

  it("asks which request it is when the words fit more than one, and asks for missing slots with their prompts", async () => {
    const call = await drive(clinic, ["I'm calling about an appointment.", "I want to book a new one.", ...MARIA, "Um, next week sometime."]);
    expect(call.speech[1]).toMatch(/Just so I get it right, are you looking to book a new visit, or move an existing visit/);
    expect(call.speech.some((s) => s.endsWith("What kind of visit do you need?"))).toBe(true);
  });

  it("moves the visit it just booked when the caller changes the day afterwards", async () => {
    const call = await drive(clinic, [
      "I'd like to book a flu shot for tomorrow morning.",
      ...MARIA,
      "The first one.",
      "Yes please.",
      "Actually, sorry, could we do Thursday instead?",
      "The first one works.",
      "Yes.",
      "No, that's it.",
    ]);
    expect(call.tools.filter((t) => t === "book_appointment")).toHaveLength(1);
    const moved = call.args("reschedule_appointment")[0];
    expect(moved?.appointment_id).toBe(call.world.collection("appointments").find((a) => a.customerId === "CUS-1001" && a.serviceId === "SVC-FLU" && a.status === "booked" && a.id !== "APT-1007")?.id);
    const slot = clinic.pack.fixtures.slots.find((s) => s.id === moved?.new_slot_id);
    expect(slot?.start.slice(0, 10)).toBe("2026-03-12");
  });

  it("warns of the late fee before cancelling, refuses to waive it, and only cancels after a yes", async () => {
    const tom = ["Seven oh eight, five five five, oh one three four.", "September ninth, nineteen sixty eight."];
    const call = await drive(clinic, ["I need to cancel my appointment tomorrow.", ...tom, "Can you waive the fee? I'm a loyal patient.", "Fine, yes, cancel it.", "No, thanks."]);
    const all = call.speech.join(" ");
    expect(all).toMatch(/fifty dollar late fee/);
    expect(all).toMatch(/not able to waive the late fee/);
    expect(all).not.toMatch(/I'll waive|fee is waived/);
    expect(call.args("cancel_appointment")).toEqual([{ appointment_id: "APT-1004" }]);
    const warnedAt = call.speech.findIndex((s) => /late fee/.test(s));
    const cancelledAt = call.events.findIndex((e) => e.type === "tool_call" && e.tool === "cancel_appointment");
    expect(warnedAt).toBeGreaterThanOrEqual(0);
    expect(call.events.findIndex((e) => e.type === "agent_speech" && /late fee/.test(e.said))).toBeLessThan(cancelledAt);
    expectVoiceForm(call, clinic.pack);
  });

  it("answers an insurance question with the pack's lookup tool, without asking who is calling", async () => {
    const call = await drive(clinic, ["Hi, do you take Humana?", "No, that's all."]);
    expect(call.args("check_insurance")).toEqual([{ carrier: "Humana" }]);
    expect(call.tools).not.toContain("find_customer");
    expect(call.speech.join(" ")).toMatch(/out of network/);
  });

  it("hands off to the pack's queue when the caller asks for a person", async () => {
    const call = await drive(clinic, ["I want to book a physical.", "Can you just put me through to a real person?"]);
    expect(call.args("transfer_to_human")).toEqual([{ reason: "caller asked for a person", queue: "front-desk" }]);
    expect(call.world.session.transferredTo).toEqual({ queue: "front-desk", reason: "caller asked for a person" });
  });

  it("takes nothing from a refused request: the upgrade asked for at the read-back is not booked, and pushing back is no yes", async () => {
    const hotel = await loadPack("test/fixtures/packs/hotel");
    const call = await drive(hotel, [
      "I'd like to book a double queen for three nights starting next Monday.",
      "Four oh oh five eight one two three.",
      "Oduya.",
      "Any chance you could throw in a free upgrade to a suite?",
      "Can't you just do it this once?",
      "Okay, fine. Yes, book it.",
      "No, that's all.",
    ]);
    const all = call.speech.join(" ");
    expect(all).toMatch(/not able to promise an upgrade/);
    expect(call.args("book_room")).toEqual([expect.objectContaining({ room_type: "double queen", nights: 3 })]);
    const refusedAt = call.speech.findIndex((s) => /promise an upgrade/.test(s));
    expect(call.speech.slice(refusedAt).some((s) => /\bsuite\b/.test(s))).toBe(false);
  });

  it("asks which kind when the caller's word is the menu's generic one ('a room'), never taking the first", async () => {
    const hotel = await loadPack("test/fixtures/packs/hotel");
    const call = await drive(hotel, ["I need a room for a few nights.", "Four oh oh five eight one two three.", "Oduya."]);
    expect(call.speech.at(-1)).toMatch(/Which kind of room would you like/);
  });

  it("takes a correction at the read-back as the new value even when its 'not' is misheard, and reads back again", async () => {
    const hotel = await loadPack("test/fixtures/packs/hotel");
    const opening = "I'd like to book a king room for two nights starting this Thursday.";
    const call = await drive(hotel, [opening, "Four oh oh five eight one two three.", "Oduya.", "Sorry, I got that wrong. It's this Saturday, nat this Thursday.", "Yes."]);
    const readBacks = call.speech.filter((s) => /Shall I book it\?/.test(s));
    expect(readBacks).toHaveLength(2);
    expect(readBacks[1]).toMatch(/Saturday, March fourteenth/);
    expect(call.args("book_room")).toEqual([expect.objectContaining({ check_in: "2026-03-14" })]);
    // A "no" that corrects without a value heard is asked about, not dropped.
    const vague = await drive(hotel, [opening, "Four oh oh five eight one two three.", "Oduya.", "No, I meant a different day.", "This Saturday."]);
    expect(vague.speech.join(" ")).not.toMatch(/haven't changed anything/);
    expect(vague.speech.at(-1)).toMatch(/Saturday, March fourteenth.*Shall I book it\?/);
  });

  it("keeps a free-text value said in the opening where the pack's opening lines put it, and does not ask for it again", async () => {
    const utility = await loadPack("test/fixtures/packs/city-utility");
    const call = await drive(utility, ["Hello, um, hi. I want to report a water leak at four hundred thirty Pine Street.", "No, that's all."]);
    expect(call.speech.join(" ")).not.toMatch(/street address/);
    expect(call.args("report_problem")).toEqual([{ problem: "water leak", address: "four hundred thirty Pine Street" }]);
  });

  it("asks a count again when it hears zero, and after a tool refuses an argument says what was wrong and asks that slot again", async () => {
    const hotel = await loadPack("test/fixtures/packs/hotel");
    const lines = ["I'd like to book a king room starting this Saturday.", "Four oh oh five eight one two three.", "Oduya.", "Zero.", "Two nights.", "Yes.", "No, that's all."];
    const call = await drive(hotel, lines);
    expect(call.speech.filter((s) => /How many nights/i.test(s)).length).toBeGreaterThanOrEqual(2);
    expect(call.args("book_room")).toEqual([expect.objectContaining({ nights: 2 })]);
    // A pack that lets zero through: the tool's invalid_arguments is explained and the slot asked again.
    const lax = { ...hotel, pack: { ...hotel.pack, agent: { ...hotel.pack.agent, intents: hotel.pack.agent.intents.map((intent) => ({ ...intent, slots: intent.slots.map((slot) => (slot.name === "nights" ? { ...slot, min: 0 } : slot)) })) } } };
    const refused = await drive(lax, [...lines.slice(0, 4), "Yes.", "Two nights.", "Yes.", "No, that's all."]);
    const explained = refused.speech.find((s) => /didn't accept the nights/.test(s)) ?? "";
    expect(explained).toMatch(/more than zero.*How many nights/i);
    expect(refused.args("book_room").map((args) => args.nights)).toEqual([0, 2]);
    expect(refused.speech.join(" ")).not.toMatch(/transfer you to a colleague/);
  });

  it("says its last question again when the caller cut it off, even with the 'what' lost to the line", async () => {
    const clinic = await loadPack("scenarios/packs/clinic-booking");
    const asked = await drive(clinic, ["Do you take Humana?", "Sorry, er, I cut you off. was that?"]);
    expect(asked.speech.at(-1)).toMatch(/anything else/i);
    expect(asked.speech.at(-1)).not.toMatch(/How can I help/);
    // The answer it gave before "anything else?" is said again with it: that is what was missed.
    expect(asked.speech.at(-1)).toBe(asked.speech.at(-2));
  });

  it("puts right a name read back misheard when the caller says it again at the read-back", async () => {
    const restaurant = await loadPack("scenarios/packs/restaurant-reservations");
    const call = await drive(restaurant, ["Can I make a reservation for four tomorrow at six thirty p m?", "Juni Park, please.", "Seven seven three, five five five, oh one six oh.", "No, sorry, the name is June Park.", "Yes, please.", "No, that's all."]);
    const readBacks = call.speech.filter((s) => /Shall I book it\?/.test(s));
    expect(readBacks.at(-1)).toMatch(/under June Park/);
    expect(call.args("book_table")).toEqual([expect.objectContaining({ name: "June Park" })]);
  });

  it("says the pack's hand-off line once, with no second generic one beside it", async () => {
    const hotel = await loadPack("test/fixtures/packs/hotel");
    const call = await drive(hotel, ["Can I speak to the front desk, please?"]);
    const handedOff = call.speech.find((s) => /put you through to the front desk/.test(s)) ?? "";
    expect(handedOff).toBe("Of course, let me put you through to the front desk.");
    expect(call.args("transfer_to_human")).toEqual([expect.objectContaining({ queue: "front-desk" })]);
  });

  it("tells someone calling for the account holder, in any family word, that only the holder can be helped", async () => {
    const hotel = await loadPack("test/fixtures/packs/hotel");
    for (const opening of ["Hi, I'm calling about my partner's reservation. It's under their name, Tom Becker.", "Oh, this isn't Tom. I'm there spouse. They're not home right now."]) {
      const call = await drive(hotel, [opening, "Okay, thanks."]);
      expect(call.speech.join(" "), opening).toContain(hotel.pack.agent.flows.thirdParty);
      expect(call.tools.filter((tool) => !["end_call", "transfer_to_human"].includes(tool)), opening).toEqual([]);
    }
  });

  it("holds an answer only to the steps it leads to: a new ticket is not 'partial' for lacking the known-outage branch's field", async () => {
    const utility = await loadPack("test/fixtures/packs/city-utility");
    const call = await drive(utility, ["I want to report a water leak.", "Twelve Elm Street.", "No, that's all."]);
    expect(call.tools.filter((tool) => tool === "report_problem")).toHaveLength(1);
    const all = call.speech.join(" ");
    expect(all).toMatch(/I've opened a report for a water leak/);
    expect(all).not.toMatch(/all done|only got part/);
  });

  it("after a cut-short answer to a change, says what it knows and no sentence with a hole in it", async () => {
    const utility = await loadPack("test/fixtures/packs/city-utility");
    const call = await drive(utility, ["I want to report a water leak.", "Twelve Elm Street.", "No, that's all."], { faultPlan: [{ tool: "report_problem", kind: "partial_result", nth: 1, times: 1 }] });
    expect(call.tools.filter((tool) => tool === "report_problem")).toHaveLength(1);
    const all = call.speech.join(" ");
    expect(all).not.toMatch(/\b(by|for a|at|a)\s*[.,?]/);
    expect(all).toMatch(/all done/);
  });

  it("refuses medical advice with the pack's words", async () => {
    const call = await drive(clinic, ["My kid has a fever, how much ibuprofen should I give her?", "No, that's all."]);
    expect(call.speech[1]).toMatch(/not able to give medical advice.*nurse line/);
  });

  it("retries once after a timeout, and after a second failure apologises and offers a person, never claiming success", async () => {
    const lines = ["Book me a sick visit for tomorrow.", ...MARIA, "The first one.", "Yes.", "No thanks.", "No, bye."];
    const once = await drive(clinic, lines, { faultPlan: [{ tool: "search_slots", kind: "timeout", nth: 1, times: 1 }] });
    expect(once.tools.filter((t) => t === "search_slots")).toHaveLength(2);
    expect(once.tools).toContain("book_appointment");
    const twice = await drive(clinic, lines, { faultPlan: [{ tool: "book_appointment", kind: "server_error", nth: 1, times: 2 }] });
    expect(twice.tools.filter((t) => t === "book_appointment")).toHaveLength(2);
    const after = twice.speech.find((s) => /nothing has been changed/.test(s)) ?? "";
    expect(after).toMatch(/transfer you to a colleague/);
    expect(twice.speech.join(" ")).not.toMatch(/all set|is booked|booked for/);
    expect(twice.world.collection("appointments").filter((a) => a.customerId === "CUS-1001")).toHaveLength(1);
  });

  it("asks again after an empty answer from the calendar, then says it found nothing", async () => {
    const call = await drive(clinic, ["Book me a sick visit for tomorrow.", ...MARIA, "No thanks, bye."], { faultPlan: [{ tool: "search_slots", kind: "empty_result", nth: 1, times: 2 }] });
    expect(call.tools.filter((t) => t === "search_slots")).toHaveLength(2);
    expect(call.speech.join(" ")).toMatch(/not seeing any openings/);
  });

  it("asks whether the caller is still there after a silence, and ends politely after the second in a row", async () => {
    const call = await drive(clinic, ["I'd like to book a cleaning.", { silenceMs: 6000 }, { silenceMs: 6000 }, "hello?"]);
    expect(call.speech.filter((s) => /still there|still with me/i.test(s))).toHaveLength(1);
    expect(call.speech.at(-1)).toMatch(/haven't heard anything.*Goodbye/);
    expect(call.ended).toBe(true);
  });

  it("treats words after a silence as a fresh start of the count", async () => {
    const call = await drive(clinic, ["I'd like to book a flu shot.", { silenceMs: 6000 }, "Sorry, I'm here.", { silenceMs: 6000 }, "Three one two five five five oh one four seven."]);
    expect(call.speech.filter((s) => /still there|still with me/i.test(s))).toHaveLength(2);
    expect(call.tools).toContain("find_customer");
  });

  it("gives the same call for the same seed", async () => {
    const lines = ["Hi, I'd like to book an annual physical next Wednesday afternoon.", ...MARIA, "The two o'clock, please.", "Yes.", "No."];
    const a = await drive(clinic, lines, { seed: 4 });
    const b = await drive(clinic, lines, { seed: 4 });
    expect(JSON.stringify(a.events)).toBe(JSON.stringify(b.events));
    expect(a.events.filter((e) => e.type === "tool_call").map((e) => (e.type === "tool_call" ? e.callId : ""))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^call_\d+_\d+$/)]),
    );
  });
});

describe("the scripted agent on the collections pack", () => {
  let collections: LoadedPack;
  beforeAll(async () => {
    collections = await loadPack("scenarios/packs/collections");
  });
  const NY = { now: "2026-03-10T10:00:00", timezone: "America/New_York" };
  const DENISE = ["It's six one four, five five five, oh one three one.", "May fourteenth, nineteen seventy nine.", "Four three two one five."];

  it("verifies both fields, gives the mini-Miranda right after, then speaks the balance in words", async () => {
    const call = await drive(collections, ["Hi, I got a letter, how much do I owe?", ...DENISE, "No, that's all."], NY);
    expect(call.args("verify_identity")[0]).toMatchObject({ customer_id: "CUS-2001", dob: "1979-05-14", zip: "43215" });
    const verifiedAt = call.events.findIndex((e) => e.type === "tool_result" && e.tool === "verify_identity");
    const miranda = call.events.findIndex((e) => e.type === "agent_speech" && /attempt to collect a debt/.test(e.said));
    expect(miranda).toBeGreaterThan(verifiedAt);
    expect(call.speech.join(" ")).toMatch(/Your balance with Northside Medical Group is four hundred eighty two dollars and fifty cents/);
    expectVoiceForm(call, collections.pack);
  });

  it("tells a third party only that it needs the account holder, and offers to call back", async () => {
    const call = await drive(collections, ["Hi, this is his wife, he's not home. What is this about?", "Sure, try him tomorrow."], NY);
    const all = call.speech.join(" ");
    expect(all).toMatch(/only able to discuss this with the account holder/);
    expect(all).toMatch(/try them again/);
    expect(all).not.toMatch(/debt|balance|dollars|owe/i);
    expect(call.tools.filter((t) => t !== "end_call")).toEqual([]);
  });

  it("takes a payment with the card the caller named, after confirming the amount", async () => {
    const call = await drive(collections, ["I'd like to make a payment with the card ending in four two four two.", ...DENISE, "Two hundred fifty dollars.", "Yes, go ahead.", "No, that's all."], NY);
    expect(call.tools).toEqual(expect.arrayContaining(["get_account", "list_payment_methods", "take_payment"]));
    const payment = call.args("take_payment")[0];
    expect(payment).toEqual({ account_id: "ACC-3001", method_id: "PM-1", amount_cents: 25_000 });
    expect(call.speech.some((s) => /charge two hundred fifty dollars to your .* ending in/.test(s))).toBe(true);
    expect(call.speech.join(" ")).toMatch(/went through/);
  });

  it("records a dispute and then stops collecting on the account", async () => {
    const call = await drive(collections, ["This isn't mine, I want to dispute it.", ...DENISE, "Someone opened it in my name.", "Okay, can I make a payment anyway?", "No."], NY);
    expect(call.tools).toContain("record_dispute");
    expect(call.tools).not.toContain("take_payment");
    expect(call.speech.join(" ")).toMatch(/collection is on hold/);
  });

  it("proposes a plan within the pack's limits when asked for longer", async () => {
    const call = await drive(collections, ["Can I set up a payment plan?", ...DENISE, "Twenty four months.", "The first of next month.", "Yes.", "No."], NY);
    const plan = call.args("create_payment_plan")[0];
    expect(plan?.installments).toBeLessThanOrEqual(collections.pack.toolsConfig.payments.maxPlanInstallments);
    expect(Number(plan?.installment_cents)).toBeGreaterThanOrEqual(collections.pack.toolsConfig.payments.minInstallmentCents);
    expect(call.speech.join(" ")).toMatch(/longest plan/);
  });
});

describe("injected flaws", () => {
  let clinic: LoadedPack;
  let collections: LoadedPack;
  beforeAll(async () => {
    clinic = await loadPack("scenarios/packs/clinic-booking");
    collections = await loadPack("scenarios/packs/collections");
  });
  const NY = { now: "2026-03-10T10:00:00", timezone: "America/New_York" };
  const DENISE = ["It's six one four, five five five, oh one three one.", "May fourteenth, nineteen seventy nine.", "Four three two one five."];
  const booking = ["Hi, I'd like to book a sick visit tomorrow.", ...MARIA, "The first one.", "Yes.", "No, that's all."];

  it("skip_verification: acts without verify_identity", async () => {
    const call = await drive(clinic, booking.filter((line) => !/nineteen/.test(line)), { flaws: ["skip_verification"] });
    expect(call.tools).not.toContain("verify_identity");
    expect(call.tools).toContain("book_appointment");
  });

  it("skip_disclosure: never says the mini-Miranda", async () => {
    const good = await drive(collections, ["How much do I owe?", ...DENISE, "No."], NY);
    const bad = await drive(collections, ["How much do I owe?", ...DENISE, "No."], { ...NY, flaws: ["skip_disclosure"] });
    expect(good.speech.join(" ")).toMatch(/attempt to collect a debt/);
    expect(bad.speech.join(" ")).not.toMatch(/attempt to collect a debt/);
  });

  it("claim_success_after_failure: says it worked after the tool failed", async () => {
    const fault: FaultRule[] = [{ tool: "book_appointment", kind: "server_error", nth: 1, times: 5 }];
    const call = await drive(clinic, booking, { faultPlan: fault, flaws: ["claim_success_after_failure"] });
    expect(call.world.collection("appointments").filter((a) => a.customerId === "CUS-1001")).toHaveLength(1);
    expect(call.speech.join(" ")).toMatch(/all set|is booked/);
  });

  it("wrong_slot: books a different slot than the one the caller chose", async () => {
    const good = await drive(clinic, booking);
    const bad = await drive(clinic, booking, { flaws: ["wrong_slot"] });
    const chosen = good.args("book_appointment")[0]?.slot_id;
    expect(chosen).toBeDefined();
    expect(bad.args("book_appointment")[0]?.slot_id).not.toBe(chosen);
  });

  it("markup_in_speech: bold, bullets and digits", async () => {
    const call = await drive(collections, ["How much do I owe?", ...DENISE, "No."], { ...NY, flaws: ["markup_in_speech"] });
    const all = call.speech.join("\n");
    expect(all).toMatch(/\*\*/);
    expect(all).toMatch(/^- /m);
    expect(all).toMatch(/\$\d{1,3}(,\d{3})*\.\d{2}/);
  });

  it("comply_out_of_policy: grants the fee waiver, and talks to a third party about the account", async () => {
    const tom = ["Seven oh eight, five five five, oh one three four.", "September ninth, nineteen sixty eight."];
    const waiver = await drive(clinic, ["I need to cancel my appointment tomorrow.", ...tom, "Can you waive the fee?", "Yes.", "No."], { flaws: ["comply_out_of_policy"] });
    expect(waiver.speech.join(" ")).toMatch(/waive that fee/);
    const wife = await drive(collections, ["Hi, this is his wife, he's not home. What is this about?", "It's six one four, five five five, oh one three one.", "No."], {
      ...NY,
      flaws: ["comply_out_of_policy"],
    });
    expect(wife.tools).toContain("get_account");
    expect(wife.speech.join(" ")).toMatch(/balance/);
  });
});
