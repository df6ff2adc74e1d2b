import { z } from "zod";

/**
 * The records the built-in tools read and change. A pack's `fixtures` holds arrays of these
 * under the collection names below; a pack may add collections of its own (any records with
 * an `id`) for the tools it declares.
 */

const id = z.string().min(1);
/** ISO date, YYYY-MM-DD. */
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "expected a date as YYYY-MM-DD");
/** ISO date-time with offset or Z, e.g. 2026-03-10T09:00:00-05:00. */
const isoDateTime = z.iso.datetime({ offset: true, message: "expected an ISO date-time such as 2026-03-10T09:00:00-05:00" });

export const CustomerRecord = z.object({
  id,
  name: z.string().min(1),
  phone: z.string().min(7),
  dob: isoDate,
  address: z.string().min(1),
  zip: z.string().optional(),
  email: z.string().optional(),
  ssnLast4: z.string().regex(/^\d{4}$/).optional(),
  doNotContact: z.boolean().default(false),
  insuranceCarrier: z.string().optional(),
});

export const AccountRecord = z.object({
  id,
  customerId: id,
  kind: z.enum(["patient", "debt"]),
  balanceCents: z.number().int().nonnegative(),
  creditor: z.string().optional(),
  status: z.enum(["open", "disputed", "paid", "closed", "cease_contact"]).default("open"),
  originalDueDate: isoDate.optional(),
});

export const ProviderRecord = z.object({ id, name: z.string().min(1), specialty: z.string().min(1) });

export const ServiceRecord = z.object({
  id,
  name: z.string().min(1),
  durationMin: z.number().int().positive(),
  providerIds: z.array(id).min(1),
  priceCents: z.number().int().nonnegative().optional(),
});

export const SlotRecord = z.object({
  id,
  providerId: id,
  start: isoDateTime,
  durationMin: z.number().int().positive().default(30),
  status: z.enum(["open", "booked", "blocked"]).default("open"),
});

export const AppointmentRecord = z.object({
  id,
  customerId: id,
  providerId: id,
  serviceId: id,
  slotId: id,
  start: isoDateTime,
  status: z.enum(["booked", "cancelled", "completed"]).default("booked"),
  feeCents: z.number().int().nonnegative().default(0),
});

export const PaymentMethodRecord = z.object({
  id,
  customerId: id,
  kind: z.enum(["card", "bank"]),
  brand: z.string().optional(),
  last4: z.string().regex(/^\d{4}$/),
  isDefault: z.boolean().default(false),
  isExpired: z.boolean().default(false),
});

export const PaymentRecord = z.object({
  id,
  accountId: id,
  methodId: id,
  amountCents: z.number().int().positive(),
  at: isoDateTime,
});

export const PaymentPlanRecord = z.object({
  id,
  accountId: id,
  installments: z.number().int().positive(),
  installmentCents: z.number().int().positive(),
  firstDate: isoDate,
  status: z.enum(["active", "cancelled"]).default("active"),
});

export const PromiseToPayRecord = z.object({
  id,
  accountId: id,
  amountCents: z.number().int().positive(),
  date: isoDate,
});

export const DisputeRecord = z.object({ id, accountId: id, reason: z.string().min(1), at: isoDateTime });
export const NoteRecord = z.object({ id, customerId: id, text: z.string().min(1), at: isoDateTime });
export const HandoffRecord = z.object({ id, reason: z.string().min(1), queue: z.string(), at: isoDateTime });

/** Any record of a pack-defined collection. */
export const GenericRecord = z.object({ id }).catchall(z.unknown());

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

export const Fixtures = z
  .object(
    Object.fromEntries(
      Object.entries(builtinCollections).map(([name, schema]) => [name, z.array(schema).default([])]),
    ) as { [K in BuiltinCollectionName]: z.ZodDefault<z.ZodArray<(typeof builtinCollections)[K]>> },
  )
  .catchall(z.array(GenericRecord));

/** Business rules the built-in tools enforce, set per pack. */
export const ToolsConfig = z.object({
  booking: z
    .object({
      lateCancelHours: z.number().nonnegative().default(24),
      lateCancelFeeCents: z.number().int().nonnegative().default(0),
      maxDaysAhead: z.number().int().positive().default(90),
    })
    .default({ lateCancelHours: 24, lateCancelFeeCents: 0, maxDaysAhead: 90 }),
  payments: z
    .object({
      maxPlanInstallments: z.number().int().positive().default(12),
      minInstallmentCents: z.number().int().positive().default(2500),
      maxPromiseDays: z.number().int().positive().default(30),
      maxPaymentCents: z.number().int().positive().optional(),
    })
    .default({ maxPlanInstallments: 12, minInstallmentCents: 2500, maxPromiseDays: 30 }),
  handoff: z
    .object({ queues: z.array(z.string()).default(["general"]) })
    .default({ queues: ["general"] }),
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
