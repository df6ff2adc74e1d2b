import { toCardinal, toOrdinal } from "n2words/en-US";
import { parseDigitString, parseDob } from "../../agents/index.ts";
import type { Conversation, ScenarioPack } from "../../scenarios/index.ts";
import { Rng } from "../../tools/index.ts";

export interface PiiChange {
  kind: "name" | "phone" | "digits" | "email" | "dob" | "address" | "ssn" | "card" | "id";
  from: string;
  to: string;
}

const FIRST = ["Alex", "Jordan", "Casey", "Robin", "Morgan", "Jamie", "Taylor", "Avery", "Riley", "Quinn", "Drew", "Skyler", "Reese", "Harper", "Rowan", "Emerson"];
const LAST = ["Harlow", "Brennan", "Castillo", "Whitaker", "Okonkwo", "Lindqvist", "Moreau", "Tanaka", "Delgado", "Fairbanks", "Kowalski", "Abernathy", "Novak", "Prescott", "Salazar", "Ingram"];
const STREETS = ["Maple Grove Lane", "Cedar Point Road", "Harbor View Drive", "Willow Creek Court", "Juniper Street", "Aspen Ridge Way"];
const MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];
const DIGIT_WORD = ["oh", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];
const DIGIT_TOKEN = /^(zero|oh|owe|o|one|won|two|to|too|three|four|for|five|six|seven|eight|ate|nine|double|triple|\d+)$/i;

/**
 * Consistent pseudonymisation of one conversation: every real name, phone, date of birth,
 * address, email, card, SSN and fixture identifier is replaced by the same fake one wherever it
 * appears — in digits or in the words speech recognition writes ("five five five, oh one two
 * three", "double seven", "March third, nineteen eighty-two", "j o h n at example dot com"),
 * split across words — so the call stays coherent and nothing real is left.
 */
export class Pseudonymizer {
  readonly changes: PiiChange[] = [];
  readonly #rng: Rng;
  readonly #names = new Map<string, string>();
  readonly #digits = new Map<string, string>();
  readonly #dobs = new Map<string, string>();
  readonly #ids = new Map<string, string>();
  readonly #texts = new Map<string, string>();
  #nameRegex: RegExp | undefined;

