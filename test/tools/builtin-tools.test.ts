import { describe, expect, it } from "vitest";
import { type ToolOutcome, ToolsConfig } from "../../tools/index.ts";
import { makeWorld, worldConfig } from "../fixtures/tools-fixtures.ts";

function call(world: ReturnType<typeof makeWorld>, tool: string, args: unknown): ToolOutcome {
  return world.call(tool, args, `c${world.log.length}`).outcome;
}
const errorCode = (outcome: ToolOutcome) => (outcome.ok ? "ok" : outcome.error.code);
const result = <T>(outcome: ToolOutcome) => {
  if (!outcome.ok) throw new Error(`expected ok, got ${outcome.error.code}: ${outcome.error.message}`);
  return outcome.result as T;
};

describe("crm tools", () => {
  it("finds a customer by phone in any format, and by name with date of birth", () => {
    const world = makeWorld();
    expect(result<{ customers: unknown[] }>(call(world, "find_customer", { phone: "312.555.0147" })).customers).toEqual([
      { customer_id: "CUS-1", name: "Maria Lopez", phone_last4: "0147" },
    ]);
    expect(result<{ customers: unknown[] }>(call(world, "find_customer", { name: "maria lopez", dob: "1982-03-03" })).customers).toHaveLength(1);
    expect(errorCode(call(world, "find_customer", { name: "Maria Lopez" }))).toBe("invalid_arguments");
  });

  it("verifies identity, counts failures and locks after three", () => {
    const world = makeWorld();
    expect(result<{ verified: boolean }>(call(world, "verify_identity", { customer_id: "CUS-1", dob: "1999-01-01" })).verified).toBe(false);
    expect(world.session.verifiedCustomerIds).toEqual([]);
    call(world, "verify_identity", { customer_id: "CUS-1", dob: "1999-01-01" });
    call(world, "verify_identity", { customer_id: "CUS-1", dob: "1999-01-01" });
    expect(errorCode(call(world, "verify_identity", { customer_id: "CUS-1", dob: "1982-03-03" }))).toBe("rule_violation");
    const fresh = makeWorld();
    expect(result<{ verified: boolean }>(call(fresh, "verify_identity", { customer_id: "CUS-1", dob: "1982-03-03", zip: "60622" })).verified).toBe(true);
    expect(fresh.session.verifiedCustomerIds).toEqual(["CUS-1"]);
  });

  it("locks after the pack's own number of failed attempts (the agent's verification.maxAttempts)", () => {
    const world = makeWorld([], 1, { ...worldConfig, maxVerifyAttempts: 1 });
    expect(result<{ verified: boolean; attempts_left: number }>(call(world, "verify_identity", { customer_id: "CUS-1", dob: "1999-01-01" }))).toEqual({ verified: false, attempts_left: 0 });
    expect(errorCode(call(world, "verify_identity", { customer_id: "CUS-1", dob: "1982-03-03" }))).toBe("rule_violation");
  });

  it("adds notes and updates contact details, refusing an empty update and a bad email", () => {
    const world = makeWorld();
    expect(result<{ note_id: string }>(call(world, "add_note", { customer_id: "CUS-1", text: "prefers mornings" })).note_id).toMatch(/^NOTE-/);
    expect(result<{ updated: string[] }>(call(world, "update_contact", { customer_id: "CUS-1", email: "m@example.com" })).updated).toEqual(["email"]);
    expect(errorCode(call(world, "update_contact", { customer_id: "CUS-1" }))).toBe("invalid_arguments");
    expect(errorCode(call(world, "update_contact", { customer_id: "CUS-1", email: "not-an-email" }))).toBe("invalid_arguments");
    expect(errorCode(call(world, "get_account", { customer_id: "CUS-404" }))).toBe("not_found");
  });
});

