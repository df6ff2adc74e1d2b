// Northwind Fiber's billing and scheduling rules as the pack's own TypeScript tools.
import type { PackToolKit } from "voicesim";

const MAX_DAYS = 14;
const dollars = (cents: number) => `$${(cents / 100).toFixed(2)}`;

export function tools({ defineTool, toolOk, toolFail, z }: PackToolKit) {
  return [
    defineTool({
      name: "arrange_payment",
      description: "Schedule a payment of the bill for a later date; the service stays on until then.",
      args: z.object({
        subscriber_id: z.string(),
        amount_cents: z.number().int().positive(),
        date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).describe("YYYY-MM-DD"),
      }),
      run(args, ctx) {
        const bill = ctx.collection("bills").find((b) => b.subscriberId === args.subscriber_id);
        if (!bill) return toolFail("not_found", "no bill on this account");
        const arrangements = ctx.collection("arrangements");
        if (arrangements.some((a) => a.subscriberId === args.subscriber_id && a.status === "scheduled")) {
          return toolFail("rule_violation", "there's already a payment arrangement on this account");
        }
        const today = ctx.clock.nowIso().slice(0, 10);
        const latest = new Date(`${today}T12:00:00Z`);
        latest.setUTCDate(latest.getUTCDate() + MAX_DAYS);
        const latestDay = latest.toISOString().slice(0, 10);
        if (args.date < today) return toolFail("invalid_arguments", "the date is in the past");
        if (args.date > latestDay) return toolFail("rule_violation", `arrangements can be at most two weeks out, so the latest date is ${latestDay}`);
        const minimum = Math.ceil(Number(bill.amountDueCents) / 4);
        if (args.amount_cents < minimum) return toolFail("rule_violation", `an arrangement has to cover at least a quarter of the balance, which is ${dollars(minimum)}`);
        const arrangement = { id: ctx.newId("PA"), subscriberId: args.subscriber_id, amountCents: args.amount_cents, date: args.date, status: "scheduled" };
        arrangements.push(arrangement);
        return toolOk({ arrangement });
      },
    }),
    defineTool({
      name: "find_tech_window",
      description: "The first open technician window on or after a date.",
      args: z.object({ date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).describe("YYYY-MM-DD") }),
      run(args, ctx) {
        const open = ctx
          .collection("techWindows")
          .filter((w) => w.status === "open" && String(w.start).slice(0, 10) >= args.date)
          .sort((a, b) => String(a.start).localeCompare(String(b.start)));
        const first = open[0];
        if (!first) return toolFail("not_found", `no technician windows are open on or after ${args.date}`);
        return toolOk({ window: { id: String(first.id), start: String(first.start) } });
      },
    }),
  ];
}
