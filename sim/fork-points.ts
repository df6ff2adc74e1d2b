import type { Conversation, ConversationEvent, ForkedReplies, Scenario, ScenarioPack } from "../scenarios/index.ts";

export interface ForkPoint {
  /** Index of the last event before the agent acts; forks continue from there. */
  afterEvent: number;
  reason: ForkedReplies["reason"];
}

const words = (text: string) => text.toLowerCase();

/**
 * Where preference data is most informative: the agent's first move after a tool fault, after a
 * refusal trap, and after the caller changed their mind. One point per reason, earliest first.
 */
export function findForkPoints(conversation: Conversation, scenario: Scenario, pack: ScenarioPack): ForkPoint[] {
  const events = conversation.events;
  const points: ForkPoint[] = [];
  const seen = new Set<ForkPoint["reason"]>();
  const add = (afterEvent: number, reason: ForkPoint["reason"]) => {
    if (seen.has(reason) || afterEvent >= events.length - 1) return;
    seen.add(reason);
    points.push({ afterEvent, reason });
  };
  const trapWords = pack.agent.refusals.flatMap((r) => r.keywords.map(words));
  const ambiguity = scenario.complications.flatMap((c) =>
    c.kind === "change_mind" ? [String(c.to)] : c.kind === "correction" ? [String(c.right)] : [],
  );
  for (let i = 0; i < events.length; i++) {
    const event = events[i] as ConversationEvent;
    if (event.type === "tool_result" && (!event.outcome.ok || event.fault)) {
      add(endOfStep(events, i), "after_fault");
    } else if (event.type === "caller_speech") {
      const heard = words(event.heard);
      if (trapWords.some((w) => heard.includes(w))) add(i, "after_refusal_trap");
      else if (ambiguity.some((value) => heard.includes(words(value))) && /\b(actually|instead|sorry|wait|change)\b/.test(heard)) {
        add(i, "after_ambiguity");
      }
    }
  }
  return points.sort((a, b) => a.afterEvent - b.afterEvent);
}

/** A tools step writes its results (and dead air) together; the agent acts after the last of them. */
function endOfStep(events: readonly ConversationEvent[], index: number): number {
  let end = index;
  while (end + 1 < events.length) {
    const next = events[end + 1] as ConversationEvent;
    if (next.type === "tool_result" || (next.type === "silence" && next.who === "agent")) end++;
    else break;
  }
  return end;
}

/**
 * The agent's own continuation after `afterEvent` up to the caller's next turn, as it stood when
 * the agent finished it (a later barge-in is the caller's doing, not part of the reply).
 */
export function replyAsItWent(events: readonly ConversationEvent[], afterEvent: number): ConversationEvent[] {
  const reply: ConversationEvent[] = [];
  for (const event of events.slice(afterEvent + 1)) {
    if (event.type === "caller_speech" || (event.type === "silence" && event.who === "caller")) break;
    reply.push(event.type === "agent_speech" && event.interrupted ? { ...event, interrupted: false, callerHeard: event.said } : event);
  }
  return reply;
}
