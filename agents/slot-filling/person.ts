/**
 * A request's words from one side of the call to the other. An intent's `description` may be
 * written as the agent says it ("cancel your membership") or as the caller does ("cancel my
 * membership"); the agent offers it in its voice and the caller says it in its own.
 */

const TO_AGENT: Record<string, string> = { "i'm": "you're", "i've": "you've", "i'd": "you'd", "i'll": "you'll", myself: "yourself", my: "your", mine: "yours", me: "you", i: "you" };
const TO_CALLER: Record<string, string> = { "you're": "I'm", "you've": "I've", "you'd": "I'd", "you'll": "I'll", yourself: "myself", your: "my", yours: "mine" };

/** Words after which "you" is the object ("for you"), so the caller says "me", not "I". */
const OBJECT_BEFORE = new Set(["to", "for", "with", "at", "from", "about", "of", "by", "call", "help", "tell", "send", "give", "show", "ask", "let"]);

/** "cancel my membership" → "cancel your membership": the caller's words as the agent says them. */
export function toAgentVoice(text: string): string {
  return swapWords(text, (word) => TO_AGENT[word]);
}

/** "cancel your membership" → "cancel my membership": the agent's words as the caller says them. */
export function toCallerVoice(text: string): string {
  return swapWords(text, (word, before) => (word === "you" ? (OBJECT_BEFORE.has(before) ? "me" : "I") : TO_CALLER[word]));
}

/** Each word swapped once, over the original words (so "my" → "your" is never swapped back). */
function swapWords(text: string, swap: (word: string, before: string) => string | undefined): string {
  let before = "";
  return text.replace(/[A-Za-z'’]+/g, (word: string, at: number) => {
    const lower = word.toLowerCase().replace(/’/g, "'");
    const swapped = swap(lower, before);
    before = lower;
    if (swapped === undefined) return word;
    // A capital that opened the text stays; "I" is a capital anywhere.
    return at === 0 && /^[A-Z]/.test(word) ? swapped.charAt(0).toUpperCase() + swapped.slice(1) : swapped;
  });
}