describe("calendar tools", () => {
  it("searches open future slots by service, provider, range and part of day", () => {
    const world = makeWorld();
    const slots = (args: object) => result<{ slots: Array<{ slot_id: string }> }>(call(world, "search_slots", args)).slots.map((s) => s.slot_id);
    expect(slots({ date_from: "2026-03-09", date_to: "2026-03-13" })).toEqual(["SLT-A", "SLT-B", "SLT-C"]);
    expect(slots({ date_from: "2026-03-09", date_to: "2026-03-13", service_id: "SVC-SKIN" })).toEqual(["SLT-C"]);
    expect(slots({ date_from: "2026-03-12", date_to: "2026-03-12", part_of_day: "afternoon" })).toEqual(["SLT-B"]);
    expect(errorCode(call(world, "search_slots", { date_from: "2026-03-13", date_to: "2026-03-12" }))).toBe("invalid_arguments");
  });

  it("books an open slot once: no double booking, no past, not beyond the window, only a provider that offers the service", () => {
    const world = makeWorld();
    const booked = result<{ appointment_id: string }>(call(world, "book_appointment", { customer_id: "CUS-1", slot_id: "SLT-A", service_id: "SVC-SICK" }));
    expect(booked.appointment_id).toMatch(/^APT-/);
    expect(world.collection("slots").find((s) => s.id === "SLT-A")?.status).toBe("booked");
    expect(errorCode(call(world, "book_appointment", { customer_id: "CUS-2", slot_id: "SLT-A", service_id: "SVC-SICK" }))).toBe("rule_violation");
    expect(errorCode(call(world, "book_appointment", { customer_id: "CUS-2", slot_id: "SLT-PAST", service_id: "SVC-SICK" }))).toBe("rule_violation");
    expect(errorCode(call(world, "book_appointment", { customer_id: "CUS-2", slot_id: "SLT-FAR", service_id: "SVC-SICK" }))).toBe("rule_violation");
    expect(errorCode(call(world, "book_appointment", { customer_id: "CUS-2", slot_id: "SLT-C", service_id: "SVC-SICK" }))).toBe("rule_violation");
    expect(errorCode(call(world, "book_appointment", { customer_id: "CUS-2", slot_id: "SLT-NOPE", service_id: "SVC-SICK" }))).toBe("not_found");
  });

  it("reschedules to an open slot and frees the old one", () => {
    const world = makeWorld();
    result(call(world, "reschedule_appointment", { appointment_id: "APT-SOON", new_slot_id: "SLT-B" }));
    const slots = world.collection("slots");
    expect(slots.find((s) => s.id === "SLT-SOON")?.status).toBe("open");
    expect(slots.find((s) => s.id === "SLT-B")?.status).toBe("booked");
    expect(world.collection("appointments").find((a) => a.id === "APT-SOON")?.slotId).toBe("SLT-B");
    expect(errorCode(call(world, "reschedule_appointment", { appointment_id: "APT-SOON", new_slot_id: "SLT-B" }))).toBe("rule_violation");
  });

  it("charges the late-cancel fee inside the window and lists only upcoming booked visits", () => {
    const world = makeWorld();
    expect(result<{ appointments: unknown[] }>(call(world, "list_appointments", { customer_id: "CUS-1" })).appointments).toHaveLength(1);
    expect(result<{ fee_cents: number }>(call(world, "cancel_appointment", { appointment_id: "APT-SOON" })).fee_cents).toBe(5000);
    expect(errorCode(call(world, "cancel_appointment", { appointment_id: "APT-SOON" }))).toBe("rule_violation");
    expect(result<{ appointments: unknown[] }>(call(world, "list_appointments", { customer_id: "CUS-1" })).appointments).toHaveLength(0);
    const booked = result<{ appointment_id: string }>(call(world, "book_appointment", { customer_id: "CUS-1", slot_id: "SLT-C", service_id: "SVC-SKIN" }));
    expect(result<{ fee_cents: number }>(call(world, "cancel_appointment", { appointment_id: booked.appointment_id })).fee_cents).toBe(0);
  });
});

