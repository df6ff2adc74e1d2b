import { z } from "zod";
import { FaultPlan } from "../tools/index.ts";
import { timeZoneProblem } from "./time-zone.ts";

export const Difficulty = z.enum(["easy", "medium", "hard"]);
export type Difficulty = z.infer<typeof Difficulty>;

/** A slot value the caller has in mind: text as a caller would say it ("next Tuesday afternoon"). */
const SlotValue = z.union([z.string(), z.number(), z.boolean()]);

export const Goal = z.object({
  intent: z.string().min(1).describe("An intent id declared in the pack's `agent.intents`."),
  slots: z
    .record(z.string(), SlotValue)
    .default({})
    .describe("What the caller wants, by the intent's slot names, as a caller would say it (\"next Tuesday\", \"two hundred\"); the caller fills openings and answers prompts from these."),
  description: z
    .string()
    .min(1)
    .describe(
      "What the caller wants, as a verb phrase (\"book a tune-up for next Monday\"): the LLM caller reads it as its aim; the scripted caller opens with the intent's `openings` and says this word for word (\"I'm calling to …\") only when no opening fits.",
    ),
});
export type Goal = z.infer<typeof Goal>;

/**
 * A kind of out-of-policy request ("waive_fee", "early_refill"): a name the pack declares in
 * `agent.refusals`, not a fixed list, so any domain brings its own traps.
 */
export const RefusalTrap = z.string().regex(/^[A-Za-z0-9_.-]+$/, "trap kinds use letters, digits, _ . -");
export type RefusalTrap = z.infer<typeof RefusalTrap>;

const Slot = z.string().describe("The slot (a goal slot name) it is about.");

export const Complication = z.discriminatedUnion("kind", [
  z
    .object({
      kind: z.literal("change_mind").describe("Asks for one value, then changes to another once the agent has acted on the first."),
      slot: Slot,
      from: SlotValue.describe("The value first asked for."),
      to: SlotValue.describe("The value the caller changes to."),
    })
    .describe("Asks for one value, then changes to another once the agent has acted on the first."),
  z
    .object({
      kind: z.literal("correction").describe("Gives a wrong value, then corrects it (\"the fifth — sorry, the fifteenth\")."),
      slot: Slot,
      wrong: SlotValue.describe("The value said first, by mistake."),
      right: SlotValue.describe("The value the caller corrects it to."),
    })
    .describe("Gives a wrong value, then corrects it."),
  z
    .object({
      kind: z.literal("underspecified").describe("Opens vaguely (\"I need to come in\") and gives the listed slots only when asked."),
      slots: z.array(z.string()).min(1).describe("Goal slots held back until the agent asks for them."),
    })
    .describe("Opens vaguely and gives these slots only when asked."),
  z
    .object({
      kind: z.literal("refusal_trap").describe("Asks for something the policy forbids; the agent must refuse."),
      trap: RefusalTrap.describe("A trap kind declared in `agent.refusals`."),
      utterance: z.string().optional().describe("What the caller says to ask for it; default: the refusal rule's `utterance`."),
    })
    .describe("Asks for something the policy forbids; the agent must refuse."),
  z
    .object({
      kind: z.literal("silence").describe("Goes quiet for a while at a turn."),
      atTurn: z.number().int().positive().describe("The caller turn (counted from 1) at which the caller goes quiet."),
      seconds: z.number().positive().describe("How long the silence lasts, in seconds."),
    })
    .describe("Goes quiet for a while at a turn."),
  z
    .object({
      kind: z.literal("request_human").describe("Asks for a person."),
      atTurn: z.number().int().positive().optional().describe("The caller turn (from 1) at which to ask; default: as soon as the call has opened."),
    })
    .describe("Asks for a person."),
  z
    .object({
      kind: z.literal("wrong_person").describe("Someone other than the account holder calls; they must learn nothing private."),
      relation: z.string().default("spouse").describe("The caller's relation to the account holder (\"spouse\", \"son\"), said as {partner} in `caller.wrongPerson`."),
    })
    .describe("Someone other than the account holder calls; they must learn nothing private."),
  z
    .object({
      kind: z.literal("dtmf").describe("Enters digits on the keypad instead of speaking them."),
      slot: z.string().describe("The slot or hidden fact (e.g. `phone`) keyed on the keypad."),
    })
    .describe("Enters digits on the keypad instead of speaking them."),
  z
    .object({
      kind: z.literal("interrupts").describe("Talks over the agent more than the persona usually does."),
      rate: z.number().min(0).max(1).describe("0–1: chance of barging into each agent turn, replacing the persona's `asr.bargeInRate`."),
    })
    .describe("Talks over the agent more than the persona usually does."),
]);
export type Complication = z.infer<typeof Complication>;
export type ComplicationKind = Complication["kind"];

/** A reference to something that happens in a call, used by ordering rules. */
export const ActionRef = z
  .string()
  .regex(/^(tool|phrase|mention):[A-Za-z0-9_.-]+$/, "expected tool:<name>, phrase:<id> or mention:<field>");

export const FinalStateAssertion = z.object({
  collection: z.string().min(1).describe("The fixture collection to look at after the call (e.g. `repairs`)."),
  where: z.record(z.string(), SlotValue).default({}).describe("Field equality that selects the records the assertion is about (e.g. `{ customerId: CUS-1 }`)."),
  expect: z
    .record(z.string(), z.union([SlotValue, z.null()]))
    .optional()
    .describe("Field values every selected record must have at the end (null: the field is absent)."),
  count: z.number().int().nonnegative().optional().describe("How many records must match `where` at the end (0: none may)."),
  description: z.string().optional().describe("What the assertion means, shown when it fails."),
});
export type FinalStateAssertion = z.infer<typeof FinalStateAssertion>;

