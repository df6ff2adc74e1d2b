import { DateTime } from "luxon";
import { z } from "zod";
import { defineTool, fail, ok } from "../define-tool.ts";
import type { AppointmentRecord, ProviderRecord, ServiceRecord, SlotRecord } from "../fixtures.ts";
import type { ToolContext, ToolRunResult } from "../tool-types.ts";
import { findCustomerById } from "./crm.ts";

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "expected YYYY-MM-DD");
const slots = (ctx: ToolContext) => ctx.collection("slots") as unknown as SlotRecord[];
const providers = (ctx: ToolContext) => ctx.collection("providers") as unknown as ProviderRecord[];
const services = (ctx: ToolContext) => ctx.collection("services") as unknown as ServiceRecord[];
const appointments = (ctx: ToolContext) => ctx.collection("appointments") as unknown as AppointmentRecord[];
const providerName = (ctx: ToolContext, id: string) => providers(ctx).find((p) => p.id === id)?.name ?? id;
const serviceName = (ctx: ToolContext, id: string) => services(ctx).find((s) => s.id === id)?.name ?? id;

const PART_OF_DAY = { morning: [0, 12], afternoon: [12, 17], evening: [17, 24] } as const;

export const searchSlots = defineTool({
  name: "search_slots",
  description: "Search open appointment slots between two dates, optionally for a service, a provider and a part of the day.",
  args: z.object({
    service_id: z.string().optional(),
    provider_id: z.string().optional(),
    date_from: isoDate,
    date_to: isoDate,
    part_of_day: z.enum(["morning", "afternoon", "evening"]).optional(),
  }),
  run(args, ctx) {
    if (args.date_to < args.date_from) return fail("invalid_arguments", "date_to is before date_from");
    const service = args.service_id ? services(ctx).find((s) => s.id === args.service_id) : undefined;
    if (args.service_id && !service) return fail("not_found", `no service ${args.service_id}`);
    if (args.provider_id && !providers(ctx).some((p) => p.id === args.provider_id)) return fail("not_found", `no provider ${args.provider_id}`);
    const now = ctx.clock.now();
    const found = slots(ctx)
      .filter((slot) => {
        if (slot.status !== "open") return false;
        if (args.provider_id && slot.providerId !== args.provider_id) return false;
        if (service && !service.providerIds.includes(slot.providerId)) return false;
        const start = DateTime.fromISO(slot.start, { zone: ctx.clock.timezone });
        if (start <= now) return false;
        const day = start.toISODate() ?? "";
        if (day < args.date_from || day > args.date_to) return false;
        if (args.part_of_day) {
          const [from, to] = PART_OF_DAY[args.part_of_day];
          if (start.hour < from || start.hour >= to) return false;
        }
        return true;
      })
      .sort((a, b) => DateTime.fromISO(a.start).toMillis() - DateTime.fromISO(b.start).toMillis() || a.id.localeCompare(b.id))
      .slice(0, 6);
    return ok({
      slots: found.map((slot) => ({
        slot_id: slot.id,
        provider_id: slot.providerId,
        provider_name: providerName(ctx, slot.providerId),
        start: slot.start,
        duration_min: slot.durationMin,
      })),
    });
  },
});

/** The rules every booking must pass, as a scheduling backend enforces them. */
function checkBookable(ctx: ToolContext, slotId: string, serviceId: string): ToolRunResult<SlotRecord> {
  const slot = slots(ctx).find((s) => s.id === slotId);
  if (!slot) return fail("not_found", `no slot ${slotId}`);
  if (slot.status !== "open") return fail("rule_violation", `slot ${slotId} is already taken`);
  const start = DateTime.fromISO(slot.start, { zone: ctx.clock.timezone });
  const now = ctx.clock.now();
  if (start <= now) return fail("rule_violation", `slot ${slotId} is in the past`);
  if (start > now.plus({ days: ctx.config.booking.maxDaysAhead })) {
    return fail("rule_violation", `slot ${slotId} is more than ${ctx.config.booking.maxDaysAhead} days ahead`);
  }
  const service = services(ctx).find((s) => s.id === serviceId);
  if (!service) return fail("not_found", `no service ${serviceId}`);
  if (!service.providerIds.includes(slot.providerId)) {
    return fail("rule_violation", `${providerName(ctx, slot.providerId)} does not offer ${service.name}`);
  }
  return ok(slot);
}

