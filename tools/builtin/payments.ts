import { DateTime } from "luxon";
import { z } from "zod";
import { defineTool, fail, ok } from "../define-tool.ts";
import type { AccountRecord, CustomerRecord, PaymentMethodRecord } from "../fixtures.ts";
import type { ToolContext, ToolRunResult } from "../tool-types.ts";
import { findCustomerById } from "./crm.ts";

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "expected YYYY-MM-DD");
const cents = z.number().int("amounts are whole cents").positive("amounts must be positive");
const accounts = (ctx: ToolContext) => ctx.collection("accounts") as unknown as AccountRecord[];
const methods = (ctx: ToolContext) => ctx.collection("paymentMethods") as unknown as PaymentMethodRecord[];

function findAccount(ctx: ToolContext, id: string): ToolRunResult<AccountRecord> {
  const account = accounts(ctx).find((a) => a.id === id);
  return account ? ok(account) : fail("not_found", `no account ${id}`);
}

/** A disputed or cease-contact account may not be collected on (FDCPA-style rules). */
function collectable(ctx: ToolContext, accountId: string): ToolRunResult<AccountRecord> {
  const found = findAccount(ctx, accountId);
  if (!found.ok) return found;
  const account = found.result;
  if (account.status === "disputed") return fail("rule_violation", `account ${accountId} is disputed: collection is paused until the dispute is resolved`);
  if (account.status === "cease_contact") return fail("rule_violation", `account ${accountId} has a cease-contact request`);
  if (account.status === "paid" || account.status === "closed") return fail("rule_violation", `account ${accountId} is ${account.status}`);
  return found;
}

/** A date the customer commits to: not in the past, not beyond the promise window. */
function checkCommitmentDate(ctx: ToolContext, date: string): ToolRunResult<string> {
  const today = ctx.clock.now().startOf("day");
  const day = DateTime.fromISO(date, { zone: ctx.clock.timezone });
  if (!day.isValid) return fail("invalid_arguments", `${date} is not a date`);
  if (day < today) return fail("rule_violation", `${date} is in the past`);
  const max = ctx.config.payments.maxPromiseDays;
  if (day > today.plus({ days: max })) return fail("rule_violation", `${date} is more than ${max} days away`);
  return ok(date);
}

export const getBalance = defineTool({
  name: "get_balance",
  description: "Get an account's balance, status and creditor.",
  args: z.object({ account_id: z.string().min(1) }),
  run(args, ctx) {
    const found = findAccount(ctx, args.account_id);
    if (!found.ok) return found;
    const a = found.result;
    return ok({ account_id: a.id, balance_cents: a.balanceCents, status: a.status, creditor: a.creditor ?? null });
  },
});

export const listPaymentMethods = defineTool({
  name: "list_payment_methods",
  description: "List the payment methods a customer has on file.",
  args: z.object({ customer_id: z.string().min(1) }),
  run(args, ctx) {
    if (!findCustomerById(ctx, args.customer_id)) return fail("not_found", `no customer ${args.customer_id}`);
    return ok({
      methods: methods(ctx)
        .filter((m) => m.customerId === args.customer_id)
        .map((m) => ({ method_id: m.id, kind: m.kind, brand: m.brand ?? null, last4: m.last4, is_default: m.isDefault, is_expired: m.isExpired })),
    });
  },
});

export const takePayment = defineTool({
  name: "take_payment",
  description: "Charge a payment method on file toward an account's balance.",
  args: z.object({ account_id: z.string().min(1), method_id: z.string().min(1), amount_cents: cents }),
  run(args, ctx) {
    const found = collectable(ctx, args.account_id);
    if (!found.ok) return found;
    const account = found.result;
    const method = methods(ctx).find((m) => m.id === args.method_id);
    if (!method) return fail("not_found", `no payment method ${args.method_id}`);
    if (method.customerId !== account.customerId) return fail("rule_violation", "that payment method belongs to another customer");
    if (method.isExpired) return fail("rule_violation", `the ${method.brand ?? method.kind} ending ${method.last4} has expired`);
    if (args.amount_cents > account.balanceCents) return fail("rule_violation", `amount exceeds the balance of ${account.balanceCents} cents`);
    const cap = ctx.config.payments.maxPaymentCents;
    if (cap !== undefined && args.amount_cents > cap) return fail("rule_violation", `a single payment is limited to ${cap} cents`);
    const id = ctx.newId("PAY");
    ctx.collection("payments").push({ id, accountId: account.id, methodId: method.id, amountCents: args.amount_cents, at: ctx.clock.nowIso() });
    account.balanceCents -= args.amount_cents;
    if (account.balanceCents === 0) account.status = "paid";
    return ok({ payment_id: id, amount_cents: args.amount_cents, new_balance_cents: account.balanceCents });
  },
});

