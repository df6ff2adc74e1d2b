import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { driveScriptedAgent } from "../helpers/drive-agent.ts";
import { type LoadedPack, loadPack, } from "../../scenarios/index.ts";

// A gym's dues line, written for these tests: a plan whose monthly amount the flow computes
// within the pack's limits, a payment by a card the flow picks, and identity from `identifyBy`
// and `verifyBy` alone (no identity steps written).
const PACK = `
id: gym-dues
name: Riverside Gym dues line
domain: gym membership dues
description: Members call to pay overdue dues or split them into monthly payments.
agent:
  name: Robin
  organization: Riverside Gym
  policy: You help members with overdue dues. Verify the member before anything about their account.
  procedure:
    - { id: greet, description: Greet, say: "Thanks for calling {org}, this is {agent}. How can I help?" }
    - { id: act, description: Help with the dues }
  intents:
    - id: split_dues
      description: Split the dues into monthly payments
      keywords: [split, monthly, months]
      tools: [get_account, create_payment_plan]
      slots:
        - { name: months, type: number, prompt: "Over how many months?" }
        - { name: start, type: date, prompt: "When should the first payment be?" }
      steps:
        - call: get_account
          args: { customer_id: "{customer.id}" }
          save: dues
        - collect: [months, start]
        - when: "{= slot.months > config.payments.maxPlanInstallments}"
          say: "The longest I can split it is {config.payments.maxPlanInstallments|number} months."
        - set:
            count: "{= min(slot.months, config.payments.maxPlanInstallments)}"
            monthly: "{= ceil(dues.accounts.balance_cents / count)}"
        - confirm: "That's {count|number} payments of {monthly|money}, {= count * monthly|money} in all. Shall I set it up?"
        - call: create_payment_plan
          args: { account_id: "{dues.accounts.account_id}", installments: "{count}", installment_cents: "{monthly}", first_date: "{slot.start}" }
          say: "Done: {count|number} payments of {monthly|money}."
          onError: { rule_violation: "I can't set that up: {error}." }
          then: report
    - id: pay_dues
      description: Pay the dues
      keywords: [pay]
      tools: [get_account, list_payment_methods, take_payment]
      slots:
        - { name: card, type: digits, prompt: "Which card?", required: false }
      steps:
        - call: get_account
          args: { customer_id: "{customer.id}" }
          save: dues
        - call: list_payment_methods
          args: { customer_id: "{customer.id}" }
          save: wallet
        - choose:
            from: "{wallet.methods}"
            where: "!{item.is_expired}"
            prefer: ["{= item.last4 == slot.card}", "{item.is_default}"]
            label: "your {item.brand} ending in {item.last4|digits}"
            ask: "Which would you like to use: {options}?"
            save: method
        - confirm: "I'll charge {dues.accounts.balance_cents|money} to your {method.brand} ending in {method.last4|digits}. Is that right?"
        - call: take_payment
          args: { account_id: "{dues.accounts.account_id}", method_id: "{method.method_id}", amount_cents: "{dues.accounts.balance_cents}" }
          say: "That went through."
          then: report
  tools: [find_customer, verify_identity, get_account, list_payment_methods, take_payment, create_payment_plan, transfer_to_human, end_call]
  verification: { identifyBy: [phone], verifyBy: [dob], maxAttempts: 2 }
  flows: { handoffTool: transfer_to_human, endTool: end_call }
toolsConfig:
  payments: { maxPlanInstallments: 3, minInstallmentCents: 1000, maxPromiseDays: 30 }
  handoff: { queues: [front-desk] }
fixtures:
  customers:
    - { id: CUS-1, name: Sam Reed, phone: "(555) 010-2030", dob: "1990-01-02", address: "1 Main St", zip: "11111" }
  accounts:
    - { id: ACC-1, customerId: CUS-1, kind: debt, balanceCents: 10000, creditor: Riverside Gym }
  paymentMethods:
    - { id: PM-1, customerId: CUS-1, kind: card, brand: Visa, last4: "1111", isDefault: true, isExpired: true }
    - { id: PM-2, customerId: CUS-1, kind: card, brand: Visa, last4: "4242" }
    - { id: PM-3, customerId: CUS-1, kind: card, brand: Mastercard, last4: "5454" }
personas:
  - id: sam
    name: Sam Reed
    traits: { patience: 0.8, verbosity: 0.2, cooperativeness: 0.9, techComfort: 0.6, emotion: calm }
    style: {}
    asr: {}
scenarios:
  - id: split
    title: Split the dues
    persona: sam
    goal: { intent: split_dues, slots: { months: 2, start: the 20th }, description: Split the dues in two }
    hiddenFacts: { phone: "555 010 2030", dob: "1990-01-02" }
    clock: { now: "2026-03-10T09:00:00", timezone: America/Chicago }
    difficulty: easy
`;