describe("payment tools", () => {
  it("takes a payment with a valid method on file and lowers the balance", () => {
    const world = makeWorld();
    const paid = result<{ new_balance_cents: number }>(call(world, "take_payment", { account_id: "ACC-1", method_id: "PM-1", amount_cents: 25_000 }));
    expect(paid.new_balance_cents).toBe(75_000);
    expect(world.collection("payments")).toHaveLength(1);
  });

  it("refuses expired cards, someone else's card, amounts over the balance, and disputed accounts", () => {
    const world = makeWorld();
    expect(errorCode(call(world, "take_payment", { account_id: "ACC-1", method_id: "PM-OLD", amount_cents: 100 }))).toBe("rule_violation");
    expect(errorCode(call(world, "take_payment", { account_id: "ACC-1", method_id: "PM-2", amount_cents: 100 }))).toBe("rule_violation");
    expect(errorCode(call(world, "take_payment", { account_id: "ACC-1", method_id: "PM-1", amount_cents: 100_001 }))).toBe("rule_violation");
    expect(errorCode(call(world, "take_payment", { account_id: "ACC-2", method_id: "PM-2", amount_cents: 100 }))).toBe("rule_violation");
    expect(errorCode(call(world, "take_payment", { account_id: "ACC-1", method_id: "PM-1", amount_cents: 10.5 }))).toBe("invalid_arguments");
    expect(world.collection("payments")).toHaveLength(0);
  });

  it("keeps payment plans within the limits and covering the balance", () => {
    const world = makeWorld();
    const plan = (installments: number, cents: number, first = "2026-03-20") =>
      call(world, "create_payment_plan", { account_id: "ACC-1", installments, installment_cents: cents, first_date: first });
    expect(errorCode(plan(24, 5000))).toBe("rule_violation");
    expect(errorCode(plan(4, 2000))).toBe("rule_violation");
    expect(errorCode(plan(4, 20_000))).toBe("rule_violation");
    expect(errorCode(plan(10, 10_000, "2026-05-30"))).toBe("rule_violation");
    expect(errorCode(plan(10, 10_000, "2026-03-01"))).toBe("rule_violation");
    expect(errorCode(plan(10, 10_000))).toBe("ok");
    expect(errorCode(plan(10, 10_000))).toBe("rule_violation");
  });

  it("records promises within the window, disputes that stop collection, and do-not-contact", () => {
    const world = makeWorld();
    expect(errorCode(call(world, "record_promise_to_pay", { account_id: "ACC-1", amount_cents: 5000, date: "2026-03-13" }))).toBe("ok");
    expect(errorCode(call(world, "record_promise_to_pay", { account_id: "ACC-1", amount_cents: 5000, date: "2026-06-13" }))).toBe("rule_violation");
    expect(result<{ status: string }>(call(world, "record_dispute", { account_id: "ACC-1", reason: "not mine" })).status).toBe("disputed");
    expect(errorCode(call(world, "take_payment", { account_id: "ACC-1", method_id: "PM-1", amount_cents: 100 }))).toBe("rule_violation");
    expect(errorCode(call(world, "set_do_not_contact", { customer_id: "CUS-2", reason: "asked to stop" }))).toBe("ok");
    expect(world.collection("customers").find((c) => c.id === "CUS-2")?.doNotContact).toBe(true);
  });
});

describe("hand-off tools", () => {
  it("transfers to a known queue and records it in the session; end_call marks the end", () => {
    const world = makeWorld();
    expect(errorCode(call(world, "transfer_to_human", { reason: "wants a person", queue: "nowhere" }))).toBe("rule_violation");
    expect(result<{ queue: string }>(call(world, "transfer_to_human", { reason: "wants a person", queue: "billing" })).queue).toBe("billing");
    expect(world.session.transferredTo).toEqual({ queue: "billing", reason: "wants a person" });
    call(world, "end_call", {});
    expect(world.session.endedBy).toBe("agent");
  });

  it("answers an unknown tool with an error instead of throwing", () => {
    expect(errorCode(call(makeWorld(), "launch_rocket", {}))).toBe("unknown_tool");
  });
});

