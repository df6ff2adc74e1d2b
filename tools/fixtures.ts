import { z } from "zod";

/**
 * The records the built-in tools read and change. A pack's `fixtures` holds arrays of these
 * under the collection names below; a pack may add collections of its own (any records with
 * an `id`) for the tools it declares.
 */

const id = z.string().min(1).describe("The record's id, unique in its collection (e.g. CUS-1001).");
/** A reference to another record's id. */
const ref = (what: string) => z.string().min(1).describe(`The id of the ${what} this record belongs to.`);
/** ISO date, YYYY-MM-DD. */
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "expected a date as YYYY-MM-DD");
/** ISO date-time with offset or Z, e.g. 2026-03-10T09:00:00-05:00. */
const isoDateTime = z.iso.datetime({ offset: true, message: "expected an ISO date-time such as 2026-03-10T09:00:00-05:00" });

export const CustomerRecord = z.object({
  id,
  name: z.string().min(1).describe("Full name (\"Maria Lopez\"); `find_customer` matches it, the pseudonymiser replaces it."),
  phone: z.string().min(7).describe("Phone number in any layout (\"(312) 555-0147\"); `find_customer` compares its digits."),
  dob: isoDate.describe("Date of birth, YYYY-MM-DD; what `verify_identity` checks."),
  address: z.string().min(1).describe("Postal address, said back by `get_account`."),
  zip: z.string().optional().describe("ZIP or postal code, a verification field if the pack wants one."),
  email: z.string().optional().describe("Email address, a contact detail `update_contact` can change."),
  ssnLast4: z.string().regex(/^\d{4}$/).optional().describe("Last four digits of the SSN; `verify_identity` checks them when given."),
  doNotContact: z.boolean().default(false).describe("Whether the customer asked not to be contacted (`set_do_not_contact` sets it)."),
  insuranceCarrier: z.string().optional().describe("The customer's insurance carrier, if the domain has one."),
});

export const AccountRecord = z.object({
  id,
  customerId: ref("customer"),
  kind: z.string().min(1).describe("What the balance is for, in the pack's own word (e.g. `patient` for a bill for services, `debt` for a collection account); read back by `get_account`."),
  balanceCents: z.number().int().nonnegative().describe("What is owed, in cents (64000 is $640.00); payments lower it."),
  creditor: z.string().optional().describe("Who the debt is owed to, for collection accounts."),
  status: z.enum(["open", "disputed", "paid", "closed", "cease_contact"]).default("open").describe("Account state; the built-in payment tools act only on an `open` account (disputed, paid, closed, cease_contact: rule_violation)."),
  originalDueDate: isoDate.optional().describe("When the balance was first due, YYYY-MM-DD."),
});

export const ProviderRecord = z.object({
  id,
  name: z.string().min(1).describe("How callers and the agent name the provider (\"Dr. Shah\")."),
  specialty: z.string().min(1).describe("What the provider does (\"family medicine\")."),
});

export const ServiceRecord = z.object({
  id,
  name: z.string().min(1).describe("The service as callers say it (\"annual physical\"); enum slots with `from: services` choose among these."),
  durationMin: z.number().int().positive().describe("How long the service takes, in minutes."),
  providerIds: z.array(id).min(1).describe("Ids of the providers who offer it; `search_slots` looks in their calendars."),
  priceCents: z.number().int().nonnegative().optional().describe("Price in cents, if the agent may quote one."),
});

export const SlotRecord = z.object({
  id,
  providerId: ref("provider"),
  start: isoDateTime.describe("When the slot starts: ISO date-time with offset, e.g. 2026-03-10T09:00:00-05:00."),
  durationMin: z.number().int().positive().default(30).describe("Slot length in minutes."),
  status: z.enum(["open", "booked", "blocked"]).default("open").describe("Only open slots are offered and booked; booking sets `booked`."),
});

