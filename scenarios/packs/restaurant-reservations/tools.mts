// Olive & Ember's table rules as the pack's own TypeScript tools.
import type { PackToolKit } from "voicesim";

const WINDOW_MINUTES = 90;
const DEPOSIT_PER_GUEST_CENTS = 1000;

const minutesOf = (iso: string) => Number(iso.slice(11, 13)) * 60 + Number(iso.slice(14, 16));

export function tools({ defineTool, toolOk, toolFail, z }: PackToolKit) {
  return [
    defineTool({
      name: "find_table",
      description: "An open table for a party on a day: the one at the time asked for, else the nearest within ninety minutes.",
      args: z.object({
        party_size: z.number().int().positive(),
        date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).describe("YYYY-MM-DD"),
        time: z.string().regex(/^\d{2}:\d{2}$/).describe("HH:mm, 24-hour"),
      }),
      run(args, ctx) {
        const wanted = Number(args.time.slice(0, 2)) * 60 + Number(args.time.slice(3, 5));
        const fits = ctx
          .collection("seatings")
          .filter((o) => o.status === "open" && String(o.start).slice(0, 10) === args.date && Number(o.seats) >= args.party_size)
          .map((o) => ({ opening: o, distance: Math.abs(minutesOf(String(o.start)) - wanted) }))
          .sort((a, b) => a.distance - b.distance || String(a.opening.start).localeCompare(String(b.opening.start)));
        const best = fits[0];
        if (!best || best.distance > WINDOW_MINUTES) {
          return toolFail("not_found", `we're fully booked for a party of ${args.party_size} around then on ${args.date}`);
        }
        return toolOk({ table: { id: String(best.opening.id), start: String(best.opening.start), seats: Number(best.opening.seats), exact: best.distance === 0 } });
      },
    }),
    defineTool({
      name: "book_table",
      description: "Book an open table for a party under a name and phone number.",
      args: z.object({
        opening_id: z.string(),
        party_size: z.number().int().positive(),
        name: z.string().min(1),
        phone: z.string().regex(/^\d{10}$/),
      }),
      run(args, ctx) {
        if (args.party_size > 8) return toolFail("rule_violation", "parties over eight are booked by our events team");
        const opening = ctx.collection("seatings").find((o) => o.id === args.opening_id);
        if (!opening) return toolFail("not_found", "no such table");
        if (opening.status !== "open") return toolFail("rule_violation", "that table was just taken");
        opening.status = "booked";
        const needsDeposit = args.party_size >= 6;
        const reservation = {
          id: ctx.newId("RES"),
          openingId: args.opening_id,
          partySize: args.party_size,
          name: args.name,
          phone: args.phone,
          start: String(opening.start),
          status: "booked",
          depositCents: needsDeposit ? args.party_size * DEPOSIT_PER_GUEST_CENTS : 0,
          needsDeposit,
        };
        ctx.collection("reservations").push(reservation);
        return toolOk({ reservation });
      },
    }),
  ];
}