const NOW = "2026-03-10T09:00:00";
const TZ = "America/Chicago";
const SAM = ["It's five five five, oh one oh, two oh three oh.", "January second, nineteen ninety."];

let loaded: LoadedPack;
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "voicesim-compute-"));
  writeFileSync(join(dir, "pack.yaml"), PACK);
  loaded = await loadPack(dir);
});

/** The scripted agent against a real tool world, fed the caller's lines one per agent turn. */
async function drive(lines: readonly string[]) {
  const call = await driveScriptedAgent(loaded, lines, { now: NOW, timezone: TZ });
  return { ...call, speech: call.speech.join(" ") };
}

describe("computed values in a pack flow", () => {
  it("reads back and sends a monthly amount the flow computed, as a number", async () => {
    const call = await drive(["I'd like to split my dues into monthly payments.", ...SAM, "Two months.", "The 20th.", "Yes.", "No, that's all."]);
    expect(call.args("create_payment_plan")).toEqual([{ account_id: "ACC-1", installments: 2, installment_cents: 5000, first_date: "2026-03-20" }]);
    expect(call.speech).toContain("That's two payments of fifty dollars, one hundred dollars in all. Shall I set it up?");
  });

  it("keeps within the pack's limit (`config`), says so, and rounds the monthly amount up", async () => {
    const call = await drive(["I'd like to split my dues into monthly payments.", ...SAM, "Six months.", "The 20th.", "Yes.", "No, that's all."]);
    expect(call.speech).toContain("The longest I can split it is three months.");
    expect(call.args("create_payment_plan")).toEqual([{ account_id: "ACC-1", installments: 3, installment_cents: 3334, first_date: "2026-03-20" }]);
    expect(call.speech).toContain("three payments of thirty three dollars and thirty four cents, one hundred dollars and two cents in all");
  });
});

describe("a choose step's where and prefer", () => {
  it("offers only the items `where` keeps when none is preferred, and takes the pick", async () => {
    const call = await drive(["I want to pay my dues.", ...SAM, "The Mastercard.", "Yes.", "No, that's all."]);
    expect(call.speech).toContain("Which would you like to use: your Visa ending in four two four two or your Mastercard ending in five four five four?");
    expect(call.speech).not.toContain("one one one one");
    expect(call.args("take_payment")).toEqual([{ account_id: "ACC-1", method_id: "PM-3", amount_cents: 10000 }]);
  });

  it("takes the item a `prefer` condition names without asking, and reads it back", async () => {
    const call = await drive(["I want to pay my dues with my card ending in 4242.", ...SAM, "Yes.", "No, that's all."]);
    expect(call.speech).not.toContain("Which would you like to use");
    expect(call.speech).toContain("to your Visa ending in four two four two. Is that right?");
    expect(call.args("take_payment")).toEqual([{ account_id: "ACC-1", method_id: "PM-2", amount_cents: 10000 }]);
  });
});

describe("identity from identifyBy and verifyBy alone", () => {
  it("finds the member with find_customer, checks the date of birth with verify_identity, then acts", async () => {
    const call = await drive(["I want to pay my dues.", ...SAM, "The Mastercard.", "Yes.", "No."]);
    expect(call.args("find_customer")).toEqual([{ phone: "5550102030" }]);
    expect(call.args("verify_identity")).toEqual([{ customer_id: "CUS-1", dob: "1990-01-02" }]);
    expect(call.world.session.verifiedCustomerIds).toEqual(["CUS-1"]);
  });

  it("asks again after a wrong date of birth, keeping the member found, and stops at the pack's maxAttempts", async () => {
    const call = await drive(["I want to pay my dues.", SAM[0] as string, "March third, nineteen eighty.", "April fourth, nineteen eighty one.", "January second, nineteen ninety."]);
    expect(call.args("find_customer")).toHaveLength(1);
    expect(call.args("verify_identity")).toHaveLength(2);
    expect(call.speech).toContain("that doesn't match our records");
    expect(call.speech).toMatch(/wasn't able to verify your identity/);
    expect(call.args("take_payment")).toEqual([]);
  });
});
