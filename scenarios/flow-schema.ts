import { z } from "zod";

// Slots and flow steps: what an intent collects and what its flow does. Apart from the pack schema
// so that the built-in identity flow (identity-flow.ts) can be written from them without a cycle.

const Id = z.string().regex(/^[A-Za-z0-9_.-]+$/, "ids use letters, digits, _ . -");

/**
 * How a slot is heard: `date` is a day to come (stored as "from..to"), `birthdate` a day gone by
 * (YYYY-MM-DD), `phone` ten digits, `name` the person's name out of what they said, `money` cents.
 */
export const SlotType = z.enum(["date", "time", "datetime", "birthdate", "phone", "name", "number", "money", "digits", "yesno", "enum", "text"]);
export type SlotType = z.infer<typeof SlotType>;

export const SlotSpec = z.object({
  name: Id.describe("Slot name, used as `{slot.<name>}` in flow templates and as the key in a scenario's `goal.slots` (identity slots: in `hiddenFacts`)."),
  type: SlotType.describe(
    "How the agent hears the value and the form it is stored in: date/datetime → a day range 'YYYY-MM-DD..YYYY-MM-DD' (a binding gets the first day), time → 'HH:MM' (24 h), birthdate → 'YYYY-MM-DD', phone → ten digits, name → the name out of the caller's words, number → a count, money → cents, digits → a digit string, yesno → 'yes'/'no', enum → one of the choices, text → the caller's words.",
  ),
  prompt: z.string().min(1).describe("The question the agent asks to fill the slot (\"What day works for you?\"); the scripted caller matches it to know what is asked."),
  required: z.boolean().default(true).describe("Whether a `collect` step asks for the slot until it has a value; false: never asked, filled only when the caller says it unprompted."),
  from: z.string().optional().describe("For enum slots: a fixture collection whose records' `name` (else `id`) are the choices, e.g. `services`."),
  choices: z.array(z.string()).optional().describe("For enum slots: fixed choices, matched case-insensitively in what the caller says."),
  length: z
    .number()
    .int()
    .positive()
    .optional()
    .describe("For digits slots: how many digits the value has (a four-digit quote number); an answer with another count of digits is not taken, and the slot is asked again."),
  min: z.number().optional().describe("For number and money slots: the smallest value a caller can mean (money in cents). A number slot's default is 1, so \"zero\" is asked again; set `min: 0` where none is an answer."),
  max: z.number().optional().describe("For number and money slots: the largest value a caller can mean (money in cents); a value above it is asked again."),
  examples: z
    .array(z.string().min(1))
    .default([])
    .describe("What a caller says when asked and the scenario gives no value (\"I never had an account with them.\"); the scripted caller picks one."),
});
export type SlotSpec = z.infer<typeof SlotSpec>;

/** One step of the agent's procedure: greet → verify → disclose → understand → act → confirm → close. */
export const ProcedureStep = z.object({
  id: Id.describe("Step id; `greet` is special: its `say` is the scripted agent's greeting."),
  description: z.string().min(1).describe("What the agent does in this step, in words; it goes into the LLM agent's system prompt."),
  tool: z.string().optional().describe("The tool this step uses, if any (named in the LLM agent's prompt; the critic counts it as reachable)."),
  slots: z.array(z.string()).default([]).describe("Slots the step needs before it can run (for the LLM agent's prompt)."),
  say: z.string().optional().describe("What the agent says in this step; a template where {org}, {agent} and {name} are filled in."),
  phrase: z
    .string()
    .optional()
    .describe("A phrase id from `agent.phrases` this step must say: the judge's `obligation:` check wants it once the step before succeeded, before the next action or account detail."),
  when: z.string().optional().describe("When the step applies (\"caller not yet identified\"): free text for humans and the LLM agent's prompt."),
});
export type ProcedureStep = z.infer<typeof ProcedureStep>;

/**
 * A value a flow step hands to a tool or speaks: a constant, or a template over what the call
 * knows — `{slot.<name>}`, `{customer.id}`, `{<saved>.<path>}` (a result kept with `save`),
 * `{error}` (the tool's own reason), `{org}`, `{agent}`, `{config.<path>}` (the pack's
 * `toolsConfig`), and `{= expr}`: arithmetic and comparisons over those names
 * (`{= ceil(account.balance_cents / slot.months)}`, see scenarios/flow-expression.ts). A template
 * that is one whole placeholder keeps the value's type (a number stays a number). In speech a
 * placeholder may end in a spoken form: `|money` (cents), `|dollars`, `|date`, `|time`,
 * `|datetime`, `|digits`, `|number`, `|list` (an array's items joined with "and"), `|a` ("an oil change"), `|number:<noun>` ("one month", "two months").
 */
export const FlowValue = z.union([z.string(), z.number(), z.boolean()]);
export type FlowValue = z.infer<typeof FlowValue>;

/**
 * One step of an intent's flow, run in order by the scripted agent (in the manner of Rasa CALM
 * flows): collect slots, read back and confirm, call a tool, say something, refuse, hand off.
 * A step does one of those; `when` skips it unless a value is there (or is not, with `!`).
 */
