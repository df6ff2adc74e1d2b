import type { ScenarioRecord } from "../../scenarios/index.ts";

/** A pack seed scenario that a round did not accept, with the variants of it that went too. */
export interface DroppedSeed {
  seedId: string;
  /** Which step dropped it: the critic, the gate's checks, or the round quota (--scenarios). */
  stage: "critique" | "gate" | "quota";
  reason: string;
  /** Variants of this seed proposed in the same round and not accepted either. */
  droppedVariants: number;
}

/**
 * The seeds a round dropped. A seed is the pack author's own test: dropping one (and with it
 * every variant made from it) changes what the run covers, so it is said out loud, never only
 * written to rejects.jsonl.
 */
export function droppedSeeds(records: readonly ScenarioRecord[], seedIds: ReadonlySet<string>): DroppedSeed[] {
  const drops: DroppedSeed[] = [];
  for (const record of records) {
    const id = record.scenario.id;
    if (record.accepted || !seedIds.has(id) || record.scenario.seedId !== undefined) continue;
    const droppedVariants = records.filter((r) => r.scenario.seedId === id && !r.accepted).length;
    if (!record.critique?.ok) {
      const reason = record.critique?.flags.map((f) => `${f.kind}: ${f.reason}`).join("; ") || "no critique";
      drops.push({ seedId: id, stage: "critique", reason, droppedVariants });
    } else {
      const reason = record.gate?.reason ?? "quota: round quota reached";
      drops.push({ seedId: id, stage: reason.startsWith("quota:") ? "quota" : "gate", reason, droppedVariants });
    }
  }
  return drops;
}

/** One warning line, e.g. `gate dropped seed late-cancel-easy and its 2 variants: constraints: …`. */
export function describeDroppedSeed(drop: DroppedSeed): string {
  const who = drop.stage === "critique" ? "the critic" : "gate";
  const variants = drop.droppedVariants === 0 ? "" : ` and its ${drop.droppedVariants} variant${drop.droppedVariants === 1 ? "" : "s"}`;
  return `${who} dropped seed ${drop.seedId}${variants}: ${drop.reason}`;
}
