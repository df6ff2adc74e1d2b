import type { ConversationEvent, Intent, ScenarioPack } from "../../scenarios/index.ts";
import type { Rng } from "../../tools/index.ts";
import type { AgentAction, AgentFlaw, AgentView } from "../agent-types.ts";
import { speakDigits, speakNumber } from "../slot-filling/speak.ts";
import { normaliseSpokenNumbers } from "../slot-filling/spoken-numbers.ts";
import type { AgentMemory, PendingCall } from "./memory.ts";

/**
 * One step of the scripted agent: the view, its memory (mutated, then saved), the seeded rng,
 * and the two ways to act — speak, or call a tool.
 */
export class Turn {
  readonly view: AgentView;
  readonly memory: AgentMemory;
  readonly rng: Rng;
  /** Said before the next speech in this step (acknowledgements, disclosures). */
  readonly preamble: string[] = [];
  /** The caller's words this step were an out-of-policy request the agent refused: they set no slot. */
  refused = false;
  /** Silent caller turns in a row before the agent gives up on the call. */
  readonly maxSilences: number;

  constructor(view: AgentView, memory: AgentMemory, rng: Rng, maxSilences = 2) {
    this.view = view;
    this.memory = memory;
    this.rng = rng;
    this.maxSilences = maxSilences;
  }

  get pack(): ScenarioPack {
    return this.view.pack;
  }

  get intent(): Intent | undefined {
    return this.pack.agent.intents.find((i) => i.id === this.memory.intent);
  }

  hasFlaw(flaw: AgentFlaw): boolean {
    return this.view.flaws.includes(flaw);
  }

  hasTool(name: string): boolean {
    return this.pack.agent.tools.includes(name);
  }

  /** Speech in voice form: the preamble first, markup only when that flaw is injected. */
  say(text: string, options: { endCall?: boolean } = {}): AgentAction {
    const full = [...this.preamble, text].filter(Boolean).join(" ");
    this.preamble.length = 0;
    const voiced = oneQuestion(full);
    const spoken = this.hasFlaw("markup_in_speech")
      ? addMarkup(voiced)
      : limitWords(this.pack.agent.voice.spokenNumbers ? digitsToWords(voiced) : voiced, this.pack.agent.voice.maxWordsPerTurn);
    return options.endCall ? { kind: "speak", text: spoken, endCall: true } : { kind: "speak", text: spoken };
  }

  /** Asks a question and remembers what was asked so the answer can be read. */
  ask(question: AgentMemory["asked"], text: string, slot: string | null = null): AgentAction {
    const m = this.memory;
    m.repeats = m.asked === question && m.askedSlot === slot ? m.repeats + 1 : 0;
    m.asked = question;
    m.askedSlot = slot;
    const lastQuestion = text.match(/[^.?!]*\?\s*$/)?.[0]?.trim();
    m.lastQuestion = lastQuestion ?? null;
    m.lastAsk = text;
    return this.say(text);
  }

  call(tool: string, args: Record<string, unknown>, purpose: string, text?: string): AgentAction {
    const m = this.memory;
    const callId = `call_${this.view.turn}_${m.callCount++}`;
    const pending: PendingCall = { callId, tool, args, purpose, attempt: 1 };
    m.pendingCall = pending;
    const spoken = [...this.preamble, text ?? ""].filter(Boolean).join(" ");
    this.preamble.length = 0;
    return spoken
      ? { kind: "tool_calls", calls: [{ callId, tool, args }], text: limitWords(spoken, this.pack.agent.voice.maxWordsPerTurn) }
      : { kind: "tool_calls", calls: [{ callId, tool, args }] };
  }

  /** The same call again (a retry after a retryable fault). */
  retry(pending: PendingCall, text: string): AgentAction {
    const callId = `call_${this.view.turn}_${this.memory.callCount++}`;
    this.memory.pendingCall = { ...pending, callId, attempt: pending.attempt + 1 };
    return { kind: "tool_calls", calls: [{ callId, tool: pending.tool, args: pending.args }], text };
  }

  pick(options: readonly string[]): string {
    return this.rng.pick(options);
  }

  fill(template: string): string {
    return template.replace(/\{org\}/g, this.pack.agent.organization).replace(/\{agent\}/g, this.pack.agent.name);
  }
}

