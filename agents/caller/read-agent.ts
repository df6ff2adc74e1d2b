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
  | "ask_book_offer"
  | "ask_service"
  | "ask_date"
  | "ask_which_appointment"
  | "ask_carrier"
  | "ask_provider"
  | "ask_amount"
  | "ask_installments"
  | "ask_reason"
  | "ask_method"
  | "ask_how_can_i_help"
  | "third_party_refusal"
  | "refusal"
  | "success"
  | "failure"
  | "ask_repeat"
  | "unknown";

const PATTERNS: Array<[AgentMove, RegExp]> = [
  ["ask_how_can_i_help", /\b(are you calling (to|about)|are you looking to|what are you calling about|how can i help|how may i help|what can i do for you|what can i help)\b/],
  ["third_party_refusal", /\b(only (able to )?(discuss|speak|talk)[^.]*(account holder|patient themselves|directly)|have them call)/],
  ["ask_transfer_after_failure", /(transfer you to a colleague|would you like me to transfer|call back later\?)/],
  ["transfer", /\b(transferring you|connect(ing)? you (now|with)|put(ting)? you through|please hold)\b/],
  ["ask_phone", /\b(phone number|number on (your|the) account|number we have|with that number|the whole number|(the|your) number again|type the number)\b/],
  ["ask_dob", /\b(date of birth|birth ?date|birthday|were you born)\b/],
  ["ask_zip", /\b(zip|postal) code\b/],
  ["ask_ssn", /\b(social security|last four digits of your social)\b/],
  ["ask_name", /\b(your (full )?name|who am i speaking with|may i have your name)\b/],
  ["ask_which_appointment", /\b(which (one|appointment|visit) would you like to|which date is the appointment|which appointment)\b/],
  ["offer_times", /\b(which (time )?works( best)?|which time would you like|which would you (like|prefer)|which of those)\b/],
  ["ask_book_offer", /\bwould you like me to book one\b/],
  ["ask_confirm", /\b(shall i|should i go ahead|should i|would you (still )?like me to|do you (still )?want me to|is that right|is that correct|can i go ahead|still want me to|you'd like to cancel|yes or no)\b[^.]*\?/],
  ["ask_anything_else", /\banything else\b/],
  ["ask_service", /\b(what kind of (visit|appointment)|what (type|sort) of (visit|appointment)|what would you like to come in for|what.*(visit|appointment) (is it|do you need))\b/],
  ["ask_date", /\b(what day|which day|what date|another day|other day|day would work|what dates|around what dates|when would you like|day instead)\b/],
  ["ask_carrier", /\b(which|what) (insurance|carrier|insurance carrier)\b/],
  ["ask_provider", /\b(provider|doctor) you'd like to see\b/],
  ["ask_amount", /\bhow much\b/],
  ["ask_installments", /\bhow many (months|payments|installments)\b/],
  ["ask_reason", /\b(reason|why (do you|you) (dispute|think)|what's the reason)\b/],
  ["ask_method", /\b(another card|which card|card on file you'd like)\b/],
  ["ask_repeat", /\b(say (it|that) (once more|again)|repeat (that|it)|one more time)\b/],
  ["still_there", /\b(are you still there|still with me|still on the line|hello\?)\b/],
  ["refusal", /\b((not|n't) able to (waive|give|share|discuss|skip|offer)|can't (waive|give|share|discuss|skip)|cannot (waive|give|share|discuss)|unable to (waive|give|share)|do need to (confirm|verify))\b/],
  ["goodbye", /\b(goodbye|bye now|have a (great|good|nice) (day|one)|take care)\b/],
  [
    "success",
    /\b(you're all set|is (booked|moved|cancelled)|(booked|moved) for|is cancelled|went through|is set up|i've (noted|recorded|opened)|yes, we do|we don't|in network|out of network|first openings|openings i see|your balance (with [^.]+ )?is|checks and written disputes go)\b/,
  ],
  ["failure", /\b(sorry[^.]*(trouble|not responding|wasn't able|couldn't|error)|system isn't|nothing (was|has been) changed)\b/],
];

/** The most specific move in the agent's words; a question outranks a statement in the same turn. */
export function readAgent(text: string): AgentMove[] {
  const lower = text.toLowerCase();
  return PATTERNS.filter(([, pattern]) => pattern.test(lower)).map(([move]) => move);
}

/** Clock times the agent offered, as it said them ("nine a m", "two thirty p m", "noon"). */
export function offeredTimes(text: string): string[] {
  const lower = text.toLowerCase();
  return [...lower.matchAll(/\b((?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)(?: (?:oh )?[a-z]+(?:ty)?(?: [a-z]+)?)?) ([ap]) ?m\b|\bnoon\b/g)].map((m) =>
    m[0].replace(/\s+/g, " ").trim(),
  );
}
