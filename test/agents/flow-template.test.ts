import { describe, expect, it } from "vitest";
import { bindArgs, conditionHolds, DETAILS_TO_FOLLOW, type FlowScope, renderSpeech, valueAt } from "../../agents/agent/flow-template.ts";

const scope: FlowScope = {
  slots: { amount: "15000", pay_date: "2026-03-13..2026-03-13", name: "Dana Whitfield" },
  slotSpecs: [
    { name: "amount", type: "money", prompt: "How much?", required: true, examples: [] },
    { name: "pay_date", type: "date", prompt: "When?", required: true, examples: [] },
  ],
  customerId: "PAT-1001",
  saved: { refill: { refill: { medication: "lisinopril", pickupDate: "2026-03-11", flags: [] } }, list: { records: [{ name: "Blue Cross" }, { name: "Aetna" }] } },
  org: "Cedar Street Pharmacy",
  agent: "Robin",
  timezone: "America/Chicago",
};

describe("flow templates", () => {
  it("reads a field through an empty list as nothing (an empty or partial tool result), never throwing", () => {
    expect(valueAt({ records: [] }, "records.creditor")).toBeUndefined();
    expect(valueAt({ records: [{ creditor: "Acme" }] }, "records.creditor")).toBe("Acme");
  });

  it("binds a whole placeholder with its type, a date slot as its first day and the caller's record id", () => {
    expect(bindArgs({ amount_cents: "{slot.amount}", date: "{slot.pay_date}", patient: "{customer.id}", note: "for {slot.name}", fixed: 3, missing: "{slot.nope}" }, scope)).toEqual({
      amount_cents: 15000,
      date: "2026-03-13",
      patient: "PAT-1001",
      note: "for Dana Whitfield",
      fixed: 3,
    });
  });

  it("speaks money, dates, digits and lists, and reads saved results by path", () => {
    expect(renderSpeech("You'll pay {slot.amount|money} on {slot.pay_date|date}.", scope)).toBe("You'll pay one hundred fifty dollars on Friday, March thirteenth.");
    expect(renderSpeech("Your {refill.refill.medication} is ready {refill.refill.pickupDate|date}, at {org}.", scope)).toBe("Your lisinopril is ready Wednesday, March eleventh, at Cedar Street Pharmacy.");
    expect(renderSpeech("We take {list.records|list}.", scope)).toBe("We take Blue Cross and Aetna.");
    expect(renderSpeech("Reference {customer.id|digits}.", scope)).toBe("Reference one zero zero one.");
  });

  it("never reads a sentence with a hole: a clause with a missing value is cut, a sentence needing one is left out", () => {
    const partial = { ...scope, saved: { report: { ticket: { problem: "water leak" } } } };
    expect(renderSpeech("We already know about that outage. Crews expect to have it fixed by {report.restoreBy|time}.", partial)).toBe("We already know about that outage.");
    expect(renderSpeech("I'm sorry, I can't cancel that one: {error}.", { ...scope, error: "" })).toBe("I'm sorry, I can't cancel that one.");
    expect(renderSpeech("I've opened a report for a {report.ticket.problem} at {report.ticket.address}. A crew will be there by {report.ticket.crewBy|time}.", partial)).toBe(DETAILS_TO_FOLLOW);
    expect(renderSpeech("Your {refill.refill.medication} is ready.", scope)).toBe("Your lisinopril is ready.");
  });

  it("capitalises a value that opens a sentence, the article filter's included", () => {
    const service = { ...scope, slots: { ...scope.slots, service: "oil change", device: "iPhone" } };
    expect(renderSpeech("{slot.service|a} is booked. {slot.service|a} takes an hour.", service)).toBe("An oil change is booked. An oil change takes an hour.");
    expect(renderSpeech("{slot.device} repairs take a day.", service)).toBe("iPhone repairs take a day.");
  });

  it("decides `when` by presence, absence or equality", () => {
    expect(conditionHolds("{refill.refill.medication}", scope)).toBe(true);
    expect(conditionHolds("!{refill.refill.flags}", scope)).toBe(true);
    expect(conditionHolds("{refill.refill.medication} == Lisinopril", scope)).toBe(true);
    expect(conditionHolds("{slot.nope} == x", scope)).toBe(false);
  });
  it("reads a datetime slot's span, time and part, an enum slot's record, and compares numbers and hours to the clock", () => {
    const timed: FlowScope = {
      ...scope,
      slots: { when: "2026-03-16..2026-03-20 15:00", day: "2026-03-11..2026-03-11 morning", service: "flu shot" },
      slotSpecs: [
        { name: "when", type: "datetime", prompt: "When?", required: true, examples: [] },
        { name: "day", type: "datetime", prompt: "Which day?", required: true, examples: [] },
        { name: "service", type: "enum", from: "services", prompt: "What for?", required: true, examples: [] },
      ],
      saved: { visit: { start: "2026-03-11T09:00:00-05:00" }, later: { start: "2026-03-20T09:00:00-05:00" } },
      now: "2026-03-10T09:05:00",
      fixtures: { services: [{ id: "SVC-FLU", name: "flu shot" }] },
    };
    expect(bindArgs({ from: "{slot.when.from}", to: "{slot.when.to}", at: "{slot.when.time}", part: "{slot.when.part}", day: "{slot.day}", daypart: "{slot.day.part}", id: "{slot.service.id}" }, timed)).toEqual({
      from: "2026-03-16",
      to: "2026-03-20",
      at: "15:00",
      day: "2026-03-11",
      daypart: "morning",
      id: "SVC-FLU",
    });
    expect(conditionHolds("{visit.start|hours} < 24", timed)).toBe(true);
    expect(conditionHolds("{later.start|hours} < 24", timed)).toBe(false);
    expect(conditionHolds("{later.start|hours} >= 24", timed)).toBe(true);
    expect(conditionHolds("{slot.when.from} == {slot.when.to}", timed)).toBe(false);
    expect(conditionHolds("{slot.day.from} == {slot.day.to}", timed)).toBe(true);
    expect(conditionHolds("{slot.nothing} > 3", timed)).toBe(false);
  });
});
