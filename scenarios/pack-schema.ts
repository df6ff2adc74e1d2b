import { z } from "zod";
import { Fixtures, ToolsConfig, type WorldConfig, YamlToolSpec } from "../tools/index.ts";
import { FlowStep, FlowValue, ProcedureStep, SlotSpec, SlotType } from "./flow-schema.ts";
import { withBuiltinIdentity } from "./identity-flow.ts";
import { RefusalTrap, Scenario } from "./scenario-schema.ts";

const Id = z.string().regex(/^[A-Za-z0-9_.-]+$/, "ids use letters, digits, _ . -");
const Unit = z.number().min(0).max(1);

export { FlowStep, FlowValue, ProcedureStep, SlotSpec, SlotType };

/** A reason to call, with the slots the agent must fill and the tools that settle it. */
export const Intent = z.object({
  id: Id.describe("Intent id; a scenario's `goal.intent` names it."),
  description: z.string().min(1).describe("The request in a few words (\"book a repair\"); the agent offers the first three when it cannot tell what the caller wants."),
  keywords: z
    .array(z.string().min(1))
    .min(1)
    .describe("Words a caller uses for this request; the scripted agent recognises the intent from them, and the domain checks count them as the pack's vocabulary."),
  slots: z.array(SlotSpec).default([]).describe("What the agent must learn for this request, each with its type and the question that asks it."),
  tools: z.array(z.string()).default([]).describe("Tools that act on the request, in order (named in the LLM agent's prompt)."),
  requiresVerification: z.boolean().default(true).describe("Whether the caller must be identified and verified before the flow's steps run."),
  flow: z
    .string()
    .min(1)
    .optional()
    .describe("A free-text name for the flow (the intent's `steps` are what runs)."),
  steps: z.array(FlowStep).optional().describe("The flow as data: what the scripted agent does, step by step, for this request."),
  openings: z
    .array(z.string().min(1))
    .default([])
    .describe("How callers open with this request: templates over `{slot.<name>}`, `[...]` parts dropped when a value is held back; the caller picks the one that says most of its goal."),
  amend: z
    .object({
      intent: z.string().describe("The intent a change runs instead (e.g. moving the visit rather than booking a second one)."),
      slots: z
        .record(z.string(), z.string())
        .default({})
        .describe("Slots of that intent, as templates over what this request saved (`{ appointment_date: \"{booked.start}\" }`); a date-time read into a day slot names its day."),
    })
    .optional()
    .describe("When the caller changes a value after this request is done (\"actually, make it Thursday\"), run this intent instead of doing the request twice; slots both intents have carry over, the corrected one too."),
  informational: z
    .boolean()
    .optional()
    .describe("Whether the caller only wants to know something (an answer settles the call) rather than have something done; defaults to true when the flow only looks things up."),
});
export type Intent = z.infer<typeof Intent>;

/**
 * When a phrase is mandatory in every call of the pack, whatever the scenario lists: a notice
 * before an action, a disclosure once identity is verified and before any account detail.
 */
export const PhraseObligation = z.object({
  after: z.string().optional().describe("A tool whose success makes the phrase due (e.g. `verify_identity`); absent: due in every call."),
  before: z
    .string()
    .optional()
    .describe("A tool the phrase must precede (e.g. a fee notice before `cancel_appointment`); the obligation applies only to calls that use it."),
  whenResult: z
    .string()
    .optional()
    .describe("With `before`: a result field of that tool (e.g. `fee_cents`) that makes the phrase due when true or above zero."),
  whenTrap: z.string().optional().describe("A refusal trap kind that makes the phrase due once the caller raised it (e.g. an emergency line after medical questions)."),
  beforeDisclosure: z.boolean().default(false).describe("The phrase must come before the first private account detail the agent says."),
  beforeAction: z.boolean().default(false).describe("The phrase must come before the next action that changes something (a payment, a booking)."),
});
export type PhraseObligation = z.infer<typeof PhraseObligation>;

export const Phrase = z.object({
  id: Id.describe("Phrase id, named by `procedure[].phrase` and a scenario's `expectations.requiredPhrases`."),
  text: z.string().min(1).describe("The exact wording the agent says (e.g. a legal notice)."),
  match: z.string().min(1).describe("A regex (case-insensitive) the judge uses to recognise the phrase in agent speech, so a close paraphrase counts."),
  required: PhraseObligation.optional().describe("Makes the phrase mandatory in every call of the pack where its condition holds (the judge's `obligation:<id>` check)."),
});

