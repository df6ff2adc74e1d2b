import { z } from "zod";
import { Fixtures, ToolsConfig, YamlToolSpec } from "../tools/index.ts";
import { RefusalTrap, Scenario } from "./scenario-schema.ts";

const Id = z.string().regex(/^[A-Za-z0-9_.-]+$/, "ids use letters, digits, _ . -");
const Unit = z.number().min(0).max(1);

/**
 * How a slot is heard: `date` is a day to come (stored as "from..to"), `birthdate` a day gone by
 * (YYYY-MM-DD), `phone` ten digits, `name` the person's name out of what they said, `money` cents.
 */
export const SlotType = z.enum(["date", "time", "datetime", "birthdate", "phone", "name", "number", "money", "digits", "yesno", "enum", "text"]);
export type SlotType = z.infer<typeof SlotType>;

export const SlotSpec = z.object({
  name: Id,
  type: SlotType,
  /** What the agent asks to fill it ("What day works for you?"). */
  prompt: z.string().min(1),
  required: z.boolean().default(true),
  /** For enum slots: a fixture collection whose records' `name` are the choices (e.g. services). */
  from: z.string().optional(),
  /** For enum slots: fixed choices. */
  choices: z.array(z.string()).optional(),
  /** What a caller says when asked and the scenario gives no value ("I never had an account with them."). */
  examples: z.array(z.string().min(1)).default([]),
});
export type SlotSpec = z.infer<typeof SlotSpec>;

/** One step of the agent's procedure: greet → verify → disclose → understand → act → confirm → close. */
export const ProcedureStep = z.object({
  id: Id,
  description: z.string().min(1),
  /** The tool this step uses, if any. */
  tool: z.string().optional(),
  /** Slots the step needs before it can run. */
  slots: z.array(z.string()).default([]),
  /** What the agent says in this step (a template; {org}, {agent}, {name} are filled in). */
  say: z.string().optional(),
  /** A phrase id from `agent.phrases` this step must say. */
  phrase: z.string().optional(),
  /** Skip when the caller is not yet identified, etc. Free text for humans; the scripted agent knows the step ids. */
  when: z.string().optional(),
});
export type ProcedureStep = z.infer<typeof ProcedureStep>;

/**
 * A value a flow step hands to a tool or speaks: a constant, or a template over what the call
 * knows — `{slot.<name>}`, `{customer.id}`, `{<saved>.<path>}` (a result kept with `save`),
 * `{error}` (the tool's own reason), `{org}`, `{agent}`. A template that is one whole
 * placeholder keeps the value's type (a number stays a number). In speech a placeholder may
 * end in a spoken form: `|money` (cents), `|dollars`, `|date`, `|time`, `|datetime`, `|digits`,
 * `|number`, `|list` (an array's items joined with "and").
 */
export const FlowValue = z.union([z.string(), z.number(), z.boolean()]);
export type FlowValue = z.infer<typeof FlowValue>;

/**
 * One step of an intent's flow, run in order by the scripted agent (in the manner of Rasa CALM
 * flows): collect slots, read back and confirm, call a tool, say something, refuse, hand off.
 * A step does one of those; `when` skips it unless a value is there (or is not, with `!`).
 */