export const FlowStep = z.object({
  id: Id.optional().describe("A name for the step, for readers and error paths."),
  collect: z
    .array(z.string())
    .optional()
    .describe("Ask for these slots (declared on the intent, or `verification.slots`) with their prompts, one question a turn; slots the caller already gave are not asked."),
  choose: z
    .object({
      from: z.string().describe("A placeholder naming a list in a saved result, e.g. `{openings.slots}`: the items the caller chooses among."),
      label: z.string().describe("How one item is said, a template over the item as `{item.<field>}`, e.g. `{item.start|time}` or `{item.name}`."),
      save: z.string().describe("The name the chosen item is kept under, for later steps (`{slot_choice.id}`)."),
      ask: z
        .string()
        .default("I have {options}. Which works best for you?")
        .describe("What the agent asks; `{options}` is the labels joined with \"or\". A list of one is taken without asking."),
      max: z.number().int().min(1).max(6).default(3).describe("How many items are offered at most (the first ones of the list)."),
      at: z
        .string()
        .optional()
        .describe("The item field holding its date-time (e.g. `start`); with `slot`, the choice follows the caller's day and time."),
      slot: z
        .string()
        .optional()
        .describe(
          "A date or datetime slot the choice follows (needs `at`): only items on its days are offered (when any are), nearest its time first; one left is taken without asking; another day named while choosing is a change of mind (the slot takes it and the steps that read it run again); a plain no asks the slot anew.",
        ),
      where: z
        .string()
        .optional()
        .describe("Keep only the items for which this condition holds, over `{item.<field>}` (e.g. `!{item.is_expired}`, `{= item.kind == 'card'}`); none left speaks `onError.empty`."),
      prefer: z
        .array(z.string())
        .default([])
        .describe("Conditions tried in order (e.g. `{= item.last4 == slot.card}`, `{item.is_default}`): the first item meeting the first that any item meets is taken without asking, and read back at the next `confirm`."),
    })
    .optional()
    .describe("Offer a few items of a list a tool returned and let the caller pick one (times, vehicles, pets); the pick is saved under `save`."),
  set: z
    .record(z.string(), FlowValue)
    .optional()
    .describe(
      "Values, in order, for later steps: `slot.<name>` gives that slot of the intent the value (`{ slot.provider: \"{visit.provider_name}\" }`; nothing clears it), any other name is kept as `{name}` (`{ months: \"{= min(slot.months, config.payments.maxPlanInstallments)}\" }`). Bindings as in `args`; runs with the step's `say`, if any.",
    ),
  confirm: z
    .string()
    .optional()
    .describe("A read-back template (\"Just to confirm, {slot.day|date}?\"): the agent waits for a yes before the next step; a no ends the request unchanged, a changed value is read back anew."),
  call: z
    .string()
    .optional()
    .describe("Call this tool (a name in `agent.tools`) with `args`; a retryable failure (timeout, 503, 429) is retried once, then the agent apologises and offers a person."),
  args: z
    .record(z.string(), FlowValue)
    .default({})
    .describe("Tool arguments: constants or templates — `{slot.<name>}`, `{customer.id}`, `{<saved>.<path>}`; a template that is one whole placeholder keeps the value's type; an argument that resolves to nothing is left out."),
  changes: z
    .boolean()
    .optional()
    .describe("Whether the call changes the world (such a call is never repeated on a cut-short answer); defaults to true after a `confirm` step."),
  save: z.string().optional().describe("Keep the tool's result under this name, readable later as `{<name>.<path>}` (e.g. `{booking.record.id}`)."),
  identifies: z
    .string()
    .optional()
    .describe("A result path (e.g. `record.id`) naming the caller's record: once it resolves the caller is identified — and verified, in `verification.steps` — and `{customer.id}` is that value."),
  expect: z
    .string()
    .optional()
    .describe("A result path that must be true (e.g. `verified`); false is a failed identity attempt in `verification.steps`, and speaks `onError.rule_violation` (or `default`) in an intent's steps."),
  say: z.string().optional().describe("Said after this step's call succeeds, or said as is when the step calls nothing; a template with spoken forms (`{x|money}`, `{x|date}`…)."),
  onError: z
    .record(z.string(), z.string())
    .default({})
    .describe("What to say, by tool error code (`not_found`, `rule_violation`…), with `{error}` as the tool's message; `empty` for an empty answer twice, `default` for any other code; the request then ends."),
  ifEmpty: z
    .object({
      path: z.string().describe("Result path of the list to test, e.g. `records`."),
      say: z.string().describe("What the agent says when that list is empty; the request ends."),
    })
    .optional()
    .describe("When a list in the result is empty: say this and end the request."),
  when: z
    .string()
    .optional()
    .describe(
      "Run the step only if this holds: `{x}` has a value, `!{x}` has none, `{x} == v` equals v (case-insensitive); `{x} < 24` (also `>`, `<=`, `>=`, `!=`) compares numbers, either side may be a template (`{slot.day.from} == {slot.day.to}`); `{x|hours}` is the hours from the call's clock until the date-time x; `{= expr}` is true (`{= slot.amount > account.balance_cents}`).",
    ),
  refuse: z.string().optional().describe("Refuse with the `agent.refusals` rule of this trap kind (its `say`) and end the request."),
  handoff: z.string().optional().describe("Hand the call to a person on this queue through `agent.flows.handoffTool`."),
  then: z
    .enum(["continue", "report", "end"])
    .default("continue")
    .describe("After this step: `continue` to the next step, `report` (request done; ask \"anything else?\"), `end` (close the call)."),
});
export type FlowStep = z.infer<typeof FlowStep>;
