import { parseName, stripFillers } from "./parse.ts";
import { parseDigits } from "./spoken-numbers.ts";

/**
 * A free-text answer: its first sentence, without the acknowledgement, lead-in and courtesy around
 * it ("Yep! A limp. Poor thing." → "A limp"); a code said in pieces comes back whole
 * ("K T X four eight two one" → "KTX4821", "three three five one nine zero" → "335190").
 */
export function freeText(heard: string): string {
  const answer = stripFillers(heard)
    .replace(/^(?:(?:yeah|yep|yes|sure|so|well|okay|ok|right|oh|fine|good|great|alright|all right|sorry)\b[,.!—-]*\s*)+/i, "")
    .replace(/^(?:(?:it's|it is)\W*\s*)+(?=\S)/i, "")
    .replace(/^(that's|i have|i need|i'd like)\s+/i, "");
  const first = (answer.split(/(?<=[.!?])\s+/)[0] ?? answer).replace(/[.!?]+$/, "").replace(/,?\s*(please|thanks|thank you)$/i, "");
  // "Sorry, go ahead" after talking over the agent hands the turn back; it answers nothing.
  if (/^(go|go ahead|go on|you go|what|what was that|huh)$/i.test(first.trim())) return "";
  return codeIn(first) ?? first;
}

/** The code in a short answer made only of letters, digits and digit words; undefined when it is words. */
function codeIn(text: string): string | undefined {
  const parts = text.replace(/[—–,]/g, " ").split(/\s+/).filter(Boolean);
  if (parts.length === 0) return undefined;
  const isPiece = (part: string) => /^[A-Z]$/.test(part) || /^[A-Za-z]*\d[A-Za-z0-9-]*$/.test(part) || DIGIT_WORD.test(part);
  if (!parts.every(isPiece) || !parts.some((part) => /\d/.test(part) || DIGIT_WORD.test(part))) return undefined;
  let code = "";
  let spoken: string[] = [];
  for (const part of [...parts, ""]) {
    if (part && DIGIT_WORD.test(part)) {
      spoken.push(part);
      continue;
    }
    // "double five" and "oh" read as digits only together with their neighbours.
    code += parseDigits(spoken.join(" ")) + part.replace(/-/g, "").toUpperCase();
    spoken = [];
  }
  return code || undefined;
}

const DIGIT_WORD = /^(zero|oh|one|two|three|four|five|six|seven|eight|nine|double|triple)$/i;

/**
 * A person's name out of what the caller said ("Sorry, I'm here. It's Dana Whitfield."), not the
 * whole utterance: the longest run of capitalised words that are not fillers, else the words
 * after "my name is" / "it's", else (when asked) a short answer's words.
 */
export function captureName(heard: string, onlyIfClear: boolean): string | undefined {
  const tokens = heard.split(/\s+/).filter(Boolean);
  let best: string[] = [];
  let run: string[] = [];
  for (const [i, token] of [...tokens, ""].entries()) {
    const word = token.replace(/[^A-Za-z'-]/g, "").replace(/^-+|-+$/g, "");
    // "June Park" is a name, "June second" a date: a month is a month only before a day.
    const nextWord = (tokens[i + 1] ?? "").replace(/[^A-Za-z'-]/g, "").toLowerCase();
    const isDate = MONTH.test(word.toLowerCase()) && (CALENDAR_OR_NUMBER.test(nextWord) || /^\d/.test(tokens[i + 1] ?? ""));
    const isName = /^[A-Z]/.test(word) && !isDate && (MONTH.test(word.toLowerCase()) ? !NOT_NAME.has(word.toLowerCase()) : !notName(word));
    // "Clover— Clover", "Gomez— Gomes": a stammered name is one name, even misheard the second time.
    if (isName && !stammered(run.at(-1), word)) run.push(word);
    // A name ends at a pause ("Grace Liu. Can we move along?").
    if (!isName || /[,.!?;:]$/.test(token)) {
      if (run.length > best.length) best = run;
      run = [];
    }
  }
  // Unasked, only a name the caller introduces counts ("this is Dana Whitfield").
  if (onlyIfClear && !/\b(my name is|this is|name's|under the name|under)\s+[A-Z]/.test(heard)) return undefined;
  if (best.length >= 2 && best.length <= 4) return best.join(" ");
  // Commas go ("it's, uh, Gomez"); a full stop stays, so "It's Gomez. Can we…" is not "Gomez Can".
  const introduced = parseName(heard.replace(/,/g, " "));
  if (introduced && introduced.split(" ").every((w) => !notName(w))) return introduced;
  // Asked for a name, a short answer with one capitalised word gives it ("Biscuit, please.").
  const content = tokens.map((w) => w.replace(/[^A-Za-z'-]/g, "")).filter((w) => w && !notName(w));
  if (!onlyIfClear && best.length === 1 && content.length <= 2) return best[0];
  // Without capitals (a recogniser that lowercases), a short answer's words are the name.
  if (onlyIfClear || /[A-Z]/.test(heard)) return undefined;
  const words = content.filter((w, i) => w !== content[i - 1]);
  if (words.length === 0 || words.length > 4) return undefined;
  return words.map((w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase()).join(" ");
}

const NOT_NAME = new Set(
  "it's its it et's is my name name's this i i'm im am the full please sorry that's oh yes yeah yep sure okay ok right well so um uh hm hmm er ah here go on what was a an and of for hello hi hey thanks thank you just at on in by can could would should shall do does did we you he she they us me your our their no not but if then how why when where who".split(" "),
);

/** The same word said twice, the second time maybe one letter off ("Gomez— Gomes"). */
function stammered(previous: string | undefined, word: string): boolean {
  if (previous === undefined) return false;
  if (previous === word) return true;
  if (previous.length < 4 || previous.length !== word.length) return false;
  let differ = 0;
  for (let i = 0; i < word.length; i++) if (previous[i]?.toLowerCase() !== word[i]?.toLowerCase()) differ++;
  return differ <= 1;
}

/** Words that are never a name, however capitalised: fillers, and the words of dates and numbers. */
function notName(word: string): boolean {
  const lower = word.toLowerCase();
  return NOT_NAME.has(lower) || CALENDAR_OR_NUMBER.test(lower);
}

const MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december";
const MONTH = new RegExp(`^(${MONTHS})$`);

const CALENDAR_OR_NUMBER = new RegExp(
  `^(${MONTHS}|monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|tomorrow|zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|\\w+teenth|\\w+tieth)(-\\w+)?$`,
);

