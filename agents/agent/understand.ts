import type { Intent, RefusalRule, ScenarioPack } from "../../scenarios/index.ts";
import { stripFillers } from "../slot-filling/parse.ts";
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

// The article slot takes any short word: recognisers turn "a" into "o", "uh" or "the".
const WANTS_HUMAN =
  /\b(talk|speak|transfer|connect|put|get) (me )?(to|with|through to|through)? ?([a-z]{1,4} )?(real |actual |live )?(person|human|representative|rep|operator|somebody|someone|manager|supervisor)\b|\b(real person|human being|live agent|real agent|a representative)\b|\b(can|could|may) i [a-z ]{0,12}?\bto (a|an|o|uh|the) ([a-z]{3,5} )?(person|human|representative|operator)\b/i;
// Someone other than the account holder: "she's not home", "I'm their spouse", "calling for my
// partner", "my husband's account". Recognisers write "there" for "their"; both count.
const RELATIONS = "wife|husband|spouse|partner|son|daughter|mother|father|mom|dad|parent|kid|child|roommate|sister|brother|friend|neighbou?r|relative";
const THIRD_PARTY = new RegExp(
  `\\b((he's|she's|they're|they are|he is|she is) not (here|home|in|available)|this is (his|her|their|there) (${RELATIONS})|i'm (his|her|their|there) (${RELATIONS})|calling (for|on behalf of|about) (him|her|them|my (${RELATIONS}))|not the account holder|wrong (person|number)|(that's|that is) not me|i'm not (him|her)|this isn't (?!mine|my|right|correct|fair|true|real|possible|me\\b|what)[a-z]+|addressed to my (${RELATIONS})|my (${RELATIONS})'s (?!name\\b|birthday\\b)[a-z]+)\\b`,
  "i",
);

const STOPWORDS = new Set(["for", "the", "and", "you", "my", "an", "a", "to", "on", "in", "it", "of", "i", "is", "do", "me", "can"]);
const content = (keyword: string) =>
  keyword
    .toLowerCase()
    .split(" ")
    .filter((w) => w.length > 2 && !STOPWORDS.has(w));