/** Keeps a turn short enough to follow by ear: whole sentences up to the word limit. */
export function limitWords(text: string, maxWords: number): string {
  const words = text.split(/\s+/).filter(Boolean);
  if (words.length <= maxWords) return text.trim();
  const sentences = splitSentences(text);
  const kept: string[] = [];
  let count = 0;
  // Keep the last sentence when it is a question: the caller needs to know what to answer.
  const last = sentences.at(-1)?.trim() ?? "";
  const keepQuestion = last.endsWith("?");
  const budget = keepQuestion ? maxWords - last.split(/\s+/).length : maxWords;
  for (const sentence of keepQuestion ? sentences.slice(0, -1) : sentences) {
    const n = sentence.trim().split(/\s+/).length;
    if (count + n > budget) break;
    kept.push(sentence.trim());
    count += n;
  }
  if (keepQuestion) kept.push(last);
  return kept.length > 0 ? kept.join(" ") : words.slice(0, maxWords).join(" ");
}

/** Sentences, not broken after titles ("Dr. Chen"). */
function splitSentences(text: string): string[] {
  const guarded = text.replace(/\b(Dr|Mr|Mrs|Ms|St|Jr|Sr)\./g, "$1\u0000");
  const parts = guarded.match(/[^.?!]+[.?!]+|[^.?!]+$/g) ?? [guarded];
  return parts.map((part) => part.replace(/\u0000/g, "."));
}

/** Digits that reach speech from a tool's answer (a P.O. box, a reference) are read out one by one. */
function digitsToWords(text: string): string {
  return (
    text
      // A code is spelt out, letters and digits alike ("KTX4821" → "K T X four eight two one").
      .replace(/\b(?=[A-Za-z-]*\d)(?=[\d-]*[A-Za-z])[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*\b/g, (code) =>
        code
          .replace(/-/g, "")
          .split(/(\d+)/)
          .filter(Boolean)
          .map((part) => (/\d/.test(part) ? speakDigits(part) : part.length <= 3 || part === part.toUpperCase() ? part.toUpperCase().split("").join(" ") : part))
          .join(" "),
      )
      // A year is said as one ("2018" → "twenty eighteen").
      .replace(/\b(19|20)(\d{2})\b/g, (_, century: string, rest: string) => speakYear(Number(century), Number(rest)))
      .replace(/\d+/g, speakDigits)
  );
}

function speakYear(century: number, rest: number): string {
  if (century === 20 && rest < 10) return rest === 0 ? "two thousand" : `two thousand ${speakNumber(rest)}`;
  return `${speakNumber(century)} ${rest === 0 ? "hundred" : rest < 10 ? `oh ${speakNumber(rest)}` : speakNumber(rest)}`;
}

/**
 * At most one question a turn: a caller can answer only one, and the last is the one that
 * matters (a refusal's "would you like…?" gives way to the question the flow asks next).
 */
export function oneQuestion(text: string): string {
  const sentences = splitSentences(text);
  const lastQuestion = sentences.map((x) => x.trim().endsWith("?")).lastIndexOf(true);
  if (lastQuestion < 0) return text.trim();
  return sentences
    .filter((sentence, i) => i === lastQuestion || !sentence.trim().endsWith("?"))
    .map((x) => x.trim())
    .join(" ");
}

const NUMBER_WORDS = "(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|and)";
const MONEY_WORDS = new RegExp(`\\b((?:${NUMBER_WORDS} )+)dollars?(?: and ((?:${NUMBER_WORDS} ?)+) cents?)?`, "g");

/** The injected markup flaw: what a chat model trained for screens says on a phone line. */
function addMarkup(text: string): string {
  const money = text.replace(MONEY_WORDS, (_, dollars: string, cents: string | undefined) => {
    const whole = Number(normaliseSpokenNumbers(dollars.trim().replace(/ and$/, "")).replace(/\D/g, "")) || 0;
    const part = cents ? Number(normaliseSpokenNumbers(cents.trim()).replace(/\D/g, "")) || 0 : 0;
    return `$${whole.toLocaleString("en-US")}.${String(part).padStart(2, "0")}`;
  });
  const times = money.replace(/\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve) ([ap]) m\b/g, (_, hour: string, meridiem: string) => {
    return `${normaliseSpokenNumbers(hour)}:00 ${meridiem.toUpperCase()}M`;
  });
  return `**${times}**\n- Reply with 1 to confirm`;
}

/** Caller speech (as heard) since the agent last spoke, and whether the caller was silent. */
export function callerInputSinceAgent(events: readonly ConversationEvent[]): { heard: string; silentMs: number } {
  const heard: string[] = [];
  let silentMs = 0;
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i] as ConversationEvent;
    if (event.type === "agent_speech" || event.type === "tool_result" || event.type === "tool_call") break;
    if (event.type === "caller_speech") heard.unshift(event.heard);
    if (event.type === "silence" && event.who === "caller") silentMs += event.durationMs;
  }
  return { heard: heard.join(" ").trim(), silentMs };
}