export const bookAppointment = defineTool({
  name: "book_appointment",
  description: "Book an open slot for a customer and a service.",
  args: z.object({ customer_id: z.string().min(1), slot_id: z.string().min(1), service_id: z.string().min(1) }),
  run(args, ctx) {
    if (!findCustomerById(ctx, args.customer_id)) return fail("not_found", `no customer ${args.customer_id}`);
    const checked = checkBookable(ctx, args.slot_id, args.service_id);
    if (!checked.ok) return checked;
    const slot = checked.result;
    slot.status = "booked";
    const id = ctx.newId("APT");
    appointments(ctx).push({
      id,
      customerId: args.customer_id,
      providerId: slot.providerId,
      serviceId: args.service_id,
      slotId: slot.id,
      start: slot.start,
      status: "booked",
      feeCents: 0,
    });
    return ok({ appointment_id: id, start: slot.start, provider_name: providerName(ctx, slot.providerId), service_name: serviceName(ctx, args.service_id) });
  },
});

export const rescheduleAppointment = defineTool({
  name: "reschedule_appointment",
  description: "Move a booked appointment to another open slot; the old slot is freed.",
  args: z.object({ appointment_id: z.string().min(1), new_slot_id: z.string().min(1) }),
  run(args, ctx) {
    const appointment = appointments(ctx).find((a) => a.id === args.appointment_id);
    if (!appointment) return fail("not_found", `no appointment ${args.appointment_id}`);
    if (appointment.status !== "booked") return fail("rule_violation", `appointment ${args.appointment_id} is ${appointment.status}`);
    if (appointment.slotId === args.new_slot_id) return fail("rule_violation", "the appointment is already in that slot");
    const checked = checkBookable(ctx, args.new_slot_id, appointment.serviceId);
    if (!checked.ok) return checked;
    const slot = checked.result;
    const old = slots(ctx).find((s) => s.id === appointment.slotId);
    if (old) old.status = "open";
    slot.status = "booked";
    appointment.slotId = slot.id;
    appointment.providerId = slot.providerId;
    appointment.start = slot.start;
    return ok({ appointment_id: appointment.id, start: slot.start, provider_name: providerName(ctx, slot.providerId) });
  },
});

export const cancelAppointment = defineTool({
  name: "cancel_appointment",
  description: "Cancel a booked appointment. A late cancellation (inside the clinic's window) carries a fee.",
  args: z.object({ appointment_id: z.string().min(1) }),
  run(args, ctx) {
    const appointment = appointments(ctx).find((a) => a.id === args.appointment_id);
    if (!appointment) return fail("not_found", `no appointment ${args.appointment_id}`);
    if (appointment.status !== "booked") return fail("rule_violation", `appointment ${args.appointment_id} is ${appointment.status}`);
    const start = DateTime.fromISO(appointment.start, { zone: ctx.clock.timezone });
    const hoursAhead = start.diff(ctx.clock.now(), "hours").hours;
    const isLate = hoursAhead < ctx.config.booking.lateCancelHours;
    appointment.status = "cancelled";
    appointment.feeCents = isLate ? ctx.config.booking.lateCancelFeeCents : 0;
    const slot = slots(ctx).find((s) => s.id === appointment.slotId);
    if (slot) slot.status = "open";
    return ok({ appointment_id: appointment.id, status: "cancelled" as const, fee_cents: appointment.feeCents });
  },
});

export const listAppointments = defineTool({
  name: "list_appointments",
  description: "List a customer's upcoming booked appointments.",
  args: z.object({ customer_id: z.string().min(1) }),
  run(args, ctx) {
    if (!findCustomerById(ctx, args.customer_id)) return fail("not_found", `no customer ${args.customer_id}`);
    const now = ctx.clock.now();
    const upcoming = appointments(ctx)
      .filter((a) => a.customerId === args.customer_id && a.status === "booked" && DateTime.fromISO(a.start) > now)
      .sort((a, b) => DateTime.fromISO(a.start).toMillis() - DateTime.fromISO(b.start).toMillis());
    return ok({
      appointments: upcoming.map((a) => ({
        appointment_id: a.id,
        start: a.start,
        provider_name: providerName(ctx, a.providerId),
        service_name: serviceName(ctx, a.serviceId),
        status: a.status,
      })),
    });
  },
});

export const calendarTools = [searchSlots, bookAppointment, rescheduleAppointment, cancelAppointment, listAppointments] as const;