export const AppointmentRecord = z.object({
  id,
  customerId: ref("customer"),
  providerId: ref("provider"),
  serviceId: ref("service"),
  slotId: ref("calendar slot"),
  start: isoDateTime.describe("When the appointment starts, ISO date-time with offset."),
  status: z.enum(["booked", "cancelled", "completed"]).default("booked").describe("Appointment state; cancelling sets `cancelled`."),
  feeCents: z.number().int().nonnegative().default(0).describe("Late-cancel fee charged, in cents (set by `cancel_appointment` inside `toolsConfig.booking.lateCancelHours`)."),
});

export const PaymentMethodRecord = z.object({
  id,
  customerId: ref("customer"),
  kind: z.enum(["card", "bank"]).describe("A card or a bank account."),
  brand: z.string().optional().describe("Card brand or bank name (\"Visa\"), as the agent says it."),
  last4: z.string().regex(/^\d{4}$/).describe("Last four digits, the only part the agent may read out."),
  isDefault: z.boolean().default(false).describe("Whether this is the customer's default method."),
  isExpired: z.boolean().default(false).describe("An expired method: `take_payment` answers rule_violation."),
});

export const PaymentRecord = z.object({
  id,
  accountId: ref("account"),
  methodId: ref("payment method"),
  amountCents: z.number().int().positive().describe("Amount paid, in cents."),
  at: isoDateTime.describe("When the payment was taken, ISO date-time with offset."),
});

export const PaymentPlanRecord = z.object({
  id,
  accountId: ref("account"),
  installments: z.number().int().positive().describe("Number of payments, at most `toolsConfig.payments.maxPlanInstallments`."),
  installmentCents: z.number().int().positive().describe("Each payment in cents, at least `toolsConfig.payments.minInstallmentCents`."),
  firstDate: isoDate.describe("Date of the first payment, YYYY-MM-DD."),
  status: z.enum(["active", "cancelled"]).default("active").describe("Plan state: `active` until cancelled."),
});

export const PromiseToPayRecord = z.object({
  id,
  accountId: ref("account"),
  amountCents: z.number().int().positive().describe("Amount promised, in cents."),
  date: isoDate.describe("Date promised, YYYY-MM-DD, within `toolsConfig.payments.maxPromiseDays`."),
});

const at = isoDateTime.describe("When it was recorded, ISO date-time with offset.");
export const DisputeRecord = z.object({ id, accountId: ref("account"), reason: z.string().min(1).describe("Why the caller disputes the debt, in their words."), at });
export const NoteRecord = z.object({ id, customerId: ref("customer"), text: z.string().min(1).describe("The note's text."), at });
export const HandoffRecord = z.object({
  id,
  reason: z.string().min(1).describe("Why the call was handed to a person."),
  queue: z.string().describe("The queue it went to, one of `toolsConfig.handoff.queues`."),
  at,
});

/** Any record of a pack-defined collection. */
export const GenericRecord = z.object({ id }).catchall(z.unknown()).describe("A record of a collection of your own: an `id` and any fields your tools read and write.");

/** Built-in collections and the record schema of each. */
export const builtinCollections = {
  customers: CustomerRecord,
  accounts: AccountRecord,
  providers: ProviderRecord,
  services: ServiceRecord,
  slots: SlotRecord,
  appointments: AppointmentRecord,
  paymentMethods: PaymentMethodRecord,
  payments: PaymentRecord,
  paymentPlans: PaymentPlanRecord,
  promises: PromiseToPayRecord,
  disputes: DisputeRecord,
  notes: NoteRecord,
  handoffs: HandoffRecord,
} as const;

export type BuiltinCollectionName = keyof typeof builtinCollections;