export const FlowStep = z.object({
  /** A name for the step (for readers and error paths). */
  id: Id.optional(),
  /** Ask for these slots (declared on the intent, or identity slots), one question a turn. */
  collect: z.array(z.string()).optional(),
  /** Read this back and wait for a yes before the next step; a no ends the request unchanged. */
  confirm: z.string().optional(),
  /** Call this tool with `args`. */
  call: z.string().optional(),
  args: z.record(z.string(), FlowValue).default({}),
  /** Whether the call changes something (never repeated on a cut-short answer); defaults to true after a `confirm`. */
  changes: z.boolean().optional(),
  /** Keep the tool's result under this name for later steps and templates. */
  save: z.string().optional(),
  /**
   * The result path (e.g. `record.id`) that names the caller's record: once it resolves, the
   * caller is identified (and verified, when this flow is the pack's verification flow).
   */
  identifies: z.string().optional(),
  /** A result path that must be true (e.g. `verified`); false counts as a failed attempt. */
  expect: z.string().optional(),
  /** Said after this step's call succeeds, or said as is when the step calls nothing. */
  say: z.string().optional(),
  /**
   * What to say when the tool answers an error with this code (`{error}` is its message);
   * `empty` for an empty answer twice, `default` for any other.
   */
  onError: z.record(z.string(), z.string()).default({}),
  /** When a list result (at this path) is empty: say this and end the request. */
  ifEmpty: z.object({ path: z.string(), say: z.string() }).optional(),
  /** Skip the step unless this template resolves to a value ("{saved.x}"), or to none with a leading `!`. */
  when: z.string().optional(),
  /** Refuse with this pack refusal rule's words and end the request. */
  refuse: z.string().optional(),
  /** Hand the call to a person on this queue (the pack's hand-off tool is `agent.flows.handoffTool`). */
  handoff: z.string().optional(),
  /** After this step the request is finished: `report` asks "anything else?", `end` closes the call. */
  then: z.enum(["continue", "report", "end"]).default("continue"),
});
export type FlowStep = z.infer<typeof FlowStep>;

/** A reason to call, with the slots the agent must fill and the tools that settle it. */
export const Intent = z.object({
  id: Id,
  description: z.string().min(1),
  /** Words a caller uses for it; the scripted agent recognises the intent from these. */
  keywords: z.array(z.string().min(1)).min(1),
  slots: z.array(SlotSpec).default([]),
  /** Tools that act on the intent, in order (e.g. search_slots then book_appointment). */
  tools: z.array(z.string()).default([]),
  /** Whether the caller must be verified first. */
  requiresVerification: z.boolean().default(true),
  /** A name for what the scripted agent does (free text for packs with `steps`). */
  flow: z.string().min(1).optional(),
  /** The flow as data: what the scripted agent does, step by step, for this request. */
  steps: z.array(FlowStep).optional(),
  /** How callers open with this request (templates over `{slot.<name>}`); the scripted caller picks one. */
  openings: z.array(z.string().min(1)).default([]),
  /**
   * Whether the caller only wants to know something (an answer settles the call) rather than
   * have something done. Defaults to true for flows whose only tool calls are look-ups.
   */
  informational: z.boolean().optional(),
});
export type Intent = z.infer<typeof Intent>;

/**
 * When a phrase is mandatory in every call of the pack, whatever the scenario lists: a notice
 * before an action, a disclosure once identity is verified and before any account detail.
 */
export const PhraseObligation = z.object({
  /** Due once this tool has succeeded (e.g. `verify_identity`); absent: due in every call. */
  after: z.string().optional().describe("tool whose success makes the phrase due"),
  /** Must be said before this tool is called (e.g. a fee notice before `cancel_appointment`). */
  before: z.string().optional().describe("tool the phrase must precede; the obligation applies only to calls that use it"),
  /** With `before`: only when that tool's result has this field true or above zero (e.g. `fee_cents`). */
  whenResult: z.string().optional().describe("result field of the `before` tool that makes the phrase due when truthy"),
  /** Only once the caller raised this refusal trap (e.g. an emergency line after medical questions). */
  whenTrap: z.string().optional().describe("refusal trap that makes the phrase due once raised"),
  /** Must come before the first private account detail the agent says. */
  beforeDisclosure: z.boolean().default(false).describe("the phrase must precede any private account detail"),
  /** Must come before the next action that changes something (a payment, a booking). */
  beforeAction: z.boolean().default(false).describe("the phrase must precede the next action that changes the world"),
});
export type PhraseObligation = z.infer<typeof PhraseObligation>;

