import type { DateRequest } from "../slot-filling/parse.ts";

/** A tool call the agent is waiting on, so it can retry it or explain its failure. */
export interface PendingCall {
  callId: string;
  tool: string;
  args: Record<string, unknown>;
  purpose: string;
  attempt: number;
}

/** What the agent last asked the caller, so it knows how to read the answer. */
export type Question =
  | "intent"
  | "slot"
  | "choose_item"
  | "confirm"
  | "anything_else"
  | "after_failure"
  | "third_party"
  | null;

/**
 * The scripted agent's memory between steps: plain JSON, because it lives in the LangGraph
 * checkpoint and a fork must continue from exactly this.
 */
export interface AgentMemory {
  greeted: boolean;
  customerId: string | null;
  verified: boolean;
  /** The caller said they are not the account holder, or failed verification. */
  thirdParty: boolean;
  /** Verification was given up (only ever by an injected flaw). */
  waivedVerification: boolean;
  /** Lookups that found nobody, in an identity flow that checks the caller after finding them. */
  identifyTries: number;
  verifyTries: number;
  disclosed: boolean;
  asked: Question;
  /** For asked = "slot": which slot. */
  askedSlot: string | null;
  /** The question last asked, to repeat it when the caller did not catch it. */
  lastQuestion: string | null;
  /** The whole turn that asked it (offers, what is being confirmed), for a caller who missed it. */
  lastAsk: string | null;
  /** How many times in a row the same question went unanswered. */
  repeats: number;
  /** The caller said they missed the question this many times in a row ("I'm not sure I follow"). */
  missedQuestion: number;
  intent: string | null;
  /** Slot values as heard (raw text) or resolved (ids). */
  slots: Record<string, string>;
  dateRequest: DateRequest | null;
  pendingCall: PendingCall | null;
  callCount: number;
  completed: string[];
  /** The request just finished, so "sorry, I meant …" can redo it with the corrected value. */
  lastRequest: { intent: string; slots: Record<string, string> } | null;
  silences: number;
  refusals: number;
  /** Heard facts the caller gave before they were asked (phone, dob, ...). */
  facts: Record<string, string>;
  closing: boolean;
  /** Pack flows (intents with `steps`): the step the request is at, and what earlier steps returned. */
  flowStep: number;
  /** Step index whose read-back the caller said yes to. */
  flowConfirmed: number;
  /** The identity flow's step, kept apart from the request's. */
  identityStep: number;
  /** Tool results kept by `save`, by name; `customer` is the identified record when a flow names it. */
  saved: Record<string, unknown>;
  /** Searches that came back empty twice, by tool and arguments (see empty-answers.ts). */
  emptyAnswers: Record<string, unknown>;
  /** The slot the agent asked for again because nothing was found for it ("Is there another day?"). */
  alternativeFor: string | null;
  /** The items a flow's `choose` step offered, with how each was said, until the caller picks. */
  offered: { labels: string[]; items: unknown[] } | null;
}

export function freshMemory(): AgentMemory {
  return {
    greeted: false,
    customerId: null,
    verified: false,
    thirdParty: false,
    waivedVerification: false,
    verifyTries: 0,
    identifyTries: 0,
    disclosed: false,
    asked: null,
    askedSlot: null,
    lastQuestion: null,
    lastAsk: null,
    repeats: 0,
    missedQuestion: 0,
    intent: null,
    slots: {},
    dateRequest: null,
    pendingCall: null,
    callCount: 0,
    completed: [],
    lastRequest: null,
    silences: 0,
    refusals: 0,
    facts: {},
    closing: false,
    flowStep: 0,
    flowConfirmed: -1,
    identityStep: 0,
    saved: {},
    emptyAnswers: {},
    alternativeFor: null,
    offered: null,
  };
}

/** Clears what belongs to one request, keeping who the caller is. */
export function resetRequest(memory: AgentMemory): void {
  memory.intent = null;
  memory.slots = {};
  memory.dateRequest = null;
  memory.asked = null;
  memory.askedSlot = null;
  memory.flowStep = 0;
  memory.flowConfirmed = -1;
  memory.offered = null;
}
