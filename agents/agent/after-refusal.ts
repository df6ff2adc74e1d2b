import type { AgentAction } from "../agent-types.ts";
import type { Turn } from "./turn.ts";

/** The pack refusal line the agent said in its last turn, if it said one. */
export function lastRefusal(t: Turn): string | undefined {
  const last = t.view.events.findLast((e) => e.type === "agent_speech");
  if (last?.type !== "agent_speech") return undefined;
  return t.pack.agent.refusals.map((rule) => rule.say).find((say) => last.said.includes(say));
}

/** A caller taking a no for an answer ("Alright, never mind then.", "Okay, I get it."). */
const TAKES_IT = /\b(okay|ok|fine|alright|all right|never ?mind|i understand|i get it|understood|fair enough|forget it|no worries|most you can do)\b/i;

/**
 * The caller's reply to "anything else?" right after a refusal, naming no new request. Not a new
 * request to ask about ("How can I help you today?" would be): a caller who takes the no is let
 * go politely; one who pushes back hears the refusal once more, kindly, and then the call ends.
 */
export function afterRefusal(t: Turn, heard: string, refusal: string, closeCall: (t: Turn) => AgentAction): AgentAction {
  const said = t.view.events.filter((e) => e.type === "agent_speech" && e.said.includes(refusal)).length;
  if (TAKES_IT.test(heard) || said >= 2) return closeCall(t);
  const sorry = /^\W*(i'm|i am) sorry\b/i.test(refusal) ? "I understand." : "I understand, and I'm sorry.";
  return t.ask("anything_else", `${sorry} ${refusal} Is there anything else I can help you with?`);
}
