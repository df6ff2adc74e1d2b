import { z } from "zod";
import type { Scenario } from "../../scenarios/index.ts";
import type { JsonValue } from "../agent-types.ts";

/**
 * The caller's state between turns (Schatzmann et al. 2007, "Agenda-based user simulation for
 * bootstrapping a POMDP dialogue system"): an agenda — a stack of what the caller still means to
 * do, top first — plus which complications were played. Plain JSON, because it lives in the
 * LangGraph checkpoint; parsed with zod where it comes back in, so a foreign or older memory
 * starts fresh instead of breaking the call.
 */
export const CallerMemory = z.object({
  turns: z.number().int().nonnegative().default(0),
  opened: z.boolean().default(false),
  /** Top first: "open", "inform:<slot>", "close". Answering a request pops its item. */
  agenda: z.array(z.string()).default([]),
  /** Complications (by index in the scenario) already played. */
  played: z.array(z.number().int()).default([]),
  /** Slots given wrong first, waiting for their fix. */
  pendingCorrections: z.array(z.string()).default([]),
  goalSettled: z.boolean().default(false),
  failures: z.number().int().nonnegative().default(0),
  /** How often the caller pushed back after a refusal. */
  trapPushes: z.number().int().nonnegative().default(0),
  /** The caller turn at which the refusal trap was sprung (0: not yet). */
  trapTurn: z.number().int().nonnegative().default(0),
  /** The agent's last real question, kept across a silence so it can still be answered. */
  lastMoves: z.array(z.string()).default([]),
  lastAgentText: z.string().default(""),
  revealedWrongPerson: z.boolean().default(false),
  /** The last question answered, to answer again when the agent asks to repeat. */
  lastAnswered: z.string().nullable().default(null),
  /** The pack slot the caller last gave, to give again when the agent says it found no match. */
  lastPackSlot: z.string().nullable().default(null),
  /** The time the caller picked from the agent's offer, to catch a wrong read-back. */
  chosenTime: z.string().nullable().default(null),
  /** How often the caller told the agent it got the time wrong (once is plenty). */
  timeCorrections: z.number().int().nonnegative().default(0),
  /** Identity questions already answered (moves such as "ask_dob"). */
  given: z.array(z.string()).default([]),
  /** How often the caller said its goal again; past a few, it gives up rather than loop. */
  restatements: z.number().int().nonnegative().default(0),
  /** Agent turns in a row that said the same thing (an agent going round in circles). */
  sameAgentTurns: z.number().int().nonnegative().default(0),
});
export type CallerMemory = z.infer<typeof CallerMemory>;

/** The agenda a call starts with: open with the intent, inform each goal slot, close. */
export function initialAgenda(scenario: Scenario): string[] {
  return ["open", ...Object.keys(scenario.goal.slots).map((slot) => `inform:${slot}`), "close"];
}

/** The caller's memory from the view, or a fresh one for the first turn (or an unreadable memory). */
export function readMemory(memory: JsonValue, scenario: Scenario): CallerMemory {
  if (memory !== null && typeof memory === "object" && !Array.isArray(memory)) {
    const parsed = CallerMemory.safeParse(memory);
    if (parsed.success) return parsed.data;
  }
  return { ...CallerMemory.parse({}), agenda: initialAgenda(scenario) };
}

/** Pops an item wherever it is: the agent may ask for a slot out of the caller's order. */
export function popAgenda(memory: CallerMemory, item: string): void {
  memory.agenda = memory.agenda.filter((entry) => entry !== item);
}