describe("crm tools, more rules", () => {
  it("matches phones on digits only, with or without a country code, and finds nobody for a stranger", () => {
    const world = makeWorld();
    const ids = (args: object) => result<{ customers: Array<{ customer_id: string }> }>(call(world, "find_customer", args)).customers.map((c) => c.customer_id);
    expect(ids({ phone: "+1 (312) 555 0147" })).toEqual(["CUS-1"]);
    expect(ids({ phone: "312-555-0148" })).toEqual([]);
    expect(ids({ name: "Maria Lopez", dob: "1990-01-01" })).toEqual([]);
    expect(errorCode(call(world, "find_customer", {}))).toBe("invalid_arguments");
  });

  it("answers not_found for an unknown customer and counts down attempts", () => {
    const world = makeWorld();
    expect(errorCode(call(world, "verify_identity", { customer_id: "CUS-404", dob: "1982-03-03" }))).toBe("not_found");
    expect(errorCode(call(world, "verify_identity", { customer_id: "CUS-1" }))).toBe("invalid_arguments");
    expect(result<{ attempts_left: number }>(call(world, "verify_identity", { customer_id: "CUS-1", ssn_last4: "0000" })).attempts_left).toBe(2);
    expect(result<{ verified: boolean; attempts_left: number }>(call(world, "verify_identity", { customer_id: "CUS-1", zip: "60622" }))).toEqual({ verified: true, attempts_left: 2 });
  });

  it("returns the customer's contact details and their accounts in cents", () => {
    const account = result<{ customer: { name: string }; accounts: unknown[] }>(call(makeWorld(), "get_account", { customer_id: "CUS-1" }));
    expect(account.customer).toMatchObject({ name: "Maria Lopez", phone: "(312) 555-0147", address: "1 Elm St" });
    expect(account.accounts).toEqual([{ account_id: "ACC-1", kind: "debt", balance_cents: 100_000, status: "open", creditor: "Apex" }]);
  });

  it("writes contact changes to the record and the note to the notes collection", () => {
    const world = makeWorld();
    call(world, "update_contact", { customer_id: "CUS-2", phone: "708 555 9999", address: "9 Pine Ave" });
    expect(world.collection("customers").find((c) => c.id === "CUS-2")).toMatchObject({ phone: "708 555 9999", address: "9 Pine Ave" });
    expect(errorCode(call(world, "update_contact", { customer_id: "CUS-404", phone: "708 555 9999" }))).toBe("not_found");
    expect(errorCode(call(world, "add_note", { customer_id: "CUS-404", text: "x" }))).toBe("not_found");
    call(world, "add_note", { customer_id: "CUS-2", text: "called about the bill" });
    expect(world.collection("notes")).toEqual([{ id: "NOTE-9001", customerId: "CUS-2", text: "called about the bill", at: "2026-03-10T09:00:00.000-05:00" }]);
  });
});