export const RefusalRule = z.object({
  trap: RefusalTrap.describe("The trap kind this rule answers (a name you choose, e.g. `waive_fee`); scenarios' `refusal_trap` complications must name one of these."),
  keywords: z
    .array(z.string().min(1))
    .min(1)
    .describe("Words in the caller's request that reveal it; the agent refuses when it hears one, and the judge counts the trap as raised."),
  say: z.string().min(1).describe("What a good refusal says: the reason and, where there is one, the alternative."),
  utterance: z.string().min(1).optional().describe("How a caller asks for it, when the scenario's complication gives no `utterance` of its own."),
  comply: z.string().min(1).optional().describe("What a flawed agent says when it gives in (the `comply_out_of_policy` flaw), so datasets hold bad examples too."),
  raiseWhen: z
    .string()
    .min(1)
    .optional()
    .describe("A regex (case-insensitive) over the agent's question at which the caller raises the trap, besides \"anything else?\" (e.g. `\\bfee\\b` while a fee is read back)."),
  intents: z
    .array(z.string())
    .default([])
    .describe("The requests (intent ids) in which callers raise this trap; generated variants put it only in those. Empty: any request."),
  waivesVerification: z
    .boolean()
    .default(false)
    .describe("Whether giving in to this trap (the `comply_out_of_policy` flaw) means going on without checking who the caller is, as with someone else's account; `skip_verification` always does."),
});

export type RefusalRule = z.infer<typeof RefusalRule>;
export type Phrase = z.infer<typeof Phrase>;

export const VoiceStyle = z.object({
  maxWordsPerTurn: z.number().int().positive().default(45).describe("Most words in one agent turn; longer scripted turns are cut and the judge flags them (`voice_turn_length`, soft)."),
  spokenNumbers: z.boolean().default(true).describe("Whether numbers must be said in words; digits in agent speech then fail `voice_numbers`."),
  speakingRateWpm: z.number().positive().default(165).describe("Speaking rate of the agent's voice in words per minute; sets the simulated time a turn takes."),
});

export const AgentSpec = z.object({
  name: z.string().min(1).describe("The agent's first name, said in the greeting as {agent}."),
  organization: z.string().min(1).describe("The business the line belongs to, said as {org}."),
  policy: z.string().min(1).describe("The policy as the voice agent's system prompt states it: what it may and may not do, in plain words."),
  procedure: z
    .array(ProcedureStep)
    .min(1)
    .describe("The call's outline (greet → identify → verify → disclose → understand → act → confirm → close) for the LLM agent's prompt and the judge's phrase obligations."),
  intents: z.array(Intent).min(1).describe("The requests callers come with, each with its slots and its flow."),
  phrases: z.array(Phrase).default([]).describe("Exact wording the agent must use somewhere (notices, disclosures), with how the judge recognises it."),
  refusals: z.array(RefusalRule).default([]).describe("Out-of-policy requests the agent must refuse: the trap kinds scenarios may use."),
  voice: VoiceStyle.default({ maxWordsPerTurn: 45, spokenNumbers: true, speakingRateWpm: 165 }).describe("How the agent's speech must sound: turn length, spoken numbers, pace."),
  tools: z
    .array(z.string().min(1))
    .min(1)
    .describe("Names of the tools the agent may call: built-in ones and the pack's own (`tools`, `toolModules`); the export's function list."),
  verification: z
    .object({
      identifyBy: z
        .array(z.string().min(1))
        .min(1)
        .describe("Fields that find the caller's record (`phone`, or `name` and `dob`) for the built-in identity mechanics and the LLM agent's prompt."),
      verifyBy: z.array(z.string().min(1)).min(1).describe("Fields the caller must confirm before anything private is said (e.g. `dob`), in the order they are asked."),
      maxAttempts: z
        .number()
        .int()
        .positive()
        .default(3)
        .describe("Failed identity attempts before the agent gives up: the scripted identity flow then ends the call; the LLM agent is told to offer a transfer."),
      slots: z
        .array(SlotSpec)
        .default([])
        .describe("Identity slots for `steps` (e.g. `full_name` as `name`, `dob` as `birthdate`); their names are the scenario `hiddenFacts` keys the caller answers from."),
      steps: z
        .array(FlowStep)
        .optional()
        .describe(
          "Identity as a flow: collect the slots, call the pack's own tools, mark the caller identified with `identifies` (and verified with `expect`); without it, steps over the built-in `find_customer` (on `identifyBy`) and `verify_identity` (on the rest of `verifyBy`) are written for you.",
        ),
    })
    .describe("How the caller is identified and verified before private details or account actions."),
  handoffQueue: z.string().default("general").describe("The queue a hand-off goes to when neither the step nor the caller's words pick one of `toolsConfig.handoff.queues`."),
  flows: z
    .object({
      handoffTool: z
        .string()
        .optional()
        .describe("The tool that hands a call to a person (args `reason`, `queue`), e.g. `transfer_to_human`; none: the agent says how to reach people."),
      endTool: z.string().optional().describe("The tool that ends the call, if the pack has one (e.g. `end_call`)."),
      thirdParty: z
        .string()
        .default("I'm sorry, I can only discuss this with the account holder directly, so I can't share any details. Please ask them to give us a call.")
        .describe("What the agent says to someone who is not the account holder."),
    })
    .default({ thirdParty: "I'm sorry, I can only discuss this with the account holder directly, so I can't share any details. Please ask them to give us a call." })
    .describe("Generic wording and tools the flow interpreter uses (defaults are domain-free)."),
}).transform((agent) => ({ ...agent, verification: withBuiltinIdentity(agent.verification, agent.tools) }));
export type AgentSpec = z.infer<typeof AgentSpec>;

