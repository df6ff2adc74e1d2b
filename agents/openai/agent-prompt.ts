import { DateTime } from "luxon";
import type { ProcedureStep, ScenarioPack } from "../../scenarios/index.ts";
import { CALL_CONNECTED_NOTE } from "./chat-shape.ts";
import { AGENT_NOTES } from "./events-to-messages.ts";

const FIELD_WORDS: Record<string, string> = { phone: "phone number", name: "full name", dob: "date of birth", zip: "ZIP code", ssnLast4: "last four digits of the Social Security number", address: "street address" };

/**
 * The candidate agent's system prompt: who it is, the pack's policy as written, its procedure,
 * how to verify a caller, the phrases it must say, what to refuse, the voice rules and the date.
 * The exports use the same text, so a fine-tuned model sees at training time what it will see
 * on the line.
 */
export function agentSystemPrompt(pack: ScenarioPack, nowIso: string, timezone: string): string {
  // Only the date line changes within a call; the rest was rebuilt for every model request.
  let body = promptBodies.get(pack);
  if (body === undefined) {
    body = promptBody(pack);
    promptBodies.set(pack, body);
  }
  return `${body}\nToday is ${speakableNow(nowIso, timezone)}.`;
}

const promptBodies = new WeakMap<ScenarioPack, string>();

/** Everything of the agent's prompt but the date. */
function promptBody(pack: ScenarioPack): string {
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
    ...agent.procedure.map((step, i) => `${i + 1}. ${stepInstruction(step, fill, phraseText)}`),
    ...requestLines(pack),
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
    "",
    "Notes in square brackets in the caller's turns are not speech; they tell you what happened on the line:",
    `- ${CALL_CONNECTED_NOTE}: the call has just been answered; greet the caller.`,
    `- ${AGENT_NOTES.silence("N")}: the caller said nothing for N seconds; ask whether they are still there. After a second silence in a row, say goodbye and end the call.`,
    `- ${AGENT_NOTES.keypad("1234")}: digits the caller typed on the phone's keypad instead of saying them; use them as if spoken.`,
    `- ${AGENT_NOTES.interrupted} at the end of one of your own turns: the caller cut you off and heard only the words before it; if what they missed still matters, say it again briefly.`,
    "",
    "Use the tools for every fact about the caller, their account or the calendar; never invent one. If a tool fails, try once more, then apologise and say plainly that nothing was changed.",
    `The call ends only when the caller has nothing more: once they say so (or say goodbye), say goodbye and call end_call in that same turn. Asking whether there is anything else is a question, not the end; never call end_call while a question of yours is open. To hand off, call transfer_to_human (queue "${agent.handoffQueue}" unless another fits).`,
  );
  return lines.join("\n");
}

/**
 * What the standard steps (README: greet → identify → verify → disclose → understand → act →
 * confirm → close) mean when a pack gives them no tool or words of their own.
 */
const STEP_HINTS: Readonly<Record<string, string>> = {
  understand: "Work out which of the requests below the caller has, then ask for what it needs that they have not said, one question at a time.",
  act: "Call the tools of the caller's request in the order the requests below give, with values the caller said or a tool returned; never guess one.",
  confirm: "Tell the caller in one or two short sentences what the tools confirmed was done, with the day, time, amount or reference they returned, and nothing the tools did not confirm.",
};

/**
 * One procedure step as an instruction a model can follow: the pack's description, then what to
 * do — the tool to call and the slots to have first, the exact words to say. A step that names
 * no tool, words or slots and reads like an action ("Search.", "use the calendar tools") points at
 * the request list, which says per request what to ask and which tools settle it.
 */
function stepInstruction(step: ProcedureStep, fill: (template: string) => string, phraseText: ReadonlyMap<string, string>): string {
  const parts = [step.description.trim().replace(/[.!?]?$/, ".")];
  if (step.when) parts.push(`Only ${step.when.replace(/[.!?]?$/, ".")}`);
  const slots = step.slots.map((slot) => FIELD_WORDS[slot] ?? slot.replaceAll("_", " "));
  if (step.tool === "end_call") {
    parts.push("When the caller says they need nothing more, say goodbye and call end_call in that turn; do not call it while you are still asking.");
  } else if (step.tool) {
    parts.push(slots.length ? `Ask for the caller's ${joinWords(slots)} (one question at a time, only what you do not have yet), then call ${step.tool} with what they said.` : `Call ${step.tool}.`);
  } else if (slots.length) {
    parts.push(`Have the caller's ${joinWords(slots)} before you go on; ask for each one you lack.`);
  }
  const phrase = step.phrase ? phraseText.get(step.phrase) : undefined;
  if (step.say) parts.push(`Say: "${fill(step.say)}"`);
  else if (phrase) parts.push(`Say these words exactly: "${fill(phrase)}"`);
  const bare = !step.tool && !step.say && !phrase && slots.length === 0;
  const hint = STEP_HINTS[step.id];
  if (bare && hint) parts.push(hint);
  else if (bare && (step.description.trim().split(/\s+/).length <= 4 || /\b(tools?|slots?|request|needs)\b/i.test(step.description))) {
    parts.push("The requests below say, for each kind of request, what to ask and which tools to call in order.");
  }
  return parts.join(" ");
}

/** What callers ask for, each with the questions that fill it and the tools that settle it. */
function requestLines(pack: ScenarioPack): string[] {
  const intents = pack.agent.intents;
  if (intents.length === 0) return [];
  return [
    "",
    "Requests you handle:",
    ...intents.map((intent) => {
      const asks = intent.slots.filter((slot) => slot.required).map((slot) => `"${slot.prompt}"`);
      const steps = [
        intent.requiresVerification ? "verify the caller first" : "no verification needed",
        ...(asks.length ? [`ask ${asks.join(", then ")}`] : []),
        ...(intent.tools.length ? [`then call ${intent.tools.join(", then ")}`] : []),
      ];
      return `- ${intent.description.replace(/[.!?]$/, "")}: ${steps.join("; ")}.`;
    }),
  ];
}

function joinWords(words: readonly string[]): string {
  return words.length <= 1 ? (words[0] ?? "") : `${words.slice(0, -1).join(", ")} and ${words.at(-1)}`;
}

/** "Tuesday, March 10, 2026, 9:05 AM, America/Chicago": the scenario clock, never the host's. */
export function speakableNow(nowIso: string, timezone: string): string {
  // The text has minutes only, so seconds do not change it; luxon's zone parsing was a few
  // percent of a model request's CPU when done for every request.
  const key = `${nowIso.replace(/^(\d{4}-\d\d-\d\dT\d\d:\d\d):\d\d(?:\.\d+)?/, "$1")}|${timezone}`;
  const known = spokenTimes.get(key);
  if (known !== undefined) return known;
  const now = DateTime.fromISO(nowIso, { zone: timezone });
  const text = `${now.toFormat("cccc, LLLL d, yyyy, h:mm a")}, ${timezone}`;
  if (spokenTimes.size >= 10_000) spokenTimes.clear();
  spokenTimes.set(key, text);
  return text;
}

const spokenTimes = new Map<string, string>();
