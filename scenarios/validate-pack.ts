import { builtinCollections, builtinToolNames, ToolErrorCode } from "../tools/index.ts";
import { editDistance } from "./did-you-mean.ts";
import { ExpressionError, expressionNames, parseExpression } from "./flow-expression.ts";
import type { ScenarioPack } from "./pack-schema.ts";
import type { Scenario } from "./scenario-schema.ts";

/** A cross-reference problem: the field path and what is wrong (the loader adds the file). */
export interface ReferenceIssue {
  path: string;
  message: string;
}

/** Fields ending in these name records of these collections. */
const ID_FIELDS: Record<string, string> = {
  customerId: "customers",
  accountId: "accounts",
  providerId: "providers",
  serviceId: "services",
  slotId: "slots",
  appointmentId: "appointments",
  methodId: "paymentMethods",
  expectedSlotId: "slots",
};

/**
 * The collection a field like `customerId` points into, when the pack has records in it: a pack
 * without `accounts` fixtures may use `accountId` for records of its own, which nothing checks.
 */
function foreignKey(field: string, collections: Record<string, unknown>): string | undefined {
  const target = ID_FIELDS[field];
  // The pack schema gives every built-in collection a default (empty) list: only one with records counts.
  const records = target === undefined ? undefined : collections[target];
  return target !== undefined && Array.isArray(records) && records.length > 0 ? target : undefined;
}

/**
 * Checks what a schema cannot: names that must point at something else in the pack (personas,
 * intents, tools, fixture records, phrases) and fixtures that must agree with each other.
 */
