import { z } from "zod";
import { FaultPlan } from "../tools/index.ts";
import { timeZoneProblem } from "./time-zone.ts";

export const Difficulty = z.enum(["easy", "medium", "hard"]);
export type Difficulty = z.infer<typeof Difficulty>;

/** A slot value the caller has in mind: text as a caller would say it ("next Tuesday afternoon"). */
const SlotValue = z.union([z.string(), z.number(), z.boolean()]);

export const Goal = z.object({
  /** An intent id declared in the pack's `agent.intents`. */
  intent: z.string().min(1),
  /** What the caller wants, by slot name (slots declared by the intent). */
  slots: z.record(z.string(), SlotValue).default({}),
  /** One sentence a reader understands: "Move her cleaning to two weeks out". */
  description: z.string().min(1),
});
export type Goal = z.infer<typeof Goal>;

/**
 * A kind of out-of-policy request ("waive_fee", "early_refill"): a name the pack declares in
 * `agent.refusals`, not a fixed list, so any domain brings its own traps.
 */
export const RefusalTrap = z.string().regex(/^[A-Za-z0-9_.-]+$/, "trap kinds use letters, digits, _ . -");
export type RefusalTrap = z.infer<typeof RefusalTrap>;

export const Complication = z.discriminatedUnion("kind", [
  /** Asks for one value, then changes to another once the agent has acted on the first. */
  z.object({ kind: z.literal("change_mind"), slot: z.string(), from: SlotValue, to: SlotValue }),
  /** Gives a wrong value, then corrects it ("the fifth — sorry, the fifteenth"). */
  z.object({ kind: z.literal("correction"), slot: z.string(), wrong: SlotValue, right: SlotValue }),
  /** Opens vaguely ("I need to come in") and gives these slots only when asked. */
  z.object({ kind: z.literal("underspecified"), slots: z.array(z.string()).min(1) }),
  /** Asks for something the policy forbids; the agent must refuse. */
  z.object({ kind: z.literal("refusal_trap"), trap: RefusalTrap, utterance: z.string().optional() }),
  /** Goes quiet for a while at a turn (counted in caller turns from 1). */
  z.object({ kind: z.literal("silence"), atTurn: z.number().int().positive(), seconds: z.number().positive() }),
  /** Asks for a person. */
  z.object({ kind: z.literal("request_human"), atTurn: z.number().int().positive().optional() }),
  /** Someone other than the account holder answers or calls (collections: must not learn of the debt). */
  z.object({ kind: z.literal("wrong_person"), relation: z.string().default("spouse") }),
  /** Enters digits on the keypad instead of speaking them. */
  z.object({ kind: z.literal("dtmf"), slot: z.string() }),
  /** Talks over the agent more than the persona usually does. */
  z.object({ kind: z.literal("interrupts"), rate: z.number().min(0).max(1) }),
]);
export type Complication = z.infer<typeof Complication>;
export type ComplicationKind = Complication["kind"];

/** A reference to something that happens in a call, used by ordering rules. */
export const ActionRef = z
  .string()
  .regex(/^(tool|phrase|mention):[A-Za-z0-9_.-]+$/, "expected tool:<name>, phrase:<id> or mention:<field>");

export const FinalStateAssertion = z.object({
  collection: z.string().min(1),
  /** Field equality that selects the records the assertion is about. */
  where: z.record(z.string(), SlotValue).default({}),
  /** Every selected record has these field values. */
  expect: z.record(z.string(), z.union([SlotValue, z.null()])).optional(),
  /** How many records match `where`. */
  count: z.number().int().nonnegative().optional(),
  description: z.string().optional(),
});
export type FinalStateAssertion = z.infer<typeof FinalStateAssertion>;

export const ActionExpectation = z.object({
  tool: z.string().min(1),
  /** Argument values the call must have (a subset). */
  args: z.record(z.string(), SlotValue).optional(),
  description: z.string().optional(),
});
export type ActionExpectation = z.infer<typeof ActionExpectation>;

export const Expectations = z.object({
  finalState: z.array(FinalStateAssertion).default([]),
  requiredActions: z.array(ActionExpectation).default([]),
  forbiddenActions: z.array(ActionExpectation).default([]),
  /** Ids of `agent.phrases` the agent must say. */
  requiredPhrases: z.array(z.string()).default([]),
  /** Regexes (case-insensitive) the agent must never say. */
  forbiddenPhrases: z.array(z.string()).default([]),
  ordering: z.array(z.object({ first: ActionRef, then: ActionRef, description: z.string().optional() })).default([]),
  refusalExpected: z.boolean().default(false),
  handoffExpected: z.boolean().default(false),
});
export type Expectations = z.infer<typeof Expectations>;

export const ScenarioClock = z.object({
  now: z.iso.datetime({ offset: true, local: true, message: "expected an ISO date-time such as 2026-03-10T09:00:00" }),
  /** An IANA time zone name, e.g. America/Chicago. */
  timezone: z
    .string()
    .min(1)
    .superRefine((zone, ctx) => {
      const problem = timeZoneProblem(zone);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }),
});

export const VoiceOverrides = z.object({
  asrWer: z.number().min(0).max(1).optional(),
  bargeInRate: z.number().min(0).max(1).optional(),
  silenceRate: z.number().min(0).max(1).optional(),
});

/**
 * A scenario: who calls, what they want, what they know but only say when asked, what goes
 * wrong, and what a good call must end with. Seeds are authored in packs; variants are
 * generated from them (step 1) and carry `seedId`.
 */
export const Scenario = z.object({
  id: z.string().regex(/^[A-Za-z0-9_.-]+$/, "ids use letters, digits, _ . -"),
  title: z.string().min(1),
  packId: z.string().optional(),
  seedId: z.string().optional(),
  persona: z.string().min(1),
  goal: Goal,
  /** Facts the caller reveals only when asked: name, dob, phone, customerId, zip, amount... */
  hiddenFacts: z.record(z.string(), SlotValue).default({}),
  complications: z.array(Complication).default([]),
  faultPlan: FaultPlan,
  clock: ScenarioClock,
  difficulty: Difficulty,
  expectations: Expectations.default({
    finalState: [],
    requiredActions: [],
    forbiddenActions: [],
    requiredPhrases: [],
    forbiddenPhrases: [],
    ordering: [],
    refusalExpected: false,
    handoffExpected: false,
  }),
  voice: VoiceOverrides.optional(),
  tags: z.array(z.string()).default([]),
});
export type Scenario = z.infer<typeof Scenario>;
export type ScenarioInput = z.input<typeof Scenario>;
