import { englishDataset, englishRecommendedTransformers, RegExpMatcher } from "obscenity";
import type { Conversation } from "../../scenarios/index.ts";

// obscenity: a maintained profanity matcher with an English word list and the transformers that
// catch obfuscations (leetspeak, repeated letters), which plain word lists miss.
const matcher = new RegExpMatcher({ ...englishDataset.build(), ...englishRecommendedTransformers });

export interface ToxicityVerdict {
  toxic: boolean;
  /** Where, for the reject pile: "agent turn 4: …". */
  reasons: string[];
}

/**
 * A call is dropped when the agent's speech is toxic (we never train on it). A caller swearing at
 * an agent that stays polite is kept: handling abuse well is exactly what the data should teach.
 */
export function toxicityOf(conversation: Conversation, judgeFlag = false): ToxicityVerdict {
  const reasons: string[] = [];
  for (const event of conversation.events) {
    if (event.type === "agent_speech" && matcher.hasMatch(event.said)) reasons.push(`agent turn ${event.turn}: "${event.said.slice(0, 60)}"`);
  }
  if (judgeFlag) reasons.push("the judge flagged the agent's tone");
  return { toxic: reasons.length > 0, reasons };
}

export function isToxicText(text: string): boolean {
  return matcher.hasMatch(text);
}