describe("calendar tools, more rules", () => {
  it("returns at most six open slots, earliest first, with provider names", () => {
    const found = result<{ slots: Array<{ slot_id: string; provider_name: string }> }>(call(makeWorld(), "search_slots", { date_from: "2026-03-16", date_to: "2026-03-16" })).slots;
    expect(found.map((s) => s.slot_id)).toEqual(["SLT-MON-8", "SLT-MON-9", "SLT-MON-10", "SLT-MON-11", "SLT-MON-13", "SLT-MON-14"]);
    expect(found[0]?.provider_name).toBe("Dr. Chen");
  });

  it("leaves out slots in the past, booked slots, and unknown services or providers", () => {
    const world = makeWorld();
    const ids = result<{ slots: Array<{ slot_id: string }> }>(call(world, "search_slots", { date_from: "2026-03-01", date_to: "2026-03-11" })).slots.map((s) => s.slot_id);
    expect(ids).toEqual([]);
    expect(errorCode(call(world, "search_slots", { date_from: "2026-03-09", date_to: "2026-03-13", service_id: "SVC-NOPE" }))).toBe("not_found");
    expect(errorCode(call(world, "search_slots", { date_from: "2026-03-09", date_to: "2026-03-13", provider_id: "PRV-9" }))).toBe("not_found");
    expect(errorCode(call(world, "search_slots", { date_from: "2026-03-09", date_to: "2026-03-13", part_of_day: "night" }))).toBe("invalid_arguments");
  });

  it("refuses to book for an unknown customer or service", () => {
    const world = makeWorld();
    expect(errorCode(call(world, "book_appointment", { customer_id: "CUS-404", slot_id: "SLT-A", service_id: "SVC-SICK" }))).toBe("not_found");
    expect(errorCode(call(world, "book_appointment", { customer_id: "CUS-1", slot_id: "SLT-A", service_id: "SVC-NOPE" }))).toBe("not_found");
    expect(world.collection("slots").find((s) => s.id === "SLT-A")?.status).toBe("open");
  });

  it("reschedules only booked appointments, into slots that pass the booking rules", () => {
    const world = makeWorld();
    expect(errorCode(call(world, "reschedule_appointment", { appointment_id: "APT-SOON", new_slot_id: "SLT-FAR" }))).toBe("rule_violation");
    expect(errorCode(call(world, "reschedule_appointment", { appointment_id: "APT-SOON", new_slot_id: "SLT-PAST" }))).toBe("rule_violation");
    expect(errorCode(call(world, "reschedule_appointment", { appointment_id: "APT-SOON", new_slot_id: "SLT-C" }))).toBe("rule_violation");
    expect(errorCode(call(world, "reschedule_appointment", { appointment_id: "APT-NOPE", new_slot_id: "SLT-A" }))).toBe("not_found");
    expect(world.collection("slots").find((s) => s.id === "SLT-SOON")?.status).toBe("booked");
    call(world, "cancel_appointment", { appointment_id: "APT-SOON" });
    expect(errorCode(call(world, "reschedule_appointment", { appointment_id: "APT-SOON", new_slot_id: "SLT-A" }))).toBe("rule_violation");
  });

  it("frees the slot of a cancelled appointment so someone else can book it", () => {
    const world = makeWorld();
    call(world, "cancel_appointment", { appointment_id: "APT-SOON" });
    expect(errorCode(call(world, "book_appointment", { customer_id: "CUS-2", slot_id: "SLT-SOON", service_id: "SVC-SICK" }))).toBe("ok");
    expect(errorCode(call(world, "cancel_appointment", { appointment_id: "APT-NOPE" }))).toBe("not_found");
  });
});

