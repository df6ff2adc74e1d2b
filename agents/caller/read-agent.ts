import { toCardinal } from "n2words/en-US";

/**
 * What the agent just asked or told the caller, read from its words as a person on the phone
 * would: keyword patterns, because the agent may be scripted or a model with its own phrasing.
 */
export type AgentMove =
  | "goodbye"
  | "transfer"
  | "still_there"
  | "ask_phone"
  | "ask_dob"
  | "ask_zip"
  | "ask_ssn"
  | "ask_name"
  | "offer_times"
  | "ask_confirm"
  | "ask_anything_else"
  | "ask_transfer_after_failure"
  | "ask_date"
  | "ask_time"
  | "ask_amount"
  | "ask_installments"
  | "ask_reason"
  | "ask_method"
  | "ask_how_can_i_help"
  | "third_party_refusal"
  | "refusal"
  | "success"
  | "informed"
  | "failure"
  | "ask_repeat"
  | "unknown";

/** Identity questions: the caller answers these from hidden facts, and only these. */
export const IDENTITY_MOVES: readonly AgentMove[] = ["ask_phone", "ask_dob", "ask_zip", "ask_ssn", "ask_name"];

// Order matters twice: the caller answers the first slot question in this order, and a
// question outranks a statement in the same turn (the caller logic checks questions first).
const PATTERNS: Array<[AgentMove, RegExp]> = [
  [
    "ask_how_can_i_help",
    /\b(are you calling (to|about)|are you looking to|what are you calling about|how (can|may|could) (i|we) (help|assist)|what can (i|we) (do|help)|what can i help|what brings you|reason for (your|the|today's) call|what do you need help with|what are you calling for)\b/,
  ],
  ["third_party_refusal", /\b(only (able to )?(discuss|speak|talk|share)[^.]*(account holder|themselves|directly)|have (them|him|her) (call|give us a call))/],
  ["ask_transfer_after_failure", /((would you like|do you want|shall i|should i) (me )?to (transfer|connect) you[^.]*\?|transfer you to a colleague|call back later\?)/],
  [
    "transfer",
    /\b(transferring you|connecting you|(i'll|i will|let me|i'm going to|i am going to|going to) (now )?(transfer|connect) you|put(ting)? you through|please hold|stay on the line while|hold while i (transfer|connect))\b/,
  ],
  [
    "ask_phone",
    /\b((phone|telephone|callback|call back|contact|cell|mobile) number|number (on|for|associated with|linked to) (your|the) account|number we have|number on file|with that number|the whole number|(the|your) number again|type the number|your phone\b|best number|number to reach you|number you're calling from)/,
  ],
  ["ask_dob", /\b(date of birth|birth ?date|birthday|were you born|dob|d o b)\b/],
  ["ask_zip", /\b(zip|postal code|post code)\b/],
  ["ask_ssn", /\b(social security|last (four|4)( digits)? of (your|the) (social|ssn)|ssn)\b/],
  [
    "ask_name",
    /\b(your (full |first and last |first |last )?name\b|name on the account|who am i speaking (with|to)|may i have your name|spell (your|the) (first |last )?name|who('s| is) calling)/,
  ],
  [
    "offer_times",
    /\b(which (time )?works( best)?|which time would you like|which (one )?would you (like|prefer)|which of (those|these)|(would|do|does|will) (any|either|one) of (those|these|them|the times))\b/,
  ],
  [
    "ask_confirm",
    /\b(shall i|should i|shall we|would you (still )?like me to|would you (still )?like to (go ahead|proceed)|do you (still )?want (me )?to|is (that|this) (right|correct|okay|ok|alright)|that's correct|can i go ahead|still want me to|you'd like (me )?to [a-z]+|yes or no|(does|would|will|could|can) (that|this|it) (work|sound|suit|do)|(is|would) (that|this|it) be (okay|ok|alright|all right|fine|good)|works for you|how does (that|this) sound|sound(s)? good|can you confirm (that|this|it)\b|(okay|ok|alright) to (proceed|go ahead)|go ahead with (that|this|it)|want to proceed)\b[^.]*\?/,
  ],
  ["ask_anything_else", /\b(anything else|something else i can|else i can (help|do)|any other questions|other questions (for me|today|i can))\b/],
  [
    "ask_date",
    /\b(what day|which day|what date|which date|another day|other day|day would work|day works|what dates|around what dates|when would you like|day instead|date in mind|when (do|were|are|can|could) you (want|hoping|looking|like|thinking|wanting|come|make|pay)|preferred (day|date)|when (should|will) (the|your) (first )?payment|date for (the|your) (first )?payment)\b/,
  ],
  [
    "ask_time",
    /\b(time of day|mornings? or (afternoons?|evenings?)|afternoons? or mornings?|(particular|specific|preferred) time|what time (works|would|do|is good|is best)|prefer (a |the )?(morning|afternoon|evening)|time preference)\b/,
  ],
  ["ask_amount", /\b(how much|what amount|amount (would|do) you|the amount you('d| would) like)\b/],
  ["ask_installments", /\b(how many (months|payments|installments)|over how many|number of (monthly )?(payments|installments|months))\b/],
  [
    "ask_reason",
    /\b(reason (for|behind) (the|your|this) [a-z]+|why (do|did|are|would) you [a-z]+(?=[^.!]*\?)|why you('re| are) [a-z]+ing\b|what's the reason|(tell me|explain) (a bit |a little )?(more )?(about )?why|about your situation|what happened)\b/,
  ],
  ["ask_method", /\b(another card|which card|card on file you'd like|(which|what) (payment )?method|how would you like to pay|which account would you like to (pay|use))\b/],
  [
    "ask_repeat",
    /\b(say (it|that) (once more|again)|repeat\b|one more time|didn't (quite )?(catch|get|hear) (that|you|the|what|it)|missed (that|what)|come again|pardon\?|say again)/,
  ],
  ["still_there", /\b(are you (still )?there|still with me|still on the line|hello\?|can you hear me)/],
  [
    "refusal",
    /\b(((not|n't) able|unable|can't|cannot|won't be able) to (waive|give|share|discuss|skip|offer|reduce|remove|provide|make an exception|bypass|extend|go beyond|settle|lower|do that)|the (longest|most|maximum|max|best|lowest)\b[^.]* (i|we) can (do|offer|set up|go)|(i|we) can only (offer|do|go up to|set up)|(can't|cannot|won't|can not) (waive|give|share|discuss|skip|offer|reduce|remove|provide|make an exception|bypass|lower|do that)|not something (i|we) can|i'm afraid (i|we) can't|(against|outside( of)?) (our )?policy|not (allowed|permitted) to|do need to (confirm|verify)|need to verify your identity (first|before))/,
  ],
  ["goodbye", /\b(goodbye|bye now|bye\b|have a (great|good|nice|wonderful|lovely) (day|one|evening|afternoon|weekend)|take care)\b/],
  [
    "success",
    /\b(you're (all )?(set|booked|confirmed)|(is|are|has been|have been|is now) (all )?(booked|scheduled|confirmed|moved|cancell?ed|rescheduled|processed|set up|recorded|noted|submitted|in place)|(booked|moved) for|is cancelled|went through|i've (booked|scheduled|rescheduled|cancell?ed|moved|processed|set up|noted|recorded|opened|filed|submitted|put you down|got you (down|booked|in))|all done)\b/,
  ],
  // An answer to a question rather than an action done: settles a caller who only wanted to know.
  [
    "informed",
    /\b(yes, we do|we (do|don't|do not) (accept|take)|we don't\b|in network|out of network|(first|next|earliest) (available )?openings?|openings i see|(your|the) (current |total |remaining |new )?[a-z]+( [a-z]+)? (with [^.]+ )?(is|are|comes? to) [^.?!]*\b(dollars?|cents)\b|(mail|send) (your )?(checks?|payments?|letters?) to|the (mailing )?address is)\b/,
  ],
  [
    "failure",
    /\b(sorry[^.]*(trouble|not responding|error)|system (isn't|is down|is unavailable|is not responding)|nothing (was|has been) changed|(technical|system) (issue|problem|difficult(y|ies)|error)|something went wrong|(having|have) (some )?(trouble|issues|problems) (with|on|on our)|(wasn't|was not|couldn't|could not) (complete|process|save|reach|access|finish))\b/,
  ],
];

/** What the agent's words ask or tell; a question outranks a statement in the same turn. */
export function readAgent(text: string): AgentMove[] {
  const lower = text.toLowerCase().replace(/[’‘]/g, "'");
  const moves = new Set(PATTERNS.filter(([, pattern]) => pattern.test(lower)).map(([move]) => move));
  const isQuestion = lower.includes("?");
  // "Thank you for calling ..." opens calls as often as it ends them: a goodbye only as a whole
  // closing sentence, never cut off mid-greeting.
  if (!isQuestion && /\bthanks? (you )?for calling( [^,.!?]+)?[.!]\s*$/.test(lower) && !/\bthis is\b|\bmy name\b/.test(lower)) moves.add("goodbye");
  // Two or more clock times put to the caller as a question are a choice, however it is phrased.
  if (isQuestion && offeredTimes(lower).length >= 2) moves.add("offer_times");
  // "I can book you with Marco, Ines or Lena. Who would you like?": a choice among things, too.
  if (isQuestion && /\b(who|which)\b[^.?!]*\?\s*$/.test(lower) && /[a-z0-9]+(?:, [a-z0-9]+)* or [a-z0-9]+/.test(lower)) moves.add("offer_times");
  if (moves.has("ask_transfer_after_failure")) moves.delete("transfer");
  // Times read out as an answer, then "anything else?": nothing to choose.
  if (moves.has("ask_anything_else") && !/\b(which|what time)\b[^.?!]*\?/.test(lower)) moves.delete("offer_times");
  if (moves.has("offer_times")) moves.delete("ask_time");
  return PATTERNS.map(([move]) => move).filter((move) => moves.has(move));
}

/**
 * A guess at a question the caller cut off ("What's the phone", "To verify your"): people
 * answer what they expect to be asked. `verifyBy` is the pack's identity field order.
 */
export function readCutOff(text: string, verifyBy: readonly string[], given: readonly AgentMove[]): AgentMove[] {
  const lower = text.toLowerCase();
  if (/\b(shall i|should i|would you (still )?like (me )?to|do you (still )?want (me )?to|is that (right|correct))\b/.test(lower)) return ["ask_confirm"];
  if (offeredTimes(lower).length > 0) return ["offer_times"];
  if (/\bphone\b|\bnumber on\b/.test(lower)) return ["ask_phone"];
  if (/\b(birth|born|date of)\b/.test(lower)) return ["ask_dob"];
  if (/\bsocial\b/.test(lower)) return ["ask_ssn"];
  if (/\b(verify|identity|confirm your)\b/.test(lower)) {
    const byField: Record<string, AgentMove> = { dob: "ask_dob", zip: "ask_zip", ssnLast4: "ask_ssn" };
    const next = verifyBy.map((field) => byField[field]).find((move): move is AgentMove => move !== undefined && !given.includes(move));
    return next ? [next] : [];
  }
  return [];
}

const HOUR_WORDS = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve";

/** Clock times the agent offered, as it said them ("nine a m", "two thirty p m", "noon", "9:30 AM"). */
export function offeredTimes(text: string): string[] {
  const lower = text.toLowerCase().replace(/\b([ap])\.\s?m\.?/g, "$1 m");
  const pattern = new RegExp(`\\b((?:${HOUR_WORDS})(?: (?:oh )?[a-z]+(?:ty)?(?: [a-z]+)?)?) ([ap]) ?m\\b|\\b(\\d{1,2})(?::(\\d{2}))? ?([ap]) ?m\\b|\\bnoon\\b`, "g");
  return [...lower.matchAll(pattern)].map((m) => {
    if (m[3] !== undefined) return digitTime(Number(m[3]), m[4] ? Number(m[4]) : 0, m[5] as string);
    return m[0].replace(/\s+/g, " ").trim();
  });
}

const HOURS = ["twelve", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven"];

/** "9:30 am" → "nine thirty a m", so times offered in digits compare with spoken ones. */
function digitTime(hour: number, minute: number, half: string): string {
  const hourWord = HOURS[hour % 12] ?? String(hour);
  const minuteWords = minute === 0 ? "" : minute < 10 ? ` oh ${toCardinal(minute)}` : ` ${String(toCardinal(minute)).replace(/-/g, " ")}`;
  return `${hourWord}${minuteWords} ${half} m`;
}
