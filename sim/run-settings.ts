import { isDeepStrictEqual } from "node:util";
import { type Manifest, VoicesimError } from "../scenarios/index.ts";

/**
 * Settings that may change between a run and its resume: where a model lives, not what it answers
 * (a restarted local server often comes back on another port), and when a run was re-judged.
 */
const MAY_CHANGE_ON_RESUME = new Set(["baseUrl", "rejudgedAt"]);

/** What differs between the run a directory holds and the one asked for, one phrase each. */
export function settingsDifferences(previous: Manifest, next: Manifest): string[] {
  const out: string[] = [];
  if (previous.command !== next.command) out.push(`it was made by \`voicesim ${previous.command}\`, not \`${next.command}\``);
  if (previous.packHash !== next.packHash) out.push(`pack ${previous.packId} changed since (hash ${previous.packHash.slice(0, 12)}, now ${next.packHash.slice(0, 12)})`);
  if (previous.seed !== next.seed) out.push(`seed was ${previous.seed}, now ${next.seed}`);
  // A setting the run's manifest does not hold was not recorded by the voicesim that started it.
  const keys = Object.keys(previous.config).sort();
  for (const key of keys) {
    if (MAY_CHANGE_ON_RESUME.has(key)) continue;
    const before = previous.config[key];
    const now = next.config[key];
    if (!isDeepStrictEqual(before, now)) out.push(`${key} was ${shown(before)}, now ${shown(now)}`);
  }
  return out;
}

/** Refuses to resume a run with settings other than its own: the calls of two runs would mix. */
export function assertSameSettings(dir: string, previous: Manifest | undefined, next: Manifest): void {
  if (!previous) return;
  const differences = settingsDifferences(previous, next);
  if (differences.length === 0) return;
  throw new VoicesimError("run_dir_conflict", `${dir} holds a run made with other settings: ${differences.join("; ")}`, {
    hint: `resume with the run's own settings (see ${dir}/manifest.json), or start a new run with another --out`,
  });
}

function shown(value: unknown): string {
  return value === undefined ? "not set" : JSON.stringify(value);
}