describe("payment tools, more rules", () => {
  it("lists the customer's payment methods with expiry and default flags", () => {
    const world = makeWorld();
    expect(result<{ methods: unknown[] }>(call(world, "list_payment_methods", { customer_id: "CUS-1" })).methods).toEqual([
      { method_id: "PM-1", kind: "card", brand: "Visa", last4: "4242", is_default: true, is_expired: false },
      { method_id: "PM-OLD", kind: "card", brand: "Visa", last4: "1111", is_default: false, is_expired: true },
    ]);
    expect(errorCode(call(world, "list_payment_methods", { customer_id: "CUS-404" }))).toBe("not_found");
  });

  it("reports a balance and marks the account paid when it reaches zero", () => {
    const world = makeWorld();
    expect(result(call(world, "get_balance", { account_id: "ACC-1" }))).toEqual({ account_id: "ACC-1", balance_cents: 100_000, status: "open", creditor: "Apex" });
    expect(errorCode(call(world, "get_balance", { account_id: "ACC-404" }))).toBe("not_found");
    expect(result<{ new_balance_cents: number }>(call(world, "take_payment", { account_id: "ACC-1", method_id: "PM-1", amount_cents: 100_000 })).new_balance_cents).toBe(0);
    expect(result<{ status: string }>(call(world, "get_balance", { account_id: "ACC-1" })).status).toBe("paid");
    expect(errorCode(call(world, "take_payment", { account_id: "ACC-1", method_id: "PM-1", amount_cents: 1 }))).toBe("rule_violation");
  });

  it("holds a single payment to the pack's cap and refuses zero or unknown methods", () => {
    const capped = ToolsConfig.parse({ ...worldConfig, payments: { ...worldConfig.payments, maxPaymentCents: 50_000 } });
    const world = makeWorld([], 1, capped);
    expect(errorCode(call(world, "take_payment", { account_id: "ACC-1", method_id: "PM-1", amount_cents: 50_001 }))).toBe("rule_violation");
    expect(errorCode(call(world, "take_payment", { account_id: "ACC-1", method_id: "PM-1", amount_cents: 50_000 }))).toBe("ok");
    expect(errorCode(call(world, "take_payment", { account_id: "ACC-1", method_id: "PM-1", amount_cents: 0 }))).toBe("invalid_arguments");
    expect(errorCode(call(world, "take_payment", { account_id: "ACC-1", method_id: "PM-9", amount_cents: 100 }))).toBe("not_found");
  });

  it("refuses plans and promises on a disputed account, past dates and promises above the balance", () => {
    const world = makeWorld();
    expect(errorCode(call(world, "create_payment_plan", { account_id: "ACC-2", installments: 2, installment_cents: 2500, first_date: "2026-03-20" }))).toBe("rule_violation");
    expect(errorCode(call(world, "record_promise_to_pay", { account_id: "ACC-2", amount_cents: 100, date: "2026-03-20" }))).toBe("rule_violation");
    expect(errorCode(call(world, "record_promise_to_pay", { account_id: "ACC-1", amount_cents: 100, date: "2026-03-09" }))).toBe("rule_violation");
    expect(errorCode(call(world, "record_promise_to_pay", { account_id: "ACC-1", amount_cents: 100_001, date: "2026-03-20" }))).toBe("rule_violation");
    expect(errorCode(call(world, "record_promise_to_pay", { account_id: "ACC-1", amount_cents: 100, date: "2026-03-10" }))).toBe("ok");
    expect(world.collection("promises")).toEqual([{ id: "PTP-9001", accountId: "ACC-1", amountCents: 100, date: "2026-03-10" }]);
  });

  it("stops collection on every debt account of a customer who asks not to be contacted", () => {
    const world = makeWorld();
    expect(result(call(world, "set_do_not_contact", { customer_id: "CUS-1", reason: "stop calling me" }))).toEqual({ customer_id: "CUS-1", do_not_contact: true });
    expect(world.collection("accounts").find((a) => a.id === "ACC-1")?.status).toBe("cease_contact");
    expect(errorCode(call(world, "take_payment", { account_id: "ACC-1", method_id: "PM-1", amount_cents: 100 }))).toBe("rule_violation");
    expect(errorCode(call(world, "set_do_not_contact", { customer_id: "CUS-404", reason: "stop calling me" }))).toBe("not_found");
    expect(errorCode(call(world, "record_dispute", { account_id: "ACC-404", reason: "not mine" }))).toBe("not_found");
  });
});

describe("hand-off tools, more rules", () => {
  it("uses the first configured queue when none is named", () => {
    const world = makeWorld();
    expect(result<{ queue: string; wait_minutes: number }>(call(world, "transfer_to_human", { reason: "needs a person" }))).toMatchObject({ queue: "front-desk" });
    expect(world.collection("handoffs")).toHaveLength(1);
  });
});