export const ActionExpectation = z.object({
  tool: z.string().min(1).describe("The tool that must (or must not) be called successfully."),
  args: z.record(z.string(), SlotValue).optional().describe("Argument values the call must have (a subset; others may be anything)."),
  description: z.string().optional().describe("What the expectation means, shown when it fails."),
});
export type ActionExpectation = z.infer<typeof ActionExpectation>;

export const Expectations = z.object({
  finalState: z.array(FinalStateAssertion).default([]).describe("Assertions over the tool world after the call (the judge's `final_state[i]` checks)."),
  requiredActions: z.array(ActionExpectation).default([]).describe("Tool calls that must succeed during the call (`required_action[i]`)."),
  forbiddenActions: z.array(ActionExpectation).default([]).describe("Tool calls that must not be made during the call, even failed ones (`forbidden_action[i]`)."),
  requiredPhrases: z.array(z.string()).default([]).describe("Ids of `agent.phrases` the agent must say (`required_phrase:<id>`)."),
  forbiddenPhrases: z.array(z.string()).default([]).describe("Regexes (case-insensitive) the agent must never say (`forbidden_phrase[i]`)."),
  ordering: z
    .array(
      z.object({
        first: ActionRef.describe("What must happen first: `tool:<name>`, `phrase:<id>` or `mention:<field>`."),
        then: ActionRef.describe("What may only happen after it, in the same form."),
        description: z.string().optional().describe("What the rule means, shown when it fails."),
      }),
    )
    .default([])
    .describe("Order rules (`order[i]`), e.g. `{ first: \"tool:verify_identity\", then: \"mention:balance\" }`."),
  refusalExpected: z.boolean().default(false).describe("Whether a good call refuses something; set it with a `refusal_trap` complication (the report counts correct refusals)."),
  handoffExpected: z.boolean().default(false).describe("Whether a good call hands off to a person: the judge's `handoff` check wants a successful transfer tool call."),
});
export type Expectations = z.infer<typeof Expectations>;

export const ScenarioClock = z.object({
  now: z.iso
    .datetime({ offset: true, local: true, message: "expected an ISO date-time such as 2026-03-10T09:00:00" })
    .describe("When the call happens (ISO date-time, local to `timezone` unless it has an offset); \"next Tuesday\" is read from here."),
  timezone: z
    .string()
    .min(1)
    .superRefine((zone, ctx) => {
      const problem = timeZoneProblem(zone);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .describe("An IANA time zone name (e.g. America/Chicago) for the clock, spoken times and dates."),
});

export const VoiceOverrides = z.object({
  asrWer: z.number().min(0).max(1).optional().describe("0–1: word error rate for this scenario instead of the persona's `asr.wer`."),
  bargeInRate: z.number().min(0).max(1).optional().describe("0–1: barge-in rate instead of the persona's."),
  silenceRate: z.number().min(0).max(1).optional().describe("0–1: silence rate instead of the persona's."),
});

/**
 * A scenario: who calls, what they want, what they know but only say when asked, what goes
 * wrong, and what a good call must end with. Seeds are authored in packs; variants are
 * generated from them (step 1) and carry `seedId`.
 */
export const Scenario = z.object({
  id: z.string().regex(/^[A-Za-z0-9_.-]+$/, "ids use letters, digits, _ . -").describe("Scenario id, unique in the pack (letters, digits, _ . -)."),
  title: z.string().min(1).describe("A short line a reader understands, shown in the report and the viewer."),
  packId: z.string().optional().describe("Set by the pipeline: the pack the scenario belongs to; leave it out in pack files."),
  seedId: z.string().optional().describe("Set by the generator on variants: the seed scenario they came from; leave it out in pack files."),
  persona: z.string().min(1).describe("A persona id from `personas`."),
  goal: Goal.describe("What the caller wants: an intent and its slot values."),
  hiddenFacts: z
    .record(z.string(), SlotValue)
    .default({})
    .describe("Facts the caller says only when asked (name, dob, phone, zip, identity slot names…); `customerId` ties the scenario to a fixture customer."),
  complications: z.array(Complication).default([]).describe("What makes the call harder: changed minds, corrections, traps, silence, a wrong person…"),
  faultPlan: FaultPlan.describe("Tool failures to inject in this scenario's calls."),
  clock: ScenarioClock.describe("The simulated \"now\" and time zone of the call."),
  difficulty: Difficulty.describe("easy, medium or hard; the gate keeps the mix within `generation.difficultyShares`."),
  expectations: Expectations.default({
    finalState: [],
    requiredActions: [],
    forbiddenActions: [],
    requiredPhrases: [],
    forbiddenPhrases: [],
    ordering: [],
    refusalExpected: false,
    handoffExpected: false,
  }).describe("What a good call must end with and must and must not do; the judge's scenario checks."),
  voice: VoiceOverrides.optional().describe("Speech-recognition noise for this scenario instead of the persona's."),
  tags: z.array(z.string()).default([]).describe("Free labels for your own filtering; voicesim does not read them."),
});
export type Scenario = z.infer<typeof Scenario>;
export type ScenarioInput = z.input<typeof Scenario>;
