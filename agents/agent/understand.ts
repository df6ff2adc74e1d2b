import type { RefusalRule } from "../../scenarios/index.ts";
import type { Turn } from "./turn.ts";

export interface Understanding {
  /** The intent the words point to, when one clearly wins. */
  intent?: string;
  /** Intents the words could mean when only a word they share matched ("appointment"). */
  ambiguousBetween?: string[];
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

const STOPWORDS = new Set(["for", "the", "and", "you", "my", "an", "a", "to", "on", "in", "it", "of"]);

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
  let intent = best && best.score > 0 && (!second || best.score > second.score) ? best.id : undefined;
  let ambiguousBetween: string[] | undefined;
  if (intent) {
    // A match only on words other intents use too ("appointment for") is a guess: ask instead.
    const own = t.pack.agent.intents.find((i) => i.id === intent);
    const matched = (own?.keywords ?? []).filter((k) => text.includes(` ${k.toLowerCase()}`));
    const content = (k: string) => k.toLowerCase().split(" ").filter((w) => w.length > 2 && !STOPWORDS.has(w));
    const sharedWord = (k: string) => {
      const words = content(k);
      return words.length === 1 && t.pack.agent.intents.some((other) => other.id !== intent && other.keywords.some((ok) => content(ok).includes(words[0] ?? "")));
    };
    if (matched.length > 0 && matched.every(sharedWord)) {
      const words = matched.flatMap(content);
      ambiguousBetween = t.pack.agent.intents.filter((i) => i.id === intent || i.keywords.some((k) => words.some((w) => content(k).includes(w)))).map((i) => i.id);
      // Asked once already: take the candidate whose description the caller's words fit best.
      if (t.memory.asked === "intent" && t.memory.repeats >= 0 && t.memory.lastQuestion?.includes("Just so I get it right")) {
        const scored = ambiguousBetween.map((id) => {
          const description = t.pack.agent.intents.find((i) => i.id === id)?.description.toLowerCase() ?? "";
          return { id, hits: description.split(/\W+/).filter((w) => w.length > 3 && text.includes(w)).length };
        });
        scored.sort((a, b) => b.hits - a.hits);
        intent = scored[0]?.id;
        ambiguousBetween = undefined;
      } else {
        intent = undefined;
      }
    }
  }
  const trap = t.pack.agent.refusals.find((rule) => rule.keywords.some((k) => text.includes(k.toLowerCase())));
  return {
    ...(intent ? { intent } : {}),
    ...(ambiguousBetween && ambiguousBetween.length > 1 ? { ambiguousBetween } : {}),
    ...(trap ? { trap } : {}),
    wantsHuman: WANTS_HUMAN.test(heard),
    thirdParty: THIRD_PARTY.test(heard),
  };
}
