import { freeText } from "./capture.ts";

/**
 * A free-text value the caller said the way the pack's opening lines say it: "I want to report a
 * {slot.problem}[ at {slot.address}]." reads "…a water leak at 430 Pine Street." as the address
 * "430 Pine Street". The words just before the placeholder anchor it; the value runs to the
 * words just after it or to the end of the sentence. A value made only of the template's or the
 * question's own words ("at my address") is none.
 */
export function valueFromTemplates(templates: readonly string[], slot: string, heard: string, ownWords: readonly string[] = []): string | undefined {
  const marker = `{slot.${slot}}`;
  for (const template of templates) {
    // Every other placeholder (a tool's answer, an expression) is a gap no anchor reaches across.
    const plain = template
      .replace(/[[\]]/g, "")
      .replace(/\{slot\.([A-Za-z0-9_-]+)(?:[!=][^}|]*)?(?:\|[a-z]+)?\}/g, (_, name: string) => (name === slot ? marker : "\u0001"))
      .replace(/\{[^{}]*\}/g, (whole: string) => (whole === marker ? whole : "\u0001"));
    const at = plain.indexOf(marker);
    if (at < 0) continue;
    const before = wordsOf(plain.slice(0, at).split("\u0001").at(-1) ?? "").slice(-2);
    if (before.length === 0) continue;
    const after = wordsOf(plain.slice(at + marker.length).split("\u0001")[0] ?? "")[0];
    const anchor = before.map(escape).join("\\W+(?:\\w\\W+)?");
    const end = after ? `(?=\\W+${escape(after)}\\b|[.?!]|$)` : "(?=[.?!]|$)";
    const match = new RegExp(`\\b${anchor}\\s+([^.?!]+?)${end}`, "i").exec(heard);
    const value = match?.[1] ? freeText(match[1]) : "";
    const words = wordsOf(value);
    if (words.length === 0 || words.length > 8) continue;
    const known = new Set([...wordsOf(plain), ...ownWords.flatMap(wordsOf), ...FUNCTION_WORDS]);
    if (words.every((word) => known.has(word))) continue;
    return value;
  }
  return undefined;
}

const FUNCTION_WORDS = ["my", "your", "our", "the", "a", "an", "this", "that", "it", "there", "here", "home", "place", "house", "please"];

function wordsOf(text: string): string[] {
  return text.toLowerCase().match(/[a-z0-9']+/g) ?? [];
}

function escape(word: string): string {
  return word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
