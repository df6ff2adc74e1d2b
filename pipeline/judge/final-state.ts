import type { Conversation, ScenarioPack } from "../../scenarios/index.ts";

export type Collections = Record<string, Array<Record<string, unknown>>>;

/**
 * The world at the end of a call: the starting fixtures (the pack's, unless the call started from
 * others) with the call's changes applied.
 */
export function finalCollections(pack: ScenarioPack, conversation: Conversation, initialFixtures?: ScenarioPack["fixtures"]): Collections {
  const out: Collections = {};
  for (const [name, records] of Object.entries(initialFixtures ?? pack.fixtures)) out[name] = (records as Array<Record<string, unknown>>).map((r) => ({ ...r }));
  for (const change of conversation.worldChanges) {
    const list = (out[change.collection] ??= []);
    const index = list.findIndex((r) => r.id === change.id);
    if (change.op === "delete") {
      if (index >= 0) list.splice(index, 1);
    } else if (change.after) {
      if (index >= 0) list[index] = { ...change.after };
      else list.push({ ...change.after });
    }
  }
  return out;
}

/** Loose equality for assertion values: YAML says 5000 or "5000", true or "true". */
export function sameValue(actual: unknown, expected: unknown): boolean {
  if (expected === null) return actual === null || actual === undefined;
  return String(actual) === String(expected);
}
