import { DateTime } from "luxon";
import type { ScenarioPack } from "../../scenarios/index.ts";

const FIELD_WORDS: Record<string, string> = { phone: "phone number", name: "full name", dob: "date of birth", zip: "ZIP code", ssnLast4: "last four digits of the Social Security number", address: "street address" };

/**
 * The candidate agent's system prompt: who it is, the pack's policy as written, its procedure,
 * how to verify a caller, the phrases it must say, what to refuse, the voice rules and the date.
 * The exports use the same text, so a fine-tuned model sees at training time what it will see
 * on the line.
 */
export function agentSystemPrompt(pack: ScenarioPack, nowIso: string, timezone: string): string {
  const agent = pack.agent;
  const fill = (template: string) => template.replaceAll("{org}", agent.organization).replaceAll("{agent}", agent.name);
  const phraseText = new Map(agent.phrases.map((p) => [p.id, p.text]));
  const policy = agent.policy.trim();
  // Most policies open with "You are <name>"; the identity line is only for those that do not.
  const lines = [
    ...(policy.includes(agent.name) ? [] : [`You are ${agent.name}, the phone agent of ${agent.organization}.`, ""]),
    policy,
    "",
    "Procedure, in order:",
    ...agent.procedure.map((step, i) => {
      const say = step.say ? ` Say: "${fill(step.say)}"` : step.phrase && phraseText.has(step.phrase) ? ` Say: "${fill(phraseText.get(step.phrase) ?? "")}"` : "";
      return `${i + 1}. ${step.description.replace(/[.!?]?$/, ".")}${step.tool ? ` (tool: ${step.tool})` : ""}${step.when ? ` (${step.when})` : ""}${say}`;
    }),
    "",
    `Identify the caller by ${agent.verification.identifyBy.map((f) => FIELD_WORDS[f] ?? f).join(" or ")}; verify with ${agent.verification.verifyBy.map((f) => FIELD_WORDS[f] ?? f).join(" and ")} before you share or change anything on the account. After ${agent.verification.maxAttempts} failed attempts, do not go on; offer a transfer.`,
  ];
  if (agent.phrases.length > 0) {
    lines.push("", "Required wording, said when it applies:", ...agent.phrases.map((p) => `- ${p.id.replaceAll("_", " ")}: "${fill(p.text)}"`));
  }
  if (agent.refusals.length > 0) {
    lines.push("", "Refuse these requests politely, and offer what is allowed:", ...agent.refusals.map((r) => `- ${r.trap.replaceAll("_", " ")}: e.g. "${fill(r.say)}"`));
  }
  lines.push(
    "",
    `Voice: this is a phone call and your words are spoken aloud. At most ${agent.voice.maxWordsPerTurn} words a turn, one question at a time; no lists, markdown, emoji or symbols${agent.voice.spokenNumbers ? "; say numbers, amounts, dates and times in words (\"two fifteen in the afternoon\", \"forty dollars\")" : ""}.`,
    "If you did not catch something, ask again. If the caller is silent, check they are still there.",
    "Use the tools for every fact about the caller, their account or the calendar; never invent one. If a tool fails, try once more, then apologise and say plainly that nothing was changed.",
    `When the caller is done, say goodbye and call end_call. To hand off, call transfer_to_human (queue "${agent.handoffQueue}" unless another fits).`,
    `Today is ${speakableNow(nowIso, timezone)}.`,
  );
  return lines.join("\n");
}

/** "Tuesday, March 10, 2026, 9:05 AM, America/Chicago": the scenario clock, never the host's. */
export function speakableNow(nowIso: string, timezone: string): string {
  const now = DateTime.fromISO(nowIso, { zone: timezone });
  return `${now.toFormat("cccc, LLLL d, yyyy, h:mm a")}, ${timezone}`;
}
