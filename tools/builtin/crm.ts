import { z } from "zod";
import { defineTool, fail, ok } from "../define-tool.ts";
import type { AccountRecord, CustomerRecord } from "../fixtures.ts";
import type { ToolContext } from "../tool-types.ts";

const digits = (text: string) => text.replace(/\D/g, "");
const normaliseName = (text: string) => text.toLowerCase().replace(/[^a-z ]/g, "").replace(/\s+/g, " ").trim();
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "expected YYYY-MM-DD");

export function customers(ctx: ToolContext): CustomerRecord[] {
  return ctx.collection("customers") as unknown as CustomerRecord[];
}

export function findCustomerById(ctx: ToolContext, id: string): CustomerRecord | undefined {
  return customers(ctx).find((c) => c.id === id);
}

export const findCustomer = defineTool({
  name: "find_customer",
  description: "Find a customer by phone number, or by full name and date of birth. Returns matches with the last four digits of their phone.",
  args: z.object({
    phone: z.string().min(4).optional().describe("phone number in any format"),
    name: z.string().min(1).optional().describe("full name"),
    dob: isoDate.optional().describe("date of birth, YYYY-MM-DD"),
  }),
  run(args, ctx) {
    if (!args.phone && !(args.name && args.dob)) {
      return fail("invalid_arguments", "find_customer needs a phone number, or a name and date of birth");
    }
    const matches = customers(ctx).filter((c) => {
      if (args.phone) return digits(c.phone).endsWith(digits(args.phone).slice(-10)) && digits(args.phone).length >= 7;
      return normaliseName(c.name) === normaliseName(args.name ?? "") && c.dob === args.dob;
    });
    return ok({ customers: matches.map((c) => ({ customer_id: c.id, name: c.name, phone_last4: digits(c.phone).slice(-4) })) });
  },
});

export const verifyIdentity = defineTool({
  name: "verify_identity",
  description: "Verify that the caller is the customer, with one or more of date of birth, ZIP code and last four of SSN.",
  args: z.object({
    customer_id: z.string().min(1),
    dob: isoDate.optional(),
    zip: z.string().min(3).optional(),
    ssn_last4: z.string().regex(/^\d{4}$/).optional(),
  }),
  run(args, ctx) {
    const customer = findCustomerById(ctx, args.customer_id);
    if (!customer) return fail("not_found", `no customer ${args.customer_id}`);
    if (!args.dob && !args.zip && !args.ssn_last4) return fail("invalid_arguments", "give at least one of dob, zip, ssn_last4");
    const maxAttempts = ctx.config.maxVerifyAttempts ?? 3;
    if (ctx.session.failedVerifications >= maxAttempts) {
      return fail("rule_violation", "too many failed verification attempts; the account is locked for this call");
    }
    const matches =
      (args.dob === undefined || args.dob === customer.dob) &&
      (args.zip === undefined || digits(args.zip) === digits(customer.zip ?? "")) &&
      (args.ssn_last4 === undefined || args.ssn_last4 === customer.ssnLast4);
    if (matches) {
      if (!ctx.session.verifiedCustomerIds.includes(customer.id)) ctx.session.verifiedCustomerIds.push(customer.id);
      return ok({ verified: true, attempts_left: maxAttempts - ctx.session.failedVerifications });
    }
    ctx.session.failedVerifications += 1;
    return ok({ verified: false, attempts_left: Math.max(0, maxAttempts - ctx.session.failedVerifications) });
  },
});

export const getAccount = defineTool({
  name: "get_account",
  description: "Get a customer's contact details and accounts with balances. Only after identity is verified.",
  args: z.object({ customer_id: z.string().min(1) }),
  run(args, ctx) {
    const customer = findCustomerById(ctx, args.customer_id);
    if (!customer) return fail("not_found", `no customer ${args.customer_id}`);
    const accounts = (ctx.collection("accounts") as unknown as AccountRecord[]).filter((a) => a.customerId === customer.id);
    return ok({
      customer: { name: customer.name, phone: customer.phone, email: customer.email ?? null, address: customer.address },
      accounts: accounts.map((a) => ({
        account_id: a.id,
        kind: a.kind,
        balance_cents: a.balanceCents,
        status: a.status,
        creditor: a.creditor ?? null,
      })),
    });
  },
});

export const addNote = defineTool({
  name: "add_note",
  description: "Add a note to the customer's record.",
  args: z.object({ customer_id: z.string().min(1), text: z.string().min(1).max(2000) }),
  run(args, ctx) {
    if (!findCustomerById(ctx, args.customer_id)) return fail("not_found", `no customer ${args.customer_id}`);
    const id = ctx.newId("NOTE");
    ctx.collection("notes").push({ id, customerId: args.customer_id, text: args.text, at: ctx.clock.nowIso() });
    return ok({ note_id: id });
  },
});

export const updateContact = defineTool({
  name: "update_contact",
  description: "Update a customer's phone, email or mailing address.",
  args: z.object({
    customer_id: z.string().min(1),
    phone: z.string().min(7).optional(),
    email: z.email().optional(),
    address: z.string().min(5).optional(),
  }),
  run(args, ctx) {
    const customer = findCustomerById(ctx, args.customer_id);
    if (!customer) return fail("not_found", `no customer ${args.customer_id}`);
    const updated: string[] = [];
    for (const field of ["phone", "email", "address"] as const) {
      const value = args[field];
      if (value !== undefined) {
        customer[field] = value;
        updated.push(field);
      }
    }
    if (updated.length === 0) return fail("invalid_arguments", "nothing to update: give phone, email or address");
    return ok({ customer_id: customer.id, updated });
  },
});

export const crmTools = [findCustomer, verifyIdentity, getAccount, addNote, updateContact] as const;