export function validatePackReferences(pack: ScenarioPack, packToolNames: readonly string[]): ReferenceIssue[] {
  const issues: ReferenceIssue[] = [];
  const add = (path: string, message: string) => issues.push({ path, message });
  const known = knownTools(packToolNames);
  const collections = pack.fixtures as Record<string, Array<Record<string, unknown>>>;
  const ids = (name: string) => new Set((collections[name] ?? []).map((r) => String(r.id)));

  duplicates(pack.personas.map((p) => p.id)).forEach((id) => add("personas", `persona id ${id} is used twice`));
  duplicates(pack.scenarios.map((s) => s.id)).forEach((id) => add("scenarios", `scenario id ${id} is used twice`));
  duplicates(pack.agent.intents.map((i) => i.id)).forEach((id) => add("agent.intents", `intent id ${id} is used twice`));
  for (const [name, records] of Object.entries(collections)) {
    duplicates(records.map((r) => String(r.id))).forEach((id) => add(`fixtures.${name}`, `record id ${id} is used twice`));
  }

  pack.agent.tools.forEach((tool, i) => {
    if (!known.has(tool)) add(`agent.tools[${i}]`, `unknown tool ${tool}${suggest(tool, known)}`);
  });
  const agentTools = new Set(pack.agent.tools);
  const phrases = new Set(pack.agent.phrases.map((p) => p.id));
  pack.agent.phrases.forEach((phrase, i) => {
    try {
      new RegExp(phrase.match, "i");
    } catch {
      add(`agent.phrases[${i}].match`, `not a valid regular expression: ${phrase.match}`);
    }
  });
  pack.agent.procedure.forEach((step, i) => {
    if (step.tool && !agentTools.has(step.tool)) add(`agent.procedure[${i}].tool`, `${step.tool} is not in agent.tools`);
    if (step.phrase && !phrases.has(step.phrase)) add(`agent.procedure[${i}].phrase`, `unknown phrase ${step.phrase}`);
  });
  pack.agent.intents.forEach((intent, i) => {
    if (intent.steps) issues.push(...flowStepIssues(intent.steps, `agent.intents[${i}].steps`, agentTools, pack, new Set(intent.slots.map((s) => s.name))));
    else add(`agent.intents[${i}].steps`, "the intent has no steps: say what the agent does for it (collect, call, confirm, say…), see docs/authoring.md");
    intent.tools.forEach((tool, t) => {
      if (!agentTools.has(tool)) add(`agent.intents[${i}].tools[${t}]`, `${tool} is not in agent.tools`);
    });
    if (intent.amend) {
      const target = pack.agent.intents.find((other) => other.id === intent.amend?.intent);
      if (!target) add(`agent.intents[${i}].amend.intent`, `no intent ${intent.amend.intent}`);
      for (const name of Object.keys(intent.amend.slots)) {
        if (target && !target.slots.some((s) => s.name === name)) add(`agent.intents[${i}].amend.slots.${name}`, `no slot ${name} on intent ${target.id}`);
      }
    }
    intent.slots.forEach((slot, s) => {
      if (slot.from && !(slot.from in collections)) add(`agent.intents[${i}].slots[${s}].from`, `no fixture collection ${slot.from}`);
      if (slot.type === "enum" && !slot.from && !slot.choices?.length) add(`agent.intents[${i}].slots[${s}]`, "an enum slot needs `from` or `choices`");
      if (slot.length !== undefined && slot.type !== "digits") add(`agent.intents[${i}].slots[${s}].length`, `length is for digits slots; ${slot.name} is ${slot.type}`);
      pack.scenarios.forEach((scenario, n) => {
        const value = scenario.goal.intent === intent.id ? scenario.goal.slots[slot.name] : undefined;
        const digits = value === undefined ? 0 : String(value).replace(/\D/g, "").length;
        if (slot.length !== undefined && value !== undefined && digits !== slot.length) add(`scenarios[${n}].goal.slots.${slot.name}`, `${String(value)} has ${digits} digits, but slot ${slot.name} has length ${slot.length}`);
      });
    });
  });

  const identity = pack.agent.verification;
  if (identity.steps) issues.push(...flowStepIssues(identity.steps, "agent.verification.steps", agentTools, pack, new Set()));
  const intentIds = new Set(pack.agent.intents.map((intent) => intent.id));
  pack.agent.refusals.forEach((rule, r) => {
    for (const id of rule.intents) if (!intentIds.has(id)) add(`agent.refusals[${r}].intents`, `no intent ${id}${suggest(id, intentIds)}`);
  });
  pack.agent.intents.forEach((intent, i) => {
    // Openings are filled from the scenario's goal, which may name slots the intent does not ask for.
    const goalSlots = pack.scenarios.filter((scenario) => scenario.goal.intent === intent.id).flatMap((scenario) => Object.keys(scenario.goal.slots));
    const declared = new Set([...intent.slots.map((slot) => slot.name), ...goalSlots]);
    intent.openings.forEach((line, o) => {
      for (const match of line.matchAll(/\{slot\.([A-Za-z0-9_-]+)/g)) {
        const name = match[1] ?? "";
        if (!declared.has(name)) add(`agent.intents[${i}].openings[${o}]`, `{slot.${name}}: the intent has no slot ${name}${suggest(name, declared)}`);
      }
    });
  });
  for (const tool of [pack.agent.flows.handoffTool, pack.agent.flows.endTool]) {
    if (tool && !agentTools.has(tool)) add("agent.flows", `${tool} is not in agent.tools`);
  }

  // Fixtures must agree with each other, as a real database's foreign keys would.
  for (const [collection, records] of Object.entries(collections)) {
    records.forEach((record, i) => {
      for (const field of Object.keys(ID_FIELDS)) {
        const value = record[field];
        const target = foreignKey(field, collections);
        if (target && typeof value === "string" && !ids(target).has(value)) add(`fixtures.${collection}[${i}].${field}`, `no ${target} record ${value}`);
      }
      if (collection === "services") {
        for (const [p, provider] of ((record.providerIds as string[]) ?? []).entries()) {
          if (!ids("providers").has(provider)) add(`fixtures.services[${i}].providerIds[${p}]`, `no provider ${provider}`);
        }
      }
    });
  }

  const personas = new Set(pack.personas.map((p) => p.id));
  pack.scenarios.forEach((scenario, i) => {
    issues.push(...validateScenarioReferences(scenario, pack, { personas, known, agentTools, phrases, ids }).map((issue) => ({ ...issue, path: `scenarios[${i}].${issue.path}` })));
  });

  const shares = pack.generation.difficultyShares;
  const total = shares.easy + shares.medium + shares.hard;
  if (Math.abs(total - 1) > 0.01) add("generation.difficultyShares", `shares sum to ${total.toFixed(2)}; they must sum to 1`);
  return issues;
}

interface ScenarioContext {
  personas: Set<string>;
  known: Set<string>;
  agentTools: Set<string>;
  phrases: Set<string>;
  ids: (collection: string) => Set<string>;
}

/** Cross-references of one scenario (also used by the gate on generated variants). */
export function validateScenarioReferences(scenario: Scenario, pack: ScenarioPack, context?: ScenarioContext | { packToolNames: readonly string[] }): ReferenceIssue[] {
  const collections = pack.fixtures as Record<string, Array<Record<string, unknown>>>;
  const ctx: ScenarioContext = context && "personas" in context ? context : {
    personas: new Set(pack.personas.map((p) => p.id)),
    // The pack's own tools: YAML ones are in the pack; TypeScript ones only the loader knows.
    known: knownTools([...pack.tools.map((t) => t.name), ...(context?.packToolNames ?? [])]),
    agentTools: new Set(pack.agent.tools),
    phrases: new Set(pack.agent.phrases.map((p) => p.id)),
    ids: (name) => new Set((collections[name] ?? []).map((r) => String(r.id))),
  };
  const issues: ReferenceIssue[] = [];
  const add = (path: string, message: string) => issues.push({ path, message });
  if (!ctx.personas.has(scenario.persona)) add("persona", `unknown persona ${scenario.persona}${suggest(scenario.persona, ctx.personas)}`);
  const intent = pack.agent.intents.find((i) => i.id === scenario.goal.intent);
  if (!intent) add("goal.intent", `unknown intent ${scenario.goal.intent}${suggest(scenario.goal.intent, new Set(pack.agent.intents.map((i) => i.id)))}`);
  else {
    const declared = new Set(intent.slots.map((s) => s.name));
    for (const slot of Object.keys(scenario.goal.slots)) {
      if (!declared.has(slot) && !["time", "provider", "reason", "method_last4"].includes(slot)) {
        add(`goal.slots.${slot}`, `intent ${intent.id} has no slot ${slot} (it has ${[...declared].join(", ") || "none"})`);
      }
    }
  }
  const traps = new Set(pack.agent.refusals.map((r) => r.trap));
  scenario.complications.forEach((complication, c) => {
    if (complication.kind === "refusal_trap" && !traps.has(complication.trap)) {
      add(`complications[${c}].trap`, `no refusal rule for trap ${complication.trap} in agent.refusals${suggest(complication.trap, traps)}`);
    }
  });
  for (const [key, value] of Object.entries(scenario.hiddenFacts)) {
    const target = foreignKey(key, collections);
    if (target && typeof value === "string" && !ctx.ids(target).has(value)) add(`hiddenFacts.${key}`, `no ${target} record ${value}`);
  }
  scenario.faultPlan.forEach((rule, f) => {
    if (!ctx.agentTools.has(rule.tool)) add(`faultPlan[${f}].tool`, `${rule.tool} is not a tool the agent uses`);
  });
  const e = scenario.expectations;
  e.finalState.forEach((assertion, a) => {
    const path = `expectations.finalState[${a}]`;
    const records = collections[assertion.collection];
    if (!records && !(assertion.collection in builtinCollections)) {
      add(`${path}.collection`, `no fixture collection ${assertion.collection}`);
      return;
    }
    const fields = fieldsOf(assertion.collection, records ?? []);
    // Records a pack tool creates have the fields that tool writes.
    for (const tool of pack.tools.filter((t) => t.behaviour.collection === assertion.collection)) {
      for (const field of [...Object.values(tool.behaviour.set), ...Object.keys(tool.behaviour.fixed), "createdAt"]) fields.add(field);
    }
    for (const [part, values] of [["where", assertion.where], ["expect", assertion.expect ?? {}]] as const) {
      for (const [field, value] of Object.entries(values)) {
        // A TypeScript tool may write any field into a pack's own collection; only YAML tools and fixtures are known here.
        const codeWrites = pack.toolModules.length > 0 && !(assertion.collection in builtinCollections);
        if (!fields.has(field) && !codeWrites) add(`${path}.${part}.${field}`, `${assertion.collection} records have no field ${field}`);
        const target = field === "id" ? assertion.collection : foreignKey(field, collections);
        // A created record's id cannot be known in advance; ids of existing records must exist.
        if (target && typeof value === "string" && !(field === "id" && part === "where" && !records) && !ctx.ids(target).has(value)) {
          add(`${path}.${part}.${field}`, `no ${target} record ${value}`);
        }
      }
    }
  });
  for (const [list, name] of [[e.requiredActions, "requiredActions"], [e.forbiddenActions, "forbiddenActions"]] as const) {
    list.forEach((action, a) => {
      if (!ctx.known.has(action.tool)) add(`expectations.${name}[${a}].tool`, `unknown tool ${action.tool}`);
    });
  }
  e.requiredPhrases.forEach((id, p) => {
    if (!ctx.phrases.has(id)) add(`expectations.requiredPhrases[${p}]`, `unknown phrase ${id}`);
  });
  e.forbiddenPhrases.forEach((pattern, p) => {
    try {
      new RegExp(pattern, "i");
    } catch {
      add(`expectations.forbiddenPhrases[${p}]`, `not a valid regular expression: ${pattern}`);
    }
  });
  e.ordering.forEach((rule, o) => {
    for (const side of ["first", "then"] as const) {
      const [kind, name] = rule[side].split(":") as [string, string];
      if (kind === "tool" && !ctx.known.has(name)) add(`expectations.ordering[${o}].${side}`, `unknown tool ${name}`);
      if (kind === "phrase" && !ctx.phrases.has(name)) add(`expectations.ordering[${o}].${side}`, `unknown phrase ${name}`);
      if (kind === "mention" && !["balance", "amount", "appointment", "dob", "address"].includes(name)) {
        add(`expectations.ordering[${o}].${side}`, `unknown mention ${name}; one of balance, amount, appointment, dob, address`);
      }
    }
  });
  return issues;
}

/** A flow's steps name tools the agent has, slots the intent (or identity) declares, and refusal rules that exist. */
function flowStepIssues(steps: ScenarioPack["agent"]["intents"][number]["steps"] & object, path: string, agentTools: Set<string>, pack: ScenarioPack, slots: Set<string>): ReferenceIssue[] {
  const issues: ReferenceIssue[] = [];
  const identitySlots = new Set(pack.agent.verification.slots.map((s) => s.name));
  const traps = new Set(pack.agent.refusals.map((r) => r.trap));
  // What templates may read: results saved by earlier steps (and, for a request, by the identity flow).
  const saved = new Set<string>(path.startsWith("agent.intents") ? (pack.agent.verification.steps ?? []).flatMap((step) => (step.save ? [step.save] : [])) : []);
  steps.forEach((step, s) => {
    const at = `${path}[${s}]`;
    const actions = ["collect", "choose", "confirm", "call", "refuse", "handoff", "set"].filter((key) => step[key as keyof typeof step] !== undefined);
    if (actions.length > 1) issues.push({ path: at, message: `a step does one thing; this one has ${actions.join(" and ")}` });
    if (step.call && !agentTools.has(step.call)) issues.push({ path: `${at}.call`, message: `${step.call} is not in agent.tools${suggest(step.call, agentTools)}` });
    for (const slot of step.collect ?? []) {
      if (!slots.has(slot) && !identitySlots.has(slot)) issues.push({ path: `${at}.collect`, message: `no slot ${slot} on this intent or in agent.verification.slots` });
    }
    if (step.refuse && !traps.has(step.refuse)) issues.push({ path: `${at}.refuse`, message: `no refusal rule for trap ${step.refuse}` });
    if (step.save && RESERVED_NAMES.has(step.save)) issues.push({ path: `${at}.save`, message: `${step.save} is a name templates already use ({${step.save}.…}); save the result under another name` });
    if (step.choose) {
      if (RESERVED_NAMES.has(step.choose.save) || step.choose.save === "item") issues.push({ path: `${at}.choose.save`, message: `${step.choose.save} is a name templates already use; keep the pick under another name` });
      if (!/^\{[A-Za-z0-9_.[\]-]+\}$/.test(step.choose.from)) issues.push({ path: `${at}.choose.from`, message: `${step.choose.from}: name the list as one placeholder, e.g. {openings.slots}` });
      const follows = step.choose.slot;
      if (follows && !slots.has(follows) && !identitySlots.has(follows)) issues.push({ path: `${at}.choose.slot`, message: `no slot ${follows} on this intent${suggest(follows, [...slots])}` });
      if (follows && !step.choose.at) issues.push({ path: `${at}.choose.at`, message: "a choice that follows a day slot needs `at`, the item field with its date-time (e.g. start)" });
    }
    // `slot.<name>` fills a slot of the intent; any other name is kept as `{name}`.
    for (const name of Object.keys(step.set ?? {})) {
      const slot = /^slot\.(.+)$/.exec(name)?.[1];
      if (slot !== undefined && !slots.has(slot)) issues.push({ path: `${at}.set.${name}`, message: `no slot ${slot} on this intent${suggest(slot, [...slots])}` });
    }
    const queues = pack.toolsConfig.handoff.queues;
    if (step.handoff && !queues.includes(step.handoff)) issues.push({ path: `${at}.handoff`, message: `no hand-off queue ${step.handoff} in toolsConfig.handoff.queues (${queues.join(", ")})${suggest(step.handoff, queues)}` });
    for (const code of Object.keys(step.onError)) {
      if (code === "default" || code === "empty" || ERROR_CODES.has(code)) continue;
      const near = suggest(code, ERROR_CODES);
      if (near) issues.push({ path: `${at}.onError.${code}`, message: `${code} is not an error code a tool answers${near}` });
    }
    // A step's own result is there for what it says after its call (and for its empty-list line).
    const own = step.save;
    const setNames = Object.keys(step.set ?? {});
    for (const [field, template] of stepTemplates(step)) {
      // A `set` value reads the ones set before it; the step's `say` reads them all.
      const setBefore = field.startsWith("set.") ? setNames.slice(0, setNames.indexOf(field.slice(4))) : field === "say" ? setNames : [];
      const readable = (head: string) =>
        saved.has(head) ||
        setBefore.includes(head) ||
        (head === own && (field === "say" || field === "ifEmpty.say")) ||
        (head === "item" && (field === "choose.label" || field === "choose.ask" || field === "choose.where" || field.startsWith("choose.prefer"))) ||
        (head === "options" && field === "choose.ask");
      for (const match of placeholders(template, `${at}.${field}`, issues)) {
        const [head = "", ...rest] = (match[1] ?? "").split(".");
        // `|number:month` is the number form with the noun it counts.
        const form = match[2]?.replace(/^number:[a-z]+$/, "number");
        const where = `${at}.${field}`;
        if (form === "hours" && field !== "when") issues.push({ path: where, message: `{${match[1]}|hours} is for conditions (when); say a time with |time or |datetime` });
        else if (form !== undefined && form !== "hours" && !SPOKEN_FORMS.has(form)) issues.push({ path: where, message: `{${match[1]}|${form}}: no spoken form ${form}; use one of ${[...SPOKEN_FORMS].join(", ")}` });
        if (head === "slot") {
          const whole = rest.join(".");
          // `{slot.day.from}`, `{slot.service.id}`: a field of the slot.
          const name = slots.has(whole) || identitySlots.has(whole) ? whole : (rest[0] ?? "");
          if (!slots.has(name) && !identitySlots.has(name)) issues.push({ path: where, message: `{slot.${name}}: no slot ${name} on this intent or in agent.verification.slots${suggest(name, [...slots, ...identitySlots])}` });
        } else if (!RESERVED_NAMES.has(head) && !readable(head)) {
          issues.push({ path: where, message: `${match[0]} no earlier step saves a result as ${head}${suggest(head, saved)}; name one with \`save: ${head}\`` });
        }
      }
    }
    if (step.save) saved.add(step.save);
    if (step.choose) saved.add(step.choose.save);
    for (const name of setNames) if (!name.startsWith("slot.")) saved.add(name);
  });
  return issues;
}

/**
 * The names a template reads, as `[how messages show it, name, form]`: each `{name|form}`, and each name inside
 * a `{= expression|form}`; an expression that does not parse is an issue at `where`.
 */
function placeholders(template: string, where: string, issues: ReferenceIssue[]): Array<[string, string, string | undefined]> {
  const out: Array<[string, string, string | undefined]> = [];
  for (const match of template.matchAll(/\{=((?:[^{}|]|\|\|)*)(?:\|([A-Za-z]+(?::[a-z]+)?))?\}/g)) {
    try {
      for (const name of expressionNames(parseExpression(match[1] ?? ""))) out.push([`${match[0]} reads ${name}:`, name, match[2]]);
    } catch (error) {
      issues.push({ path: where, message: error instanceof ExpressionError ? error.message : String(error) });
    }
  }
  for (const match of template.matchAll(/\{([A-Za-z0-9_.[\]-]+)(?:\|([A-Za-z]+(?::[a-z]+)?))?\}/g)) out.push([`{${match[1]}}:`, match[1] ?? "", match[2]]);
  return out;
}

/** Names every flow template can read without a step saving them. */
const RESERVED_NAMES = new Set(["slot", "customer", "error", "org", "agent", "config"]);
/** The spoken forms a flow template's placeholder may end in (agents/agent/flow-template.ts). */
const SPOKEN_FORMS = new Set(["money", "dollars", "date", "time", "datetime", "digits", "clock", "number", "list", "a"]);
const ERROR_CODES: ReadonlySet<string> = new Set(ToolErrorCode.options);

/** Every template a step speaks, binds or tests, with the field it sits in. */
function stepTemplates(step: NonNullable<ScenarioPack["agent"]["intents"][number]["steps"]>[number]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const field of ["say", "confirm", "when"] as const) if (typeof step[field] === "string") out.push([field, step[field] as string]);
  for (const [key, value] of Object.entries(step.args)) if (typeof value === "string") out.push([`args.${key}`, value]);
  for (const [code, text] of Object.entries(step.onError)) out.push([`onError.${code}`, text]);
  if (step.ifEmpty) out.push(["ifEmpty.say", step.ifEmpty.say]);
  if (step.choose) out.push(["choose.from", step.choose.from], ["choose.label", step.choose.label], ["choose.ask", step.choose.ask]);
  if (step.choose?.where) out.push(["choose.where", step.choose.where]);
  step.choose?.prefer.forEach((condition, i) => out.push([`choose.prefer[${i}]`, condition]));
  for (const [name, value] of Object.entries(step.set ?? {})) if (typeof value === "string") out.push([`set.${name}`, value]);
  return out;
}

function knownTools(packToolNames: readonly string[]): Set<string> {
  return new Set([...builtinToolNames, ...packToolNames]);
}

/** The fields records of a collection have: a built-in's schema keys, or the union over fixtures. */
function fieldsOf(collection: string, records: ReadonlyArray<Record<string, unknown>>): Set<string> {
  const schema = (builtinCollections as Record<string, { shape: Record<string, unknown> }>)[collection];
  if (schema) return new Set(Object.keys(schema.shape));
  return new Set(["id", ...records.flatMap((r) => Object.keys(r))]);
}

function duplicates(values: readonly string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const v of values) (seen.has(v) ? dup : seen).add(v);
  return [...dup];
}

/** " (did you mean x?)" for a near miss, by edit distance. */
function suggest(name: string, candidates: Iterable<string>): string {
  if (!name) return "";
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const d = editDistance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best ? ` (did you mean ${best}?)` : "";
}
