import { describe, expect, it } from "vitest";
import { bindArgs, conditionHolds, type FlowScope, renderSpeech, valueAt } from "../../agents/agent/flow-template.ts";

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

  it("decides `when` by presence, absence or equality", () => {
    expect(conditionHolds("{refill.refill.medication}", scope)).toBe(true);
    expect(conditionHolds("!{refill.refill.flags}", scope)).toBe(true);
    expect(conditionHolds("{refill.refill.medication} == Lisinopril", scope)).toBe(true);
    expect(conditionHolds("{slot.nope} == x", scope)).toBe(false);
  });
});