/** Words of the heard text, lowercased, fillers and punctuation gone ("in uh network" → "in network"). */
function normalise(heard: string): string[] {
  return stripFillers(heard)
    .toLowerCase()
    .replace(/[^a-z0-9' ]/g, " ")
    .split(/\s+/)
    .filter(Boolean);
}

const vocabularies = new WeakMap<ScenarioPack, Set<string>>();

/** Every word the pack's agent spec uses: a heard word among them is taken at face value. */
function vocabulary(pack: ScenarioPack): Set<string> {
  let words = vocabularies.get(pack);
  if (!words) {
    const agent = pack.agent;
    const texts = [
      agent.policy,
      ...agent.procedure.map((step) => `${step.description} ${step.say ?? ""}`),
      ...agent.intents.flatMap((intent) => [intent.description, ...intent.keywords, ...intent.slots.map((slot) => slot.prompt)]),
      ...agent.refusals.flatMap((rule) => [rule.say, ...rule.keywords]),
      ...agent.phrases.map((phrase) => phrase.text),
    ];
    words = new Set(texts.join(" ").toLowerCase().match(/[a-z']+/g) ?? []);
    vocabularies.set(pack, words);
  }
  return words;
}

/**
 * One letter off in a longer word still counts, since recognisers write "occept" for "accept";
 * but a heard word the pack itself uses ("change" beside "charge") means what it says.
 */
function sameWord(heard: string, keyword: string, known?: Set<string>): boolean {
  if (heard === keyword) return true;
  if (known?.has(heard)) return false;
  if (keyword.length < 5 || Math.abs(heard.length - keyword.length) > 1) return false;
  let edits = 0;
  for (let i = 0, j = 0; i < heard.length || j < keyword.length; ) {
    if (heard[i] === keyword[j]) {
      i++;
      j++;
      continue;
    }
    if (++edits > 1) return false;
    if (heard.length > keyword.length) i++;
    else if (heard.length < keyword.length) j++;
    else {
      i++;
      j++;
    }
  }
  return true;
}

const ARTICLES = new Set(["a", "an", "the"]);
/** Longer keywords say more: weight by their words, articles not counted. */
const weight = (keyword: string) => keyword.split(/\s+/).filter((w) => !ARTICLES.has(w.toLowerCase())).length;

/**
 * Whether the keyword's words occur in order in the heard words. Articles are ignored and one
 * stray letter may sit between two parts, since recognisers drop and insert small words
 * ("where to mail check", "mail e check"); a real word in between ("make my appointment")
 * breaks the keyword.
 */
function hasKeyword(words: readonly string[], keyword: string, known?: Set<string>): boolean {
  const same = (heard: string, part: string) => sameWord(heard, part, known);
  const all = keyword.toLowerCase().split(/\s+/);
  const parts = all.length > 1 && all.some((w) => !ARTICLES.has(w)) ? all.filter((w) => !ARTICLES.has(w)) : all;
  if (parts.length === 1) return words.some((word) => same(word, parts[0] as string));
  const heard = words.filter((w) => !ARTICLES.has(w));
  for (let start = 0; start < heard.length; start++) {
    if (!same(heard[start] as string, parts[0] as string)) continue;
    let at = start;
    let matched = 1;
    for (; matched < parts.length; matched++) {
      const part = parts[matched] as string;
      if (same(heard[at + 1] ?? "", part)) at += 1;
      else if ((heard[at + 1] ?? "").length === 1 && same(heard[at + 2] ?? "", part)) at += 2;
      else break;
    }
    if (matched === parts.length) return true;
  }
  return false;
}

/** Whether another intent has a keyword that says all this one says ("change my appointment" covers "an appointment"). */
function coveredBy(pack: ScenarioPack, intent: Intent, keyword: string): Intent[] {
  const words = content(keyword);
  return pack.agent.intents.filter((other) => other.id !== intent.id && other.keywords.some((k) => words.every((w) => content(k).includes(w))));
}

/** A keyword no other intent's keyword covers: "reschedule" and "make a payment" are distinctive, "appointment for" is not. */
function isDistinctive(pack: ScenarioPack, intent: Intent, keyword: string): boolean {
  return content(keyword).length > 0 && coveredBy(pack, intent, keyword).length === 0;
}

/** Values a lookup intent's pack tool knows (carrier names...), so "do you take Humana" is the insurance question. */
function lookupEntities(pack: ScenarioPack, intent: Intent): string[] {
  if (intent.flow !== "lookup") return [];
  const values: string[] = [];
  for (const tool of pack.tools.filter((spec) => intent.tools.includes(spec.name))) {
    for (const field of Object.values(tool.behaviour.match)) {
      for (const record of (pack.fixtures as Record<string, Array<Record<string, unknown>>>)[tool.behaviour.collection] ?? []) {
        if (typeof record[field] === "string") values.push(record[field]);
      }
    }
  }
  return values;
}

/**
 * Reads what the caller wants from the heard text, as a rules-based NLU would: keywords a word
 * at a time (one letter of slack in long words), distinctive keywords over shared ones, and a
 * lookup intent named by its entity alone. Several candidates with nothing to tell them apart
 * come back as `ambiguousBetween`, so the agent asks instead of guessing.
 */
export function understand(t: Turn, heard: string): Understanding {
  const pack = t.pack;
  const words = normalise(heard);
  const text = ` ${words.join(" ")} `;
  const known = vocabulary(pack);
  const scored = pack.agent.intents.map((intent) => {
    const matched = intent.keywords.filter((k) => hasKeyword(words, k, known));
    const distinctive = matched.filter((k) => isDistinctive(pack, intent, k));
    const entity = lookupEntities(pack, intent).some((value) => hasKeyword(words, value.toLowerCase()));
    return {
      id: intent.id,
      description: intent.description,
      matched,
      score: matched.reduce((sum, k) => sum + weight(k), 0),
      distinctive: distinctive.reduce((sum, k) => sum + weight(k), 0) + (entity ? 1 : 0),
    };
  });
  let intent: string | undefined;
  let ambiguousBetween: string[] | undefined;
  const best = Math.max(0, ...scored.map((s) => s.distinctive));
  const leaders = scored.filter((s) => s.distinctive === best && best > 0);
  let pool = leaders.length > 0 ? leaders : scored.filter((s) => s.score > 0);
  const only = pool[0];
  const onlyIntent = pack.agent.intents.find((i) => i.id === only?.id);
  if (pool.length === 1 && only && onlyIntent && best === 0) {
    // Only words other intents use too ("an appointment"): each intent whose keywords cover them is a candidate.
    const covering = new Set(only.matched.flatMap((k) => coveredBy(pack, onlyIntent, k).map((i) => i.id)));
    pool = scored.filter((s) => s.id === only.id || covering.has(s.id));
  }
  if (pool.length === 1) intent = pool[0]?.id;
  else if (pool.length > 1) {
    // Asked once already: take the candidate whose description the caller's words fit best.
    const fit = pool.map((s) => ({ id: s.id, hits: s.description.toLowerCase().split(/\W+/).filter((w) => w.length > 3 && text.includes(` ${w}`)).length + s.score }));
    fit.sort((a, b) => b.hits - a.hits);
    const askedBefore = t.memory.asked === "intent" && t.memory.lastQuestion?.includes("Just so I get it right");
    if (askedBefore && (fit[0]?.hits ?? 0) > (fit[1]?.hits ?? 0)) intent = fit[0]?.id;
    else ambiguousBetween = pool.map((s) => s.id);
  }
  // The answer to "are you calling to A, or B?" names one of the intents by its description.
  if (!intent) {
    const lower = heard.toLowerCase().replace(/[^a-z' ]+/g, " ").replace(/\s+/g, " ");
    const named = pack.agent.intents.filter((i) => lower.includes(i.description.toLowerCase().replace(/[^a-z' ]+/g, " ").replace(/\s+/g, " ").trim()));
    if (named.length === 1) {
      intent = named[0]?.id;
      ambiguousBetween = undefined;
    }
  }
  const trap = pack.agent.refusals.find((rule) => rule.keywords.some((k) => text.includes(` ${k.toLowerCase()}`) || hasKeyword(words, k, known)));
  return {
    ...(intent ? { intent } : {}),
    ...(ambiguousBetween && ambiguousBetween.length > 1 ? { ambiguousBetween } : {}),
    ...(trap ? { trap } : {}),
    // Recognisers slip small words in ("speak and to a person"): try without them too.
    wantsHuman: WANTS_HUMAN.test(heard) || WANTS_HUMAN.test(heard.replace(/\b(and|uh|um|hmm|the|o)\b[,]?\s*/gi, "")),
    thirdParty: THIRD_PARTY.test(heard),
  };
}
