import type { RefusalRule } from "../../scenarios/index.ts";
import type { Turn } from "./turn.ts";

export interface Understanding {
  /** The intent the words point to, when one clearly wins. */
  intent?: string;
  /** An out-of-policy request the pack says to refuse. */
  trap?: RefusalRule;
  wantsHuman: boolean;
  /** The speaker says they are not the account holder. */
  thirdParty: boolean;
}

const WANTS_HUMAN =
  /\b(talk|speak|transfer|connect|put) (me )?(to|with|through to)? ?(a |an |the |some )?(real |actual |live )?(person|human|representative|rep|operator|somebody|someone|manager|supervisor)\b|\b(real person|human being|live agent|a representative)\b/i;
const THIRD_PARTY =
  /\b(he's not (here|home|in|available)|she's not (here|home|in|available)|this is (his|her) (wife|husband|son|daughter|mother|father|partner|roommate)|i'm (his|her) (wife|husband|son|daughter|mother|father|partner|roommate)|calling (for|on behalf of) (him|her)|not the account holder|wrong (person|number)|(that's|that is) not me|i'm not (him|her)|this isn't [a-z]+|addressed to my (wife|husband|son|daughter|mother|father|partner)|my (wife|husband|son|daughter|mother|father)'s (letter|account|debt|bill))\b/i;

/** Reads what the caller wants from the heard text: keywords, as a rules-based NLU would. */
export function understand(t: Turn, heard: string): Understanding {
  const text = ` ${heard.toLowerCase().replace(/[^a-z0-9' ]/g, " ").replace(/\s+/g, " ")} `;
  const scores = t.pack.agent.intents.map((intent) => ({
    id: intent.id,
    score: intent.keywords.reduce((sum, k) => sum + (text.includes(` ${k.toLowerCase()} `) || text.includes(` ${k.toLowerCase()}`) ? k.split(" ").length : 0), 0),
  }));
  scores.sort((a, b) => b.score - a.score);
  const best = scores[0];
  const second = scores[1];
  const intent = best && best.score > 0 && (!second || best.score > second.score) ? best.id : undefined;
  const trap = t.pack.agent.refusals.find((rule) => rule.keywords.some((k) => text.includes(k.toLowerCase())));
  return {
    ...(intent ? { intent } : {}),
    ...(trap ? { trap } : {}),
    wantsHuman: WANTS_HUMAN.test(heard),
    thirdParty: THIRD_PARTY.test(heard),
  };
}
