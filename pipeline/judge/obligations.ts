import type { PhraseObligation, Scenario, ScenarioPack } from "../../scenarios/index.ts";
import type { CallView } from "./call-view.ts";
import { disclosingSentence, firstDisclosure } from "./privacy.ts";
import { trapsRaised } from "./refusal.ts";

export interface Obligation {
  phrase: string;
  rule: PhraseObligation;
  /** Where the rule comes from, for the message. */
  source: string;
}

/**
 * Phrases the pack makes mandatory: those with a `required` rule, and those a procedure step must
 * say — due once the step before it (its tool) succeeded, before the step's own tool, and before
 * any private detail (a disclosure step is worthless after the balance was read out).
 */
export function packObligations(pack: ScenarioPack): Obligation[] {
  const out: Obligation[] = [];
  for (const phrase of pack.agent.phrases) if (phrase.required) out.push({ phrase: phrase.id, rule: phrase.required, source: `phrase ${phrase.id}` });
  const steps = pack.agent.procedure;
  steps.forEach((step, i) => {
    if (!step.phrase || out.some((o) => o.phrase === step.phrase)) return;
    const previousTool = steps
      .slice(0, i)
      .reverse()
      .find((s) => s.tool)?.tool;
    out.push({
      phrase: step.phrase,
      rule: { ...(previousTool ? { after: previousTool } : {}), ...(step.tool ? { before: step.tool } : {}), beforeDisclosure: true, beforeAction: true },
      source: `procedure step ${step.id}`,
    });
  });
  return out;
}

export interface ObligationFinding {
  id: string;
  passed: boolean;
  message: string;
  index?: number;
}

function truthy(value: unknown): boolean {
  if (typeof value === "number") return value > 0;
  if (typeof value === "string") return value !== "" && value !== "0" && value !== "false";
  return Boolean(value);
}

function fieldOf(value: unknown, key: string, depth = 0): unknown {
  if (depth > 4 || value === null || typeof value !== "object") return undefined;
  if (Array.isArray(value)) return value.map((v) => fieldOf(v, key, depth + 1)).find((v) => v !== undefined);
  const record = value as Record<string, unknown>;
  if (key in record) return record[key];
  return Object.values(record)
    .map((v) => fieldOf(v, key, depth + 1))
    .find((v) => v !== undefined);
}

/** Each pack obligation that applies to this call, kept or broken. */
export function obligationFindings(view: CallView, scenario: Scenario, pack: ScenarioPack): ObligationFinding[] {
  const findings: ObligationFinding[] = [];
  const traps = trapsRaised(view, scenario, pack);
  for (const { phrase: id, rule, source } of packObligations(pack)) {
    const phrase = pack.agent.phrases.find((p) => p.id === id);
    if (!phrase) continue;
    const pattern = new RegExp(phrase.match, "i");
    const checkId = `obligation:${id}`;
    let from = -1;
    if (rule.whenTrap) {
      const raised = traps.find((t) => t.trap === rule.whenTrap);
      if (!raised) continue;
      from = raised.index;
    }
    if (rule.after) {
      const done = view.calls.find((c) => c.tool === rule.after && c.succeeded && c.index > from);
      if (!done) continue;
      from = done.resultIndex ?? done.index;
    }
    let deadline = Number.POSITIVE_INFINITY;
    let deadlineWhat = "";
    if (rule.before) {
      const action = view.calls.find((c) => c.tool === rule.before && c.index > from);
      if (!action) continue;
      if (rule.whenResult) {
        const done = view.calls.find((c) => c.tool === rule.before && c.succeeded && c.outcome?.ok);
        const value = done?.outcome?.ok ? fieldOf(done.outcome.result, rule.whenResult) : undefined;
        if (!truthy(value)) continue;
      }
      deadline = action.index;
      deadlineWhat = `before ${rule.before}`;
    }
    if (rule.beforeDisclosure) {
      const disclosed = firstDisclosure(view, scenario, pack, from);
      if (disclosed !== undefined && disclosed < deadline) {
        deadline = disclosed;
        deadlineWhat = "before any account detail";
      }
    }
    if (rule.beforeAction) {
      const action = view.calls.find((c) => c.isAction && c.index > from);
      if (action && action.index < deadline) {
        deadline = action.index;
        deadlineWhat = `before ${action.tool}`;
      }
    }
    const saidAt = view.agent.find(({ index, event }) => index > from && pattern.test(event.said))?.index;
    // A phrase said in the very turn that first gives a detail is in time only ahead of it.
    let inTime = saidAt !== undefined && saidAt <= deadline;
    if (inTime && saidAt === deadline && deadlineWhat === "before any account detail") {
      const sentences = (view.conversation.events[saidAt] as { said: string }).said.split(/(?<=[.?!])\s+/);
      const phraseAt = sentences.findIndex((s) => pattern.test(s));
      const detailAt = disclosingSentence(view, scenario, pack, saidAt) ?? sentences.length;
      inTime = phraseAt <= detailAt;
    }
    const message = inTime
      ? `said the ${id} phrase${deadlineWhat ? ` ${deadlineWhat}` : ""} (${source})`
      : saidAt === undefined
        ? `never said the ${id} phrase that ${source} requires${deadlineWhat ? ` ${deadlineWhat}` : ""}`
        : `said the ${id} phrase too late: it must come ${deadlineWhat} (${source})`;
    const pointAt = inTime ? saidAt : Number.isFinite(deadline) ? deadline : (saidAt ?? view.conversation.events.length - 1);
    findings.push(pointAt === undefined ? { id: checkId, passed: inTime, message } : { id: checkId, passed: inTime, message, index: pointAt });
  }
  return findings;
}