export const createPaymentPlan = defineTool({
  name: "create_payment_plan",
  description: "Set up a payment plan: a number of equal monthly installments starting on a date.",
  args: z.object({ account_id: z.string().min(1), installments: z.number().int().positive(), installment_cents: cents, first_date: isoDate }),
  run(args, ctx) {
    const found = collectable(ctx, args.account_id);
    if (!found.ok) return found;
    const account = found.result;
    const { maxPlanInstallments, minInstallmentCents } = ctx.config.payments;
    if (args.installments > maxPlanInstallments) return fail("rule_violation", `plans are limited to ${maxPlanInstallments} installments`);
    if (args.installment_cents < minInstallmentCents) return fail("rule_violation", `installments must be at least ${minInstallmentCents} cents`);
    if (args.installments * args.installment_cents < account.balanceCents) {
      return fail("rule_violation", `the plan covers ${args.installments * args.installment_cents} of ${account.balanceCents} cents`);
    }
    const date = checkCommitmentDate(ctx, args.first_date);
    if (!date.ok) return date;
    const plans = ctx.collection("paymentPlans");
    if (plans.some((p) => p.accountId === account.id && p.status === "active")) return fail("rule_violation", "the account already has an active plan");
    const id = ctx.newId("PLAN");
    plans.push({ id, accountId: account.id, installments: args.installments, installmentCents: args.installment_cents, firstDate: args.first_date, status: "active" });
    return ok({ plan_id: id, installments: args.installments, installment_cents: args.installment_cents, first_date: args.first_date });
  },
});

export const recordPromiseToPay = defineTool({
  name: "record_promise_to_pay",
  description: "Record the customer's promise to pay an amount on a date.",
  args: z.object({ account_id: z.string().min(1), amount_cents: cents, date: isoDate }),
  run(args, ctx) {
    const found = collectable(ctx, args.account_id);
    if (!found.ok) return found;
    if (args.amount_cents > found.result.balanceCents) return fail("rule_violation", "the promised amount exceeds the balance");
    const date = checkCommitmentDate(ctx, args.date);
    if (!date.ok) return date;
    const id = ctx.newId("PTP");
    ctx.collection("promises").push({ id, accountId: args.account_id, amountCents: args.amount_cents, date: args.date });
    return ok({ promise_id: id });
  },
});

export const recordDispute = defineTool({
  name: "record_dispute",
  description: "Record that the customer disputes the debt; collection stops on the account.",
  args: z.object({ account_id: z.string().min(1), reason: z.string().min(3) }),
  run(args, ctx) {
    const found = findAccount(ctx, args.account_id);
    if (!found.ok) return found;
    const id = ctx.newId("DSP");
    ctx.collection("disputes").push({ id, accountId: args.account_id, reason: args.reason, at: ctx.clock.nowIso() });
    found.result.status = "disputed";
    return ok({ dispute_id: id, status: "disputed" as const });
  },
});

export const setDoNotContact = defineTool({
  name: "set_do_not_contact",
  description: "Record the customer's request that we stop contacting them.",
  args: z.object({ customer_id: z.string().min(1), reason: z.string().min(3) }),
  run(args, ctx) {
    const customer = findCustomerById(ctx, args.customer_id) as CustomerRecord | undefined;
    if (!customer) return fail("not_found", `no customer ${args.customer_id}`);
    customer.doNotContact = true;
    for (const account of accounts(ctx)) {
      // Whatever the pack calls its accounts, none of the customer's open ones may be pursued now.
      if (account.customerId === customer.id && account.status === "open") account.status = "cease_contact";
    }
    ctx.collection("notes").push({ id: ctx.newId("NOTE"), customerId: customer.id, text: `cease contact: ${args.reason}`, at: ctx.clock.nowIso() });
    return ok({ customer_id: customer.id, do_not_contact: true as const });
  },
});

export const paymentTools = [
  getBalance,
  listPaymentMethods,
  takePayment,
  createPaymentPlan,
  recordPromiseToPay,
  recordDispute,
  setDoNotContact,
] as const;