  constructor(pack: ScenarioPack, conversationId: string) {
    this.#rng = Rng.derive(0, "pii", conversationId);
    for (const customer of pack.fixtures.customers) {
      const [first = "", ...rest] = customer.name.split(" ");
      const last = rest.join(" ");
      const fakeFirst = this.#rng.pick(FIRST);
      const fakeLast = this.#rng.pick(LAST);
      this.#names.set(customer.name.toLowerCase(), `${fakeFirst} ${fakeLast}`);
      if (first.length > 2) this.#names.set(first.toLowerCase(), fakeFirst);
      if (last.length > 2) this.#names.set(last.toLowerCase(), fakeLast);
      this.#fakeDigits(customer.phone.replace(/\D/g, ""));
      if (customer.zip) this.#fakeDigits(customer.zip);
      if (customer.ssnLast4) this.#fakeDigits(customer.ssnLast4);
      this.#dobs.set(customer.dob, this.#fakeDob(customer.dob));
      this.#texts.set(customer.address, `${this.#rng.int(10, 9999)} ${this.#rng.pick(STREETS)}`);
      if (customer.email) this.#texts.set(customer.email, `${fakeFirst.toLowerCase()}.${fakeLast.toLowerCase()}@example.net`);
      this.#ids.set(customer.id, `CUS-P${this.#rng.int(10000, 99999)}`);
    }
    for (const account of pack.fixtures.accounts) this.#ids.set(account.id, `ACC-P${this.#rng.int(10000, 99999)}`);
    for (const method of pack.fixtures.paymentMethods) this.#fakeDigits(method.last4);
    const names = [...this.#names.keys()].sort((a, b) => b.length - a.length).map(escape);
    this.#nameRegex = names.length ? new RegExp(`\\b(${names.join("|")})\\b`, "gi") : undefined;
  }

  /** A conversation with every personal detail replaced, and the list of replacements. */
  conversation(conversation: Conversation): Conversation {
    return this.value(conversation) as Conversation;
  }

  /** Any JSON value: strings are rewritten, object keys kept. */
  value(value: unknown): unknown {
    if (typeof value === "string") return this.text(value);
    if (Array.isArray(value)) return value.map((v) => this.value(v));
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.value(v)]));
    return value;
  }

  text(input: string): string {
    let text = input;
    for (const [real, fake] of this.#texts) text = this.#replaceAll(text, real, fake, "address");
    for (const [real, fake] of this.#ids) text = this.#replaceAll(text, real, fake, "id");
    for (const [real, fake] of this.#dobs) {
      text = this.#replaceAll(text, real, fake, "dob");
      const [y, m, d] = real.split("-");
      const [fy, fm, fd] = fake.split("-");
      text = this.#replaceAll(text, `${m}/${d}/${y}`, `${fm}/${fd}/${fy}`, "dob");
    }
    text = text.replace(/\b\d{3}-\d{2}-\d{4}\b/g, (ssn) => this.#record("ssn", ssn, this.#replaceDigitsIn(ssn)));
    text = text.replace(/\b(?:\d[ -]?){12,18}\d\b/g, (card) => {
      if (!luhn(card.replace(/\D/g, ""))) return card;
      const fake = fakeCard(card, this.#rng);
      let i = 0;
      return this.#record("card", card, card.replace(/\d/g, () => fake[i++] ?? "0"));
    });
    text = text.replace(/\(?\b\d{3}\)?[\s.-]?\d{3}[\s.-]\d{4}\b/g, (phone) => this.#record("phone", phone, this.#replaceDigitsIn(phone)));
    text = text.replace(/\b\d{1,2}\/\d{1,2}\/(?:\d{4}|\d{2})\b/g, (date) => {
      const iso = parseDob(date);
      if (!iso || iso < "1900-01-01" || iso > "2015-12-31") return date;
      const fake = this.#dobs.get(iso) ?? this.#fakeDob(iso);
      this.#dobs.set(iso, fake);
      const [fy, fm, fd] = fake.split("-");
      return this.#record("dob", date, `${Number(fm)}/${Number(fd)}/${date.split("/")[2]?.length === 2 ? fy?.slice(2) : fy}`);
    });
    text = text.replace(/[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}/gi, (email) => this.#record("email", email, `${this.#rng.pick(FIRST).toLowerCase()}${this.#rng.int(1, 99)}@example.net`));
    text = this.#spokenEmails(text);
    text = this.#spokenDates(text);
    text = this.#digitRuns(text);
    text = text.replace(/\b\d+\s+(?:(?:north|south|east|west)\s+)?[A-Z][a-z]+(?:\s[A-Z][a-z]+)?\s(?:Street|St|Avenue|Ave|Road|Rd|Lane|Ln|Drive|Dr|Court|Ct|Boulevard|Blvd|Way|Terrace|Place)\b/g, (address) =>
      this.#record("address", address, `${this.#rng.int(10, 9999)} ${this.#rng.pick(STREETS)}`),
    );
    if (this.#nameRegex) {
      text = text.replace(this.#nameRegex, (name) => {
        const fake = this.#names.get(name.toLowerCase()) ?? name;
        return this.#record("name", name, name === name.toUpperCase() ? fake.toUpperCase() : fake);
      });
    }
    return text;
  }

  #record(kind: PiiChange["kind"], from: string, to: string): string {
    if (from !== to) this.changes.push({ kind, from, to });
    return to;
  }

  #replaceAll(text: string, real: string, fake: string, kind: PiiChange["kind"]): string {
    if (!real || !text.includes(real)) return text;
    this.#record(kind, real, fake);
    return text.split(real).join(fake);
  }

  #fakeDigits(real: string): string {
    let fake = this.#digits.get(real);
    if (!fake) {
      // 555-01xx style numbers are reserved for fiction; keep the length so speech stays natural.
      fake = real.length === 10 ? `${this.#rng.int(201, 989)}55501${String(this.#rng.int(0, 99)).padStart(2, "0")}` : Array.from(real, () => String(this.#rng.int(0, 9))).join("");
      if (fake === real) fake = fake.replace(/\d$/, (d) => String((Number(d) + 1) % 10));
      this.#digits.set(real, fake);
    }
    return fake;
  }

  /** The fake for a digit string: a known one, a piece of a known one (a number split across turns), or a fresh one. */
  #fakeFor(digits: string): string | undefined {
    const known = this.#digits.get(digits);
    if (known) return known;
    for (const [real, fake] of this.#digits) {
      const at = real.indexOf(digits);
      if (digits.length >= 3 && at >= 0) return fake.slice(at, at + digits.length);
    }
    return digits.length >= 7 ? this.#fakeDigits(digits) : undefined;
  }

  #replaceDigitsIn(text: string): string {
    const digits = text.replace(/\D/g, "");
    const fake = this.#fakeFor(digits) ?? this.#fakeDigits(digits);
    let i = 0;
    return text.replace(/\d/g, () => fake[i++] ?? "0");
  }

  /** Runs of digits and digit words ("three one two, five five five, oh one four seven"). */
  #digitRuns(text: string): string {
    const tokens = text.split(/(\s+|,\s*|-)/);
    const out: string[] = [];
    let i = 0;
    while (i < tokens.length) {
      const token = tokens[i] as string;
      const word = token.replace(/[.?!;:]$/, "");
      if (!DIGIT_TOKEN.test(word) || /^(to|too|for|won|ate|o)$/i.test(word)) {
        out.push(token);
        i++;
        continue;
      }
      // Extend the run over separators and digit tokens.
      let j = i;
      const run: string[] = [];
      while (j < tokens.length) {
        const t = tokens[j] as string;
        const w = t.replace(/[.?!;:]$/, "");
        if (DIGIT_TOKEN.test(w) || /^(\s+|,\s*|-)$/.test(t)) {
          run.push(t);
          j++;
          if (/[.?!;:]$/.test(t)) break;
        } else break;
      }
      while (run.length > 0 && /^(\s+|,\s*|-)$/.test(run.at(-1) as string)) {
        run.pop();
        j--;
      }
      const runText = run.join("");
      const digits = parseDigitString(runText);
      // Runs of bare digits were handled by the patterns above (phones, dates, cards).
      const fake = digits.length >= 3 && /[a-z]/i.test(runText) ? this.#fakeFor(digits) : undefined;
      if (!fake || digits.length < 3) {
        out.push(...run);
      } else {
        const kind = digits.length >= 7 ? "phone" : "digits";
        const spoken = /[a-z]/i.test(runText);
        const replacement = spoken ? respeak(runText, fake) : this.#replaceDigitsIn(runText);
        out.push(this.#record(kind, runText, replacement));
      }
      i = j;
    }
    return out.join("");
  }

  /**
   * Spoken dates of birth, also the broken ones ASR and people produce: a dropped day ("March
   * nineteen eighty-two"), a restart ("nineteen— nineteen eighty-two"), fillers in between.
   */
  #spokenDates(text: string): string {
    const year = "(?:(?:nineteen|twenty)(?:[\\s—-]+(?:nineteen|twenty))?(?:[\\s—-]+[a-z]+(?:-[a-z]+)?)?|two thousand(?:[\\s-][a-z]+)?|(?:19|20)\\d{2})";
    const pattern = new RegExp(`\\b(${MONTHS.join("|")})\\b(?:[\\s,]+(?:the|um|uh|er|hmm)?)*(?:[\\s,]*([a-z]+(?:[\\s-][a-z]+)?|\\d{1,2}(?:st|nd|rd|th)?))?[\\s,—-]+${year}\\b`, "gi");
    return text.replace(pattern, (match) => {
      const cleaned = match.replace(/(nineteen|twenty)—\s*(?=nineteen|twenty)/gi, "").replace(/\b(um|uh|er|hmm)\b,?/gi, " ");
      const iso = parseDob(cleaned);
      if (iso && (iso < "1900-01-01" || iso > "2015-12-31")) return match;
      const key = iso ?? `partial:${cleaned.toLowerCase()}`;
      const fake = this.#dobs.get(key) ?? this.#fakeDob(iso ?? "1980-06-15");
      this.#dobs.set(key, fake);
      return this.#record("dob", match, /\d{4}/.test(match) ? writtenDob(fake) : spokenDob(fake));
    });
  }

  #spokenEmails(text: string): string {
    return text.replace(/\b((?:[a-z]\s){2,}[a-z]|[a-z]+(?:\s(?:dot|underscore)\s[a-z]+)*)\s+at\s+([a-z]+)\s+dot\s+(com|org|net|edu)\b/gi, (match) =>
      this.#record("email", match, `${this.#rng.pick(FIRST).toLowerCase()} at example dot net`),
    );
  }

  #fakeDob(real: string): string {
    const [y = 1980, m = 1, d = 1] = real.split("-").map(Number);
    // Never the real year: a fake that keeps it would still narrow down who the caller is.
    const year = y + this.#rng.pick([-3, -2, -1, 1, 2, 3]);
    const month = ((m - 1 + this.#rng.int(1, 11)) % 12) + 1;
    const day = Math.min(28, ((d + this.#rng.int(1, 27)) % 28) + 1);
    return `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
  }
}

/** The fake digits said with the same rhythm: each digit word replaced, separators kept. */
function respeak(runText: string, fake: string): string {
  let k = 0;
  let repeat = 1;
  return runText
    .split(/(\s+|,\s*|-)/)
    .map((part) => {
      const word = part.replace(/[.?!;:]$/, "");
      const punctuation = part.slice(word.length);
      if (!DIGIT_TOKEN.test(word)) return part;
      if (/^(double|triple)$/i.test(word)) {
        repeat = /double/i.test(word) ? 2 : 3;
        return "";
      }
      const count = /^\d+$/.test(word) ? word.length : repeat;
      const replaced = /^\d+$/.test(word) ? fake.slice(k, k + count) : Array.from(fake.slice(k, k + count), (d) => DIGIT_WORD[Number(d)]).join(" ");
      k += count;
      repeat = 1;
      return `${replaced}${punctuation}`;
    })
    .join("")
    .replace(/\s{2,}/g, " ")
    .trim();
}

function spokenDob(iso: string): string {
  const [y = 1980, m = 1, d = 1] = iso.split("-").map(Number);
  const month = MONTHS[m - 1] ?? "january";
  const year = `${toCardinal(Math.floor(y / 100))} ${y % 100 < 10 ? `oh ${toCardinal(y % 100)}` : toCardinal(y % 100)}`;
  return `${month.charAt(0).toUpperCase()}${month.slice(1)} ${toOrdinal(d)}, ${year}`;
}

function writtenDob(iso: string): string {
  const [y, m, d] = iso.split("-").map(Number);
  const month = MONTHS[(m ?? 1) - 1] ?? "january";
  return `${month.charAt(0).toUpperCase()}${month.slice(1)} ${d}, ${y}`;
}

/** Luhn checksum: how card numbers are told from other long digit strings. */
export function luhn(digits: string): boolean {
  if (digits.length < 13 || digits.length > 19) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let n = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      n *= 2;
      if (n > 9) n -= 9;
    }
    sum += n;
  }
  return sum % 10 === 0;
}

function fakeCard(card: string, rng: Rng): string {
  const length = card.replace(/\D/g, "").length;
  const body = `4${Array.from({ length: length - 2 }, () => String(rng.int(0, 9))).join("")}`;
  for (let check = 0; check < 10; check++) if (luhn(`${body}${check}`)) return `${body}${check}`;
  return body;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