export const Persona = z.object({
  id: Id.describe("Persona id; a scenario's `persona` names it."),
  name: z.string().min(1).describe("The caller's full name, as they say it (usually the matching fixture customer's name)."),
  description: z.string().optional().describe("Who this caller is and how they behave, for readers and the LLM caller's prompt."),
  role: z.enum(["account_holder", "third_party", "caregiver"]).default("account_holder").describe("Who the caller is relative to the account."),
  traits: z
    .object({
      patience: Unit.describe("0–1: how long the caller bears repeats and failures before giving up."),
      verbosity: Unit.describe("0–1: how often the caller adds asides and catchphrases."),
      cooperativeness: Unit.describe("0–1: below 0.5 the caller pushes back once after a refusal."),
      techComfort: Unit.describe("0–1: at 0.5 or more the caller keys digits when the agent offers the keypad."),
      emotion: z.enum(["calm", "anxious", "frustrated", "angry", "confused", "cheerful", "sad"]).describe("The caller's mood, which colours fillers and asides."),
    })
    .describe("Temperament, each 0–1 except the mood."),
  style: z
    .object({
      disfluencyRate: Unit.default(0.1).describe("0–1: share of turns with fillers, restarts and repeated words."),
      speakingRateWpm: z.number().positive().default(150).describe("The caller's speaking rate in words per minute; sets the simulated time a turn takes."),
      dialectHints: z.array(z.string()).default([]).describe("How the caller talks (\"Southern US\", \"says 'y'all'\"); picks acknowledgements and goes into the LLM caller's prompt."),
      catchphrases: z.array(z.string()).default([]).describe("Phrases this caller uses now and then (\"bear with me\")."),
    })
    .describe("How the caller speaks."),
  asr: z
    .object({
      wer: Unit.default(0.05).describe("0–1: word error rate of the speech recogniser on this caller (homophones, number confusions, dropped words)."),
      bargeInRate: Unit.default(0.05).describe("0–1: chance the caller cuts into an agent turn."),
      silenceRate: Unit.default(0.03).describe("0–1: chance of a turn of dead air instead of an answer."),
    })
    .describe("The voice channel's noise on this caller."),
});
export type Persona = z.infer<typeof Persona>;



export const RubricDimension = z.enum([
  "helpfulness",
  "correctness",
  "policy_compliance",
  "speech_formatting",
  "tool_usage",
  "refusal_quality",
]);
export type RubricDimension = z.infer<typeof RubricDimension>;

export const JudgeSpec = z.object({
  weights: z
    .partialRecord(RubricDimension, z.number().nonnegative())
    .default({})
    .describe("Weight per rubric dimension (helpfulness, correctness, policy_compliance, speech_formatting, tool_usage, refusal_quality) in the weighted mean; unnamed ones weigh 1."),
  acceptScore: z.number().min(1).max(5).default(3.5).describe("Minimum weighted rubric mean (1–5) for a call to be accepted into the dataset."),
  minDimensionScore: z.number().min(1).max(5).default(2).describe("Minimum score (1–5) on every single rubric dimension for a call to be accepted."),
  hardChecks: z
    .array(z.string())
    .default([])
    .describe("Checks (by id or prefix) whose failure always rejects the call, even ones soft by default (`voice_turn_length`) or listed in `softChecks`."),
  softChecks: z
    .array(z.string())
    .default([])
    .describe("Checks (by id or prefix, e.g. `voice_numbers`) whose failure only lowers the rubric instead of rejecting the call."),
});
export type JudgeSpec = z.infer<typeof JudgeSpec>;