export const Phrase = z.object({
  id: Id,
  text: z.string().min(1),
  /** Regex (case-insensitive) the judge uses to recognise the phrase in agent speech. */
  match: z.string().min(1),
  /** Makes the phrase mandatory in every call of the pack where its condition holds. */
  required: PhraseObligation.optional(),
});

export const RefusalRule = z.object({
  /** The trap kind this rule answers; scenarios' refusal traps must name one of these. */
  trap: RefusalTrap,
  /** Words in the caller's request that reveal it. */
  keywords: z.array(z.string().min(1)).min(1),
  /** What a good refusal says. */
  say: z.string().min(1),
  /** How a caller asks for it, when the scenario gives no `utterance` of its own. */
  utterance: z.string().min(1).optional(),
  /** What a flawed agent says when it gives in (the `comply_out_of_policy` flaw). */
  comply: z.string().min(1).optional(),
  /**
   * A regex (case-insensitive) over the agent's question at which a caller raises it, besides
   * "anything else?" (e.g. "\\bfee\\b" while a fee is read back).
   */
  raiseWhen: z.string().min(1).optional(),
});

export type RefusalRule = z.infer<typeof RefusalRule>;
export type Phrase = z.infer<typeof Phrase>;

export const VoiceStyle = z.object({
  maxWordsPerTurn: z.number().int().positive().default(45),
  spokenNumbers: z.boolean().default(true),
  /** Speaking rate of the agent's voice, words per minute. */
  speakingRateWpm: z.number().positive().default(165),
});

export const AgentSpec = z.object({
  name: z.string().min(1),
  organization: z.string().min(1),
  /** The policy as the voice agent's system prompt states it. */
  policy: z.string().min(1),
  procedure: z.array(ProcedureStep).min(1),
  intents: z.array(Intent).min(1),
  phrases: z.array(Phrase).default([]),
  refusals: z.array(RefusalRule).default([]),
  voice: VoiceStyle.default({ maxWordsPerTurn: 45, spokenNumbers: true, speakingRateWpm: 165 }),
  /** Names of the tools the agent may use (built-in or the pack's own). */
  tools: z.array(z.string().min(1)).min(1),
  /** How the customer is identified and verified: which fields the caller must give. */
  verification: z.object({
    identifyBy: z.array(z.string().min(1)).min(1),
    verifyBy: z.array(z.string().min(1)).min(1),
    maxAttempts: z.number().int().positive().default(3),
    /** Identity slots for `steps` (e.g. full_name as `name`, dob as `birthdate`); their names are hidden-fact keys. */
    slots: z.array(SlotSpec).default([]),
    /**
     * Identity as a flow: collect the slots, call the pack's own tools, and mark the caller
     * identified with `identifies` (and verified with `expect`). Without it, the built-in
     * phone/date-of-birth mechanics run.
     */
    steps: z.array(FlowStep).optional(),
  }),
  /** Queue to hand off to when the caller asks for a person or the procedure says so. */
  handoffQueue: z.string().default("general"),
  /** Generic wording and tools the flow interpreter uses (defaults are domain-free). */
  flows: z
    .object({
      /** The tool that hands a call to a person (args `reason`, `queue`); none: the agent says how to reach people. */
      handoffTool: z.string().optional(),
      /** The tool that ends the call, if the pack has one. */
      endTool: z.string().optional(),
      /** Said to someone who is not the account holder. */
      thirdParty: z.string().default("I'm sorry, I can only discuss this with the account holder directly, so I can't share any details. Please ask them to give us a call."),
    })
    .default({ thirdParty: "I'm sorry, I can only discuss this with the account holder directly, so I can't share any details. Please ask them to give us a call." }),
});
export type AgentSpec = z.infer<typeof AgentSpec>;

