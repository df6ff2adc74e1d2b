import type { Critique } from "./scripted-critic.ts";

/**
 * A short summary of a round's critiques for the generator's next round: how many proposals
 * were flagged, by kind, with one example reason per kind so an LLM generator knows what to avoid.
 */
export function critiqueFeedback(verdicts: readonly Critique[], gateDrops: readonly string[] = []): string {
  const byKind = new Map<string, { count: number; example: string }>();
  for (const verdict of verdicts) {
    for (const flag of verdict.flags) {
      const seen = byKind.get(flag.kind);
      if (seen) seen.count += 1;
      else byKind.set(flag.kind, { count: 1, example: flag.reason });
    }
  }
  // Proposals the critic passed but the gate dropped (duplicates, difficulty mix) steer the next round too.
  for (const check of gateDrops) {
    const key = `gate ${check}`;
    const seen = byKind.get(key);
    if (seen) seen.count += 1;
    else byKind.set(key, { count: 1, example: `dropped by the gate's ${check.replaceAll("_", " ")} check` });
  }
  if (byKind.size === 0) return `all ${verdicts.length} proposals passed the critic`;
  const flagged = verdicts.filter((v) => v.flags.length > 0).length;
  const kinds = [...byKind.entries()]
    .sort((a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0]))
    .map(([kind, { count, example }]) => `${count} ${kind.replaceAll("_", " ")} (e.g. ${example})`);
  return `${flagged} of ${verdicts.length} proposals flagged: ${kinds.join("; ")}`;
}
