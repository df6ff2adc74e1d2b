import type { Conversation, ScenarioPack } from "../../scenarios/index.ts";

/**
 * 0–1: how much a call is about the pack's domain: the share of the domain's words that it uses
 * (saturating at five), plus whether the agent used the pack's tools at all.
 */
export function domainScore(conversation: Conversation, pack: ScenarioPack): number {
  const text = conversation.events
    .map((e) => (e.type === "caller_speech" ? e.heard : e.type === "agent_speech" ? e.said : ""))
    .join(" ")
    .toLowerCase();
  const words = new Set([...pack.domainKeywords, ...pack.agent.intents.flatMap((i) => i.keywords)].map((w) => w.toLowerCase()));
  let hits = 0;
  for (const word of words) if (text.includes(word)) hits++;
  const usedTools = conversation.events.some((e) => e.type === "tool_call" && pack.agent.tools.includes(e.tool) && e.tool !== "end_call");
  return Math.min(1, hits / 5) * 0.7 + (usedTools ? 0.3 : 0);
}
