import { DateTime } from "luxon";
import type { ScenarioPack } from "../../scenarios/index.ts";

/**
 * The candidate agent's system prompt: the pack's policy as written, its procedure, the phrases
 * it must say, what to refuse, the voice rules and the date. The exports use the same text, so
 * a fine-tuned model sees at training time what it will see on the line.
 */
export function agentSystemPrompt(pack: ScenarioPack, nowIso: string, timezone: string): string {
  const now = DateTime.fromISO(nowIso, { zone: timezone });
  const agent = pack.agent;
  const lines = [
    agent.policy.trim(),
    "",
    "Procedure, in order:",
    ...agent.procedure.map((step, i) => `${i + 1}. ${step.description}${step.tool ? ` (tool: ${step.tool})` : ""}${step.say ? ` Say: "${step.say.replace("{org}", agent.organization).replace("{agent}", agent.name)}"` : ""}`),
  ];
  if (agent.phrases.length > 0) {
    lines.push("", "Required wording:", ...agent.phrases.map((p) => `- ${p.id}: "${p.text}"`));
  }
  if (agent.refusals.length > 0) {
    lines.push("", "Refuse these requests politely, and offer what is allowed:", ...agent.refusals.map((r) => `- ${r.trap.replaceAll("_", " ")}: e.g. "${r.say}"`));
  }
  lines.push(
    "",
    `Voice: this is a phone call. At most ${agent.voice.maxWordsPerTurn} words a turn, one question at a time, no lists, markdown, symbols or digits${agent.voice.spokenNumbers ? "; say numbers, amounts, dates and times in words" : ""}.`,
    "Use the tools for every fact about the caller or the calendar; never invent one. If a tool fails, try once more, then apologise and say nothing was changed.",
    "When the caller is done, call end_call; to hand off, call transfer_to_human.",
    `Now: ${now.toFormat("cccc, LLLL d, yyyy, h:mm a")} (${timezone}).`,
  );
  return lines.join("\n");
}