/** What each built-in collection holds, for the JSON Schema. */
const collectionDescriptions: Record<BuiltinCollectionName, string> = {
  customers: "People the line serves; the built-in identity tools find and verify them.",
  accounts: "Balances owed by customers, read and changed by the built-in payment tools.",
  providers: "People whose calendars hold bookable slots.",
  services: "What can be booked, with duration and the providers who offer it.",
  slots: "Calendar slots, open or booked, that `search_slots` offers and `book_appointment` takes.",
  appointments: "Booked visits that list, reschedule and cancel tools act on.",
  paymentMethods: "Customers' cards and bank accounts on file.",
  payments: "Payments taken (usually empty at the start; `take_payment` adds to it).",
  paymentPlans: "Installment plans (usually empty at the start; `create_payment_plan` adds to it).",
  promises: "Promises to pay (usually empty at the start; `record_promise_to_pay` adds to it).",
  disputes: "Disputes raised (usually empty at the start; `record_dispute` adds to it).",
  notes: "Notes on customers (`add_note` adds to it).",
  handoffs: "Calls handed to people (`transfer_to_human` adds to it).",
};

export const Fixtures = z
  .object(
    Object.fromEntries(
      Object.entries(builtinCollections).map(([name, schema]) => [
        name,
        z
          .array(schema)
          .default([])
          .describe(collectionDescriptions[name as BuiltinCollectionName]),
      ]),
    ) as { [K in BuiltinCollectionName]: z.ZodDefault<z.ZodArray<(typeof builtinCollections)[K]>> },
  )
  .catchall(z.array(GenericRecord));

/** Business rules the built-in tools enforce, set per pack. */
export const ToolsConfig = z.object({
  booking: z
    .object({
      lateCancelHours: z.number().nonnegative().default(24).describe("`cancel_appointment` charges the late fee when the visit is fewer than this many hours away."),
      lateCancelFeeCents: z.number().int().nonnegative().default(0).describe("The late-cancel fee in cents (0: no fee)."),
      maxDaysAhead: z.number().int().positive().default(90).describe("`book_appointment` refuses (rule_violation) a slot more than this many days ahead."),
    })
    .default({ lateCancelHours: 24, lateCancelFeeCents: 0, maxDaysAhead: 90 })
    .describe("Rules of the built-in calendar tools."),
  payments: z
    .object({
      maxPlanInstallments: z.number().int().positive().default(12).describe("`create_payment_plan` refuses more installments than this."),
      minInstallmentCents: z.number().int().positive().default(2500).describe("`create_payment_plan` refuses installments smaller than this, in cents."),
      maxPromiseDays: z.number().int().positive().default(30).describe("`record_promise_to_pay` refuses a date further out than this many days."),
      maxPaymentCents: z.number().int().positive().optional().describe("`take_payment` refuses a single payment above this, in cents (absent: no cap)."),
    })
    .default({ maxPlanInstallments: 12, minInstallmentCents: 2500, maxPromiseDays: 30 })
    .describe("Rules of the built-in payment tools."),
  handoff: z
    .object({ queues: z.array(z.string()).default(["general"]).describe("Queues `transfer_to_human` accepts; flow `handoff:` steps must name one.") })
    .default({ queues: ["general"] })
    .describe("Where calls can be handed to people."),
});

export type CustomerRecord = z.infer<typeof CustomerRecord>;
export type AccountRecord = z.infer<typeof AccountRecord>;
export type ProviderRecord = z.infer<typeof ProviderRecord>;
export type ServiceRecord = z.infer<typeof ServiceRecord>;
export type SlotRecord = z.infer<typeof SlotRecord>;
export type AppointmentRecord = z.infer<typeof AppointmentRecord>;
export type PaymentMethodRecord = z.infer<typeof PaymentMethodRecord>;
export type PaymentRecord = z.infer<typeof PaymentRecord>;
export type PaymentPlanRecord = z.infer<typeof PaymentPlanRecord>;
export type PromiseToPayRecord = z.infer<typeof PromiseToPayRecord>;
export type DisputeRecord = z.infer<typeof DisputeRecord>;
export type NoteRecord = z.infer<typeof NoteRecord>;
export type HandoffRecord = z.infer<typeof HandoffRecord>;
export type GenericRecord = z.infer<typeof GenericRecord>;
export type Fixtures = z.infer<typeof Fixtures>;
export type FixturesInput = z.input<typeof Fixtures>;
export type ToolsConfig = z.infer<typeof ToolsConfig>;
