import { z } from "zod";
import { defineTool, fail, ok } from "../define-tool.ts";

export const transferToHuman = defineTool({
  name: "transfer_to_human",
  description: "Transfer the caller to a person, with the reason so they need not repeat themselves.",
  args: z.object({ reason: z.string().min(3), queue: z.string().optional() }),
  run(args, ctx) {
    const queues = ctx.config.handoff.queues;
    const queue = args.queue ?? queues[0] ?? "general";
    if (!queues.includes(queue)) return fail("rule_violation", `no queue ${queue}; queues are ${queues.join(", ")}`);
    const id = ctx.newId("XFER");
    ctx.collection("handoffs").push({ id, reason: args.reason, queue, at: ctx.clock.nowIso() });
    ctx.session.transferredTo = { queue, reason: args.reason };
    return ok({ transfer_id: id, queue, wait_minutes: ctx.rng.int(1, 6) });
  },
});

export const endCall = defineTool({
  name: "end_call",
  description: "End the call after saying goodbye.",
  args: z.object({ reason: z.string().optional() }),
  run(_args, ctx) {
    ctx.session.endedBy = "agent";
    return ok({ ended: true as const });
  },
});

export const handoffTools = [transferToHuman, endCall] as const;