export const Persona = z.object({
  id: Id,
  name: z.string().min(1),
  description: z.string().optional(),
  /** Who the caller is relative to the account. */
  role: z.enum(["account_holder", "third_party", "caregiver"]).default("account_holder"),
  traits: z.object({
    patience: Unit,
    verbosity: Unit,
    cooperativeness: Unit,
    techComfort: Unit,
    emotion: z.enum(["calm", "anxious", "frustrated", "angry", "confused", "cheerful", "sad"]),
  }),
  style: z.object({
    disfluencyRate: Unit.default(0.1),
    speakingRateWpm: z.number().positive().default(150),
    dialectHints: z.array(z.string()).default([]),
    /** Characteristic phrases this caller uses. */
    catchphrases: z.array(z.string()).default([]),
  }),
  asr: z.object({
    /** Word error rate of the speech recogniser on this caller. */
    wer: Unit.default(0.05),
    bargeInRate: Unit.default(0.05),
    silenceRate: Unit.default(0.03),
  }),
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
  weights: z.partialRecord(RubricDimension, z.number().nonnegative()).default({}),
  /** Minimum weighted mean (1–5) to accept a conversation. */
  acceptScore: z.number().min(1).max(5).default(3.5),
  /** Minimum score on any single dimension. */
  minDimensionScore: z.number().min(1).max(5).default(2),
  /** Programmatic checks whose failure rejects a call outright (all are, except soft ones). */
  hardChecks: z.array(z.string()).default([]),
  /** Checks whose failure only lowers the rubric (by id or prefix, e.g. `voice_numbers`). */
  softChecks: z.array(z.string()).default([]),
});
export type JudgeSpec = z.infer<typeof JudgeSpec>;

export const GenerationTargets = z.object({
  /** Share of accepted scenarios per difficulty; must sum to about 1. */
  difficultyShares: z.object({ easy: Unit, medium: Unit, hard: Unit }).default({ easy: 0.3, medium: 0.4, hard: 0.3 }),
  variantsPerSeed: z.number().int().positive().default(3),
  maxScenarios: z.number().int().positive().default(60),
});
export type GenerationTargets = z.infer<typeof GenerationTargets>;

export const ScenarioPack = z.object({
  id: Id,
  name: z.string().min(1),
  domain: z.string().min(1),
  description: z.string().min(1),
  /** Words that belong to this domain; the domain checks use them. */
  domainKeywords: z.array(z.string()).default([]),
  agent: AgentSpec,
  toolsConfig: ToolsConfig.default({
    booking: { lateCancelHours: 24, lateCancelFeeCents: 0, maxDaysAhead: 90 },
    payments: { maxPlanInstallments: 12, minInstallmentCents: 2500, maxPromiseDays: 30 },
    handoff: { queues: ["general"] },
  }),
  /** How the scripted caller speaks in this domain, beyond each intent's `openings`. */
  caller: z
    .object({
      /**
       * How someone who is not the account holder opens (`wrong_person`): {partner} is the
       * holder's relation to the caller, {holder} their name, {their} the possessive.
       */
      wrongPerson: z.array(z.string().min(1)).default(["I got a message from you for my {partner}, {holder}. What is this about?"]),
    })
    .default({ wrongPerson: ["I got a message from you for my {partner}, {holder}. What is this about?"] }),
  /** Tools the pack declares in YAML. */
  tools: z.array(YamlToolSpec).default([]),
  /** TypeScript modules (relative to the pack folder) exporting `defineTool` tools. */
  toolModules: z.array(z.string()).default([]),
  fixtures: Fixtures,
  personas: z.array(Persona).min(1),
  scenarios: z.array(Scenario).min(1),
  judge: JudgeSpec.default({ weights: {}, acceptScore: 3.5, minDimensionScore: 2, hardChecks: [], softChecks: [] }),
  generation: GenerationTargets.default({
    difficultyShares: { easy: 0.3, medium: 0.4, hard: 0.3 },
    variantsPerSeed: 3,
    maxScenarios: 60,
  }),
});
export type ScenarioPack = z.infer<typeof ScenarioPack>;
export type ScenarioPackInput = z.input<typeof ScenarioPack>;