export const GenerationTargets = z.object({
  difficultyShares: z
    .object({
      easy: Unit.describe("Share of accepted scenarios that are easy (0–1)."),
      medium: Unit.describe("Share of accepted scenarios that are medium (0–1)."),
      hard: Unit.describe("Share of accepted scenarios that are hard (0–1)."),
    })
    .default({ easy: 0.3, medium: 0.4, hard: 0.3 })
    .describe("Share of accepted scenarios per difficulty, summing to about 1; the gate stops accepting a difficulty over its share."),
  variantsPerSeed: z.number().int().positive().default(3).describe("Variants to generate from each seed scenario (not read by the current generator, which follows `--scenarios`)."),
  maxScenarios: z.number().int().positive().default(60).describe("Upper bound on scenarios for the pack (not read by the current generator, which follows `--scenarios`)."),
});
export type GenerationTargets = z.infer<typeof GenerationTargets>;

export const ScenarioPack = z.object({
  id: Id.describe("Pack id (letters, digits, _ . -); recorded in every run's manifest and conversation."),
  name: z.string().min(1).describe("Human name of the pack, shown in reports."),
  domain: z.string().min(1).describe("The line's domain in a few words (\"bike repair shop\"), for the critic, the report and LLM prompts."),
  description: z.string().min(1).describe("What the line does and for whom, in a sentence or two."),
  domainKeywords: z
    .array(z.string())
    .default([])
    .describe("Words that belong to this domain beside the intents' keywords; the gate's and the filter's domain checks score scenarios and calls with them."),
  agent: AgentSpec.describe("The agent under test: policy, procedure, intents and flows, phrases, refusals, voice, tools, identity."),
  toolsConfig: ToolsConfig.default({
    booking: { lateCancelHours: 24, lateCancelFeeCents: 0, maxDaysAhead: 90 },
    payments: { maxPlanInstallments: 12, minInstallmentCents: 2500, maxPromiseDays: 30 },
    handoff: { queues: ["general"] },
  }).describe("The business rules the built-in tools enforce (late-cancel fee, plan limits, hand-off queues)."),
  caller: z
    .object({
      wrongPerson: z
        .array(z.string().min(1))
        .default(["Hi, I'm calling for my {partner}, {holder}."])
        .describe("How someone who is not the account holder opens (`wrong_person`): {partner} is the holder's relation to the caller, {holder} their name, {their} the possessive."),
    })
    .default({ wrongPerson: ["Hi, I'm calling for my {partner}, {holder}."] })
    .describe("How the scripted caller speaks in this domain, beyond each intent's `openings`."),
  tools: z.array(YamlToolSpec).default([]).describe("Tools the pack declares in YAML: one behaviour over one fixture collection each."),
  toolModules: z
    .array(z.string())
    .default([])
    .describe("TypeScript modules (paths relative to the pack folder, e.g. `tools.mts`) exporting `tools(kit)` that returns `defineTool` tools."),
  fixtures: Fixtures.describe("The world the tools start from in every call: built-in collections and any of your own (records with an `id`)."),
  personas: z.array(Persona).min(1).describe("The people who call: temperament, speech style, speech-recognition noise."),
  scenarios: z.array(Scenario).min(1).describe("Seed scenarios: who calls, what they want, what goes wrong, what a good call ends with; variants are generated from them."),
  judge: JudgeSpec.default({ weights: {}, acceptScore: 3.5, minDimensionScore: 2, hardChecks: [], softChecks: [] }).describe(
    "How the judge weighs and thresholds the rubric, and which checks are hard or soft.",
  ),
  generation: GenerationTargets.default({
    difficultyShares: { easy: 0.3, medium: 0.4, hard: 0.3 },
    variantsPerSeed: 3,
    maxScenarios: 60,
  }).describe("What the generated scenario set should look like."),
});
export type ScenarioPack = z.infer<typeof ScenarioPack>;

/** The rules a call's tool world enforces: the pack's `toolsConfig`, and its identity attempts (declared once, on the agent). */
export function worldConfig(pack: ScenarioPack): WorldConfig {
  return { ...pack.toolsConfig, maxVerifyAttempts: pack.agent.verification.maxAttempts };
}
export type ScenarioPackInput = z.input<typeof ScenarioPack>;
