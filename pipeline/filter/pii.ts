import { parseDob } from "../../agents/index.ts";
import type { Conversation, ScenarioPack } from "../../scenarios/index.ts";
import { Rng } from "../../tools/index.ts";
import { addHiddenFacts, classifyField, cloneCatalog, type PiiCatalog, phoneDigits, piiCatalog } from "./pii-catalog.ts";
import { cleanSpokenDate, findDigitRuns, respeakRun, SPOKEN_DATE, sayDob, yearTail } from "./pii-spoken.ts";

export interface PiiChange {
  kind: "name" | "phone" | "digits" | "email" | "dob" | "address" | "ssn" | "card" | "id";
  from: string;
  to: string;
}

export interface PseudonymizerOptions {
  /** The call's scenario hidden facts: a generated variant may carry identifiers the pack's seeds do not. */
  hiddenFacts?: Record<string, unknown>;
  /** The run's seed: the same call id in another run gets other fakes. */
  seed?: number;
}

// Pools of fakes; any name the pack uses is taken out per pack, so a fake never names a real person.
const FIRST = ["Ansel", "Bettina", "Corwin", "Dagny", "Evander", "Fenella", "Gideon", "Honora", "Ignatius", "Juniper", "Kestrel", "Leopold", "Marisol", "Niall", "Oriana", "Percival", "Rosalind", "Soren", "Tamsin", "Ulric", "Vesna", "Wendell", "Xanthe", "Yannick", "Zelda", "Anouk", "Bram", "Cosima", "Desmond", "Elowen", "Fitzroy", "Greer", "Hollis", "Imogen", "Jasper", "Linnea", "Magnus", "Nola", "Osric", "Philippa", "Quentin", "Romilly", "Sabine", "Thaddeus", "Undine", "Viggo", "Winifred", "Yvaine"];
const LAST = ["Ashdown", "Bellweather", "Carrow", "Dunmore", "Eversley", "Fairleigh", "Galbraith", "Hollingsworth", "Ingleby", "Jessop", "Kilbride", "Larkspur", "Merriweather", "Northcott", "Ogilvy", "Pemberton", "Quayle", "Rathbone", "Stroud", "Thackeray", "Underhill", "Vandermeer", "Wolcott", "Yardley", "Zwicker", "Ainsworth", "Blackwood", "Calloway", "Darrow", "Ellery", "Fenwick", "Gresham", "Hartigan", "Ivesdale", "Jellicoe", "Kettering", "Lockhart", "Mallory", "Nettleton", "Ormsby", "Pendleton", "Quarles", "Rookwood", "Sandoval-Pike", "Tresham", "Umberley", "Voss", "Whitcombe"];
const STREETS = ["Maple Grove Lane", "Cedar Point Road", "Harbor View Drive", "Willow Creek Court", "Juniper Street", "Aspen Ridge Way", "Foxglove Terrace", "Quarry Hill Road", "Lantern Row", "Bramble Court"];
const CITIES = ["Springfield", "Riverton", "Fairview", "Greenville", "Lakewood", "Brookfield"];
// Common words that are also surnames or first names: matched only when capitalised.
const COMMON_WORDS = new Set(["frank", "grace", "hill", "will", "may", "rose", "june", "april", "bill", "park", "lake", "brooks", "young", "king", "price", "long", "green", "white", "black", "brown", "hope", "joy", "mark", "art", "carter", "miles", "page", "rich", "sterling", "chase", "dean", "hunter", "mason", "wood", "woods", "stone", "banks", "case", "bell", "ward", "booker", "cook"]);
const NUMBER_WORDS = "(?:oh|zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|and)";
const MONEY_KEY = /(cents|amount|price|total|balance|fee|count|duration|min|installment|qty|quantity|limit|latency|seq|turn|at$)/i;

/**
 * Consistent pseudonymisation of one call: one entity map per call, built from the pack's
 * identifiers (any collection, found by field names and shapes) and the scenario's hidden facts,
 * so each real name, phone, date of birth, email, address, card, SSN, ZIP and id gets one fake used
 * in every form and place — caller and agent speech (digits, "oh", grouped, split across turns,
 * fillers inside), tool arguments and results, session and world changes. A fake phone's last
 * four are the fake of the real last four, so `phone_last4` in a result still matches; a spoken
 * fake date of birth is the ISO fake in the arguments. Fakes never reuse a real name or value.
 */
export class Pseudonymizer {
  readonly changes: PiiChange[] = [];
  readonly #rng: Rng;
  readonly #catalog: PiiCatalog;
  /** Real digit string → fake of the same length. */
  readonly #digits = new Map<string, string>();
  readonly #areas = new Map<string, string>();
  readonly #exchanges = new Map<string, string>();
  readonly #dobs = new Map<string, string>();
  readonly #names = new Map<string, string>();
  readonly #ids = new Map<string, string>();
  readonly #emails = new Map<string, string>();
  readonly #addresses = new Map<string, string>();
  readonly #usedFakes = new Set<string>();
  /** Every fake digit string made, so text that goes through twice keeps its fakes. */
  readonly #fakeDigitValues = new Set<string>();
  /** Real digit values of four or more digits: no fake may contain one. */
  readonly #realDigits: string[];
  #nameRegex: RegExp | undefined;
  #idRegex: RegExp | undefined;

  constructor(pack: ScenarioPack, conversationId: string, options: PseudonymizerOptions = {}) {
    this.#rng = Rng.derive(options.seed ?? 0, "pii", conversationId);
    let catalog = piiCatalog(pack);
    if (options.hiddenFacts && Object.keys(options.hiddenFacts).length) {
      catalog = cloneCatalog(catalog);
      addHiddenFacts(catalog, options.hiddenFacts);
    }
    this.#catalog = catalog;
    this.#realDigits = [...catalog.digits.keys()].filter((d) => d.length >= 4);
    // Fakes are made in a fixed order up front, so every export of a call (SFT row, pairs) agrees.
    const persons = [...catalog.persons].sort((a, b) => `${a.first} ${a.last}`.localeCompare(`${b.first} ${b.last}`));
    for (const { first, last } of persons) {
      this.#fakeName(first, FIRST);
      if (last) this.#fakeName(last, LAST);
    }
    for (const iso of [...catalog.dobs].sort()) this.#fakeDob(iso);
    const digits = [...catalog.digits.entries()].sort(([a, ka], [b, kb]) => order(ka) - order(kb) || a.localeCompare(b));
    for (const [real, kind] of digits) if (kind === "phone-line" || kind === "last4" || kind === "ssn-last4") this.#fakeDigitsFor(real, kind);
    for (const [real, kind] of digits) this.#fakeDigitsFor(real, kind);
    for (const id of [...catalog.ids].sort()) this.#fakeId(id);
    for (const email of [...catalog.emails].sort()) this.#fakeEmail(email);
    for (const address of [...catalog.addresses].sort()) this.#fakeAddress(address);
    const names = [...this.#names.keys()].sort((a, b) => b.length - a.length).map(escape);
    this.#nameRegex = names.length ? new RegExp(`(?<![A-Za-z])(${names.join("|")})(?![A-Za-z])`, "gi") : undefined;
    const ids = [...this.#ids.keys()].sort((a, b) => b.length - a.length).map(escape);
    this.#idRegex = ids.length ? new RegExp(`(?<![A-Za-z0-9])(${ids.join("|")})(?![A-Za-z0-9])`, "gi") : undefined;
  }

  /** A conversation with every personal detail replaced. */
  conversation(conversation: Conversation): Conversation {
    this.learn(conversation);
    return this.value(conversation) as Conversation;
  }

  /**
   * Registers the phone numbers and names a value holds before anything is replaced, so a number
   * not in the fixtures that is said in pieces ("three one two" in one turn, the rest in the next)
   * gets the same fake in every piece, whichever piece comes first, and a name the caller said
   * before a tool was called with it gets the fake the argument gets.
   */
  learn(value: unknown): void {
    const walkValue = (v: unknown, key = ""): void => {
      if (typeof v === "string") {
        // A name in a tool's arguments or answer is learnt before the speech that said it is rewritten.
        if (key && classifyField(key, v) === "name") this.#learnName(v);
        const runs = findDigitRuns(v);
        for (const run of runs) if (run.digits.length >= 4 && !this.#digits.has(run.digits)) this.#fakeForRun(run.digits, run.isSpoken, v.slice(run.start, run.end));
        const joined = runs.map((r) => r.digits).join("");
        if (runs.length > 1 && joined.length === 10 && !this.#digits.has(joined)) this.#fakeDigitsFor(joined, "phone");
      } else if (Array.isArray(v)) v.forEach((item) => walkValue(item, key));
      else if (v && typeof v === "object") for (const [k, item] of Object.entries(v)) walkValue(item, k);
    };
    walkValue(value);
  }

  /** Any JSON value: strings are rewritten, identifier numbers replaced, object keys kept. */
  value(value: unknown, key = ""): unknown {
    if (typeof value === "string") return this.#field(key, value);
    if (typeof value === "number" && Number.isInteger(value) && value >= 1000 && !MONEY_KEY.test(key)) {
      const fake = this.#digits.get(String(value));
      return fake && !fake.startsWith("0") ? Number(fake) : value;
    }
    if (Array.isArray(value)) return value.map((v) => this.value(v, key));
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.value(v, k)]));
    return value;
  }

  /** A string in a named field: an unknown date of birth or phone in a field that says so is still one. */
  #field(key: string, text: string): string {
    const kind = key ? classifyField(key, text) : undefined;
    if (kind === "dob" && /^\d{4}-\d{2}-\d{2}$/.test(text) && this.#isBirthDate(text)) return this.#record("dob", text, this.#fakeDob(text));
    if (kind === "phone" && /^[\d\s().+-]+$/.test(text)) {
      const digits = phoneDigits(text);
      if (digits.length === 10 && !this.#fakeDigitValues.has(digits)) return this.#record("phone", text, this.#replaceDigitsIn(text, this.#fakeDigitsFor(digits, "phone")));
    }
    if (kind === "name") this.#learnName(text);
    return this.text(text);
  }

  /**
   * A person the pack does not know (a generated caller, or a name as misheard) named in a record or
   * an argument: fake its tokens too. A name the pack holds outside its people (a provider, a
   * creditor) is no one's to hide.
   */
  #learnName(text: string): void {
    const words = text.split(/\s+/).filter((w) => /^[A-Z][a-z'’-]+$/.test(w));
    const isKnownWord = (w: string) => this.#catalog.nameTokens.has(w.toLowerCase()) || this.#usedFakes.has(w);
    if (words.length === 0 || this.#hasKnownName(text) || words.some(isKnownWord)) return;
    for (const [i, w] of words.entries()) this.#fakeName(w, i === 0 ? FIRST : LAST);
    this.#rebuildNameRegex();
  }

  text(input: string): string {
    let text = input;
    text = text.replace(/[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}/gi, (email) => this.#record("email", email, this.#fakeEmail(email.toLowerCase())));
    if (this.#idRegex) text = text.replace(this.#idRegex, (id) => this.#record("id", id, this.#ids.get(id) ?? this.#ids.get(id.toUpperCase()) ?? id));
    text = this.#knownAddresses(text);
    text = this.#dates(text);
    text = this.#spokenEmails(text);
    text = this.#digitRuns(text);
    text = text.replace(/\b\d+\s+(?:(?:north|south|east|west)\s+)?[A-Z][a-z]+(?:\s[A-Z][a-z]+)?\s(?:Street|St|Avenue|Ave|Road|Rd|Lane|Ln|Drive|Dr|Court|Ct|Boulevard|Blvd|Way|Terrace|Place)\b/g, (address) => {
      if ([...this.#addresses.values()].some((fake) => fake.startsWith(address))) return address;
      return this.#record("address", address, this.#fakeAddress(address).split(",")[0] ?? address);
    });
    text = this.#spelledNames(text);
    if (this.#nameRegex) {
      text = text.replace(this.#nameRegex, (name) => {
        const lower = name.toLowerCase();
        // A common word that is also a name ("Frank", "Hill") counts only when capitalised.
        if (COMMON_WORDS.has(lower) && !/^[A-Z]/.test(name)) return name;
        const fake = this.#names.get(lower) ?? name;
        return this.#record("name", name, name === name.toUpperCase() && name.length > 1 ? fake.toUpperCase() : name === lower ? fake.toLowerCase() : fake);
      });
    }
    return text;
  }

  // ------------------------------------------------------------ replacing

  #record(kind: PiiChange["kind"], from: string, to: string): string {
    if (from !== to) this.changes.push({ kind, from, to });
    return to;
  }

  /** Names spelt out on the phone ("L-O-P-E-Z", "l o p e z"): the fake spelt the same way. */
  #spelledNames(text: string): string {
    if (!/(?<![A-Za-z])[A-Za-z][\s.,-]{1,3}[A-Za-z][\s.,-]{1,3}[A-Za-z](?![A-Za-z])/.test(text)) return text;
    let out = text;
    for (const [real, fake] of this.#names) {
      const pattern = new RegExp(`(?<![A-Za-z])${[...real].map(escape).join("[\\s.,-]{1,3}")}(?![A-Za-z])`, "gi");
      out = out.replace(pattern, (match) => {
        const separator = /[A-Za-z]([\s.,-]{1,3})[A-Za-z]/.exec(match)?.[1] ?? " ";
        const letters = [...fake].map((c) => (match.charAt(0) === match.charAt(0).toUpperCase() ? c.toUpperCase() : c.toLowerCase()));
        return this.#record("name", match, letters.join(separator));
      });
    }
    return out;
  }

  #knownAddresses(text: string): string {
    let out = text;
    for (const [real, fake] of [...this.#addresses].sort(([a], [b]) => b.length - a.length)) {
      if (out.toLowerCase().includes(real.toLowerCase())) out = out.replace(new RegExp(escape(real), "gi"), (m) => this.#record("address", m, fake));
      // The street said with its number in words ("fourteen twenty West Elm Street") or without one.
      const street = /^\d+\s+(.+)$/.exec(real.split(",")[0]?.trim() ?? "")?.[1];
      if (!street || street.split(/\s+/).length < 2 || !out.toLowerCase().includes(street.toLowerCase())) continue;
      const fakeStreet = fake.split(",")[0] ?? fake;
      out = out.replace(new RegExp(`(?:\\b(?:\\d+|${NUMBER_WORDS})[\\s-]+){0,5}${escape(street)}\\b`, "gi"), (m) => this.#record("address", m, /^[a-z\d]/i.test(m) && /^\D/.test(m) && m.toLowerCase().startsWith(street.toLowerCase()) ? fakeStreet.replace(/^\d+\s+/, "") : fakeStreet));
    }
    return out;
  }

  #dates(text: string): string {
    let out = text.replace(/\b\d{4}-\d{2}-\d{2}\b/g, (iso) => {
      const fake = this.#dobs.get(iso);
      return fake ? this.#record("dob", iso, fake) : iso;
    });
    out = out.replace(/\b(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})\b/g, (date, m: string, sep: string, d: string, y: string) => {
      const iso = parseDob(`${m}/${d}/${y}`);
      if (!iso || !this.#isBirthDate(iso)) return date;
      const [fy = "", fm = "", fd = ""] = this.#fakeDob(iso).split("-");
      const month = m.length === 2 ? fm : String(Number(fm));
      const day = d.length === 2 ? fd : String(Number(fd));
      return this.#record("dob", date, `${month}${sep}${day}${sep}${y.length === 2 ? fy.slice(2) : fy}`);
    });
    return this.#spokenDates(out);
  }

  /** Spoken dates of birth; a match that is none is searched again from its second word ("May— May fourteenth…"). */
  #spokenDates(text: string): string {
    return text.replace(SPOKEN_DATE, (match, _month: string, day: string | undefined, year: string) => {
      const replaced = this.#spokenDate(match, _month, day, year);
      if (replaced !== match) return replaced;
      const head = /^\S+\s*/.exec(match)?.[0] ?? match;
      return head.length < match.length ? head + this.#spokenDates(match.slice(head.length)) : match;
    });
  }

  #spokenDate(match: string, _month: string, day: string | undefined, year: string): string {
    const cleaned = cleanSpokenDate(match);
    const isWritten = /\d{4}/.test(year);
    if (day) {
      const iso = parseDob(cleaned);
      if (iso && this.#isBirthDate(iso)) return this.#record("dob", match, sayDob(this.#fakeDob(iso), isWritten && /\d/.test(day), true));
      // A misheard century ("April ninth, ninety seventy-one"): the known birth date with that day and year ending.
      const monthDay = parseDob(`${cleanSpokenDate(_month)} ${cleanSpokenDate(day)}, 2000`)?.slice(4);
      const tail = yearTail(cleanSpokenDate(year));
      const real = [...this.#dobs.keys()].find((d) => d.slice(4) === monthDay && Number(d.slice(2, 4)) === tail);
      return real ? this.#record("dob", match, sayDob(this.#dobs.get(real) as string, false, true)) : match;
    }
    // A dropped day ("March nineteen eighty-two"): the month and year of a known birth date.
    const parsed = parseDob(`${cleanSpokenDate(_month)} 1, ${cleanSpokenDate(year)}`);
    const month = parsed?.slice(0, 7);
    const real = [...this.#dobs.keys()].find((iso) => iso.slice(0, 7) === month);
    if (!real) return match;
    return this.#record("dob", match, sayDob(this.#dobs.get(real) as string, isWritten, false));
  }

  #isBirthDate(iso: string): boolean {
    if (!this.#dobs.has(iso) && [...this.#dobs.values()].includes(iso)) return false;
    return this.#dobs.has(iso) || (iso >= "1900-01-01" && iso <= "2012-12-31");
  }

  #spokenEmails(text: string): string {
    return text.replace(/\b((?:[a-z]\s){2,}[a-z]|[a-z]+(?:\s(?:dot|underscore)\s[a-z]+)*)\s+at\s+([a-z]+)\s+dot\s+(com|org|net|edu)\b/gi, (match) => {
      const written = match.replace(/\s+dot\s+/gi, ".").replace(/\s+underscore\s+/gi, "_").replace(/\s+at\s+/i, "@").replace(/\b([a-z])\s(?=[a-z]\b)/gi, "$1").toLowerCase();
      const fake = this.#fakeEmail(written);
      return this.#record("email", match, fake.replace("@", " at ").replace(/\./g, " dot "));
    });
  }

  #digitRuns(text: string): string {
    const runs = findDigitRuns(text);
    if (!runs.length) return text;
    let out = "";
    let at = 0;
    for (const run of runs) {
      // Text that went through once keeps its fakes when it goes through again.
      if (this.#fakeDigitValues.has(run.digits) || this.#fakeDigitValues.has(run.allDigits)) continue;
      // "ten thirty", "two fifteen": times and amounts said in pairs are numbers, not identifiers,
      // unless they are exactly a known value.
      const isPairsOnly = run.pieces.every((p) => p.style === "pair") && run.digits.length <= 4;
      if (isPairsOnly && !this.#digits.has(run.digits)) continue;
      const original = text.slice(run.start, run.end);
      // Every word read as a digit first: a misheard "won" inside a real number is still that number.
      const whole = run.allDigits !== run.digits ? this.#knownFake(run.allDigits) : undefined;
      const fake = whole ?? this.#fakeForRun(run.digits, run.isSpoken, original);
      if (!fake || fake === (whole ? run.allDigits : run.digits)) continue;
      out += text.slice(at, run.start);
      out += this.#record(run.digits.length >= 10 ? "phone" : "digits", original, respeakRun(text, run, fake, { keptOnly: !whole }));
      at = run.end;
    }
    return out + text.slice(at);
  }

  /** The fake for digits that are, hold or are part of a known value; undefined for anything else. */
  #knownFake(digits: string): string | undefined {
    const known = this.#digits.get(digits);
    if (known) return known;
    const partial = this.#partialFake(digits);
    if (partial) return partial;
    const inside = this.#knownInside(digits);
    return inside;
  }

  /** The fake digits for a run: a known value, an aligned piece of one (a number split across turns), or a new phone. */
  #fakeForRun(digits: string, isSpoken: boolean, original: string): string | undefined {
    const known = this.#digits.get(digits);
    if (known) return known;
    const partial = this.#partialFake(digits);
    if (partial) return partial;
    if (digits.length === 10 || (digits.length === 11 && digits.startsWith("1"))) {
      // A typed date ("2026-03-10 09") is no phone.
      if (!isSpoken && !/^[\s()+.-]*\d{3}[\s().-]*\d{3}[\s.-]*\d{4}$/.test(original.replace(/^\+?1[\s.-]*/, ""))) {
        if (!/^\d{10,11}$/.test(original)) return undefined;
      }
      const phone = digits.slice(-10);
      const fake = this.#fakeDigitsFor(phone, "phone");
      return digits.length === 11 ? `1${fake}` : fake;
    }
    const inside = this.#knownInside(digits);
    if (inside) {
      // A garbled run ("oh five three two oh two") the agent may have read only in part: each
      // piece of five or more digits keeps the fake's piece, so the arguments still match.
      for (let at = 0; at < digits.length; at++) {
        for (let end = at + 5; end <= digits.length; end++) if (!this.#digits.has(digits.slice(at, end))) this.#setDigits(digits.slice(at, end), inside.slice(at, end));
      }
      return inside;
    }
    if (isSpoken && digits.length >= 7) return this.#fakeDigitsFor(digits, "number");
    if (!isSpoken && /^\d{3}-\d{2}-\d{4}$/.test(original)) return this.#fakeDigitsFor(digits, "ssn");
    if (!isSpoken && digits.length >= 13 && digits.length <= 19 && luhn(digits)) return this.#fakeDigitsFor(digits, "card");
    return undefined;
  }

  /** A piece of a known value (a number split across turns): the same piece of its fake. */
  #partialFake(digits: string): string | undefined {
    if (digits.length < 3) return undefined;
    const memoPhones = [...this.#digits.keys()].filter((d) => d.length === 10 && !this.#catalog.digits.has(d)).map((d) => [d, "phone"] as const);
    for (const [real, kind] of [...this.#catalog.digits, ...memoPhones]) {
      if (kind === "dob-digits" || real.length <= digits.length) continue;
      const at = real.indexOf(digits);
      if (at < 0) continue;
      // Phones split where people pause: area code, exchange, line.
      if (kind === "phone" && ![0, 3, 6].includes(at)) continue;
      if (kind !== "phone" && digits.length < 4) continue;
      return this.#fakeDigitsFor(real, kind).slice(at, at + digits.length);
    }
    return undefined;
  }

  /** A run that holds a known value among other digits ("oh, five three two oh two"): that part replaced. */
  #knownInside(digits: string): string | undefined {
    if (digits.length > 24) return undefined;
    let out = digits;
    const known = [...this.#digits.keys()].filter((d) => d.length >= 4 && d.length < digits.length).sort((a, b) => b.length - a.length);
    for (const real of known) {
      const at = out.indexOf(real);
      if (at >= 0 && digits.slice(at, at + real.length) === real) out = out.slice(0, at) + (this.#digits.get(real) as string) + out.slice(at + real.length);
    }
    return out === digits ? undefined : out;
  }

  #replaceDigitsIn(text: string, fake: string): string {
    let i = 0;
    return text.replace(/\d/g, () => fake[i++] ?? "0");
  }

  // ------------------------------------------------------------ making fakes

  #setDigits(real: string, fake: string): void {
    this.#digits.set(real, fake);
    this.#fakeDigitValues.add(fake);
  }

  #fakeName(real: string, pool: readonly string[]): string {
    const key = real.toLowerCase();
    if (key.length < 3) return real;
    const known = this.#names.get(key);
    if (known) return known;
    const free = pool.filter((n) => !this.#catalog.nameTokens.has(n.toLowerCase()) && !this.#usedFakes.has(n));
    const fake = free.length ? this.#rng.pick(free) : `${this.#rng.pick(pool)}${this.#rng.int(2, 99)}`;
    this.#usedFakes.add(fake);
    this.#names.set(key, fake);
    return fake;
  }

  #hasKnownName(text: string): boolean {
    return text.split(/[^A-Za-z'’-]+/).some((w) => this.#names.has(w.toLowerCase()));
  }

  #rebuildNameRegex(): void {
    const names = [...this.#names.keys()].sort((a, b) => b.length - a.length).map(escape);
    this.#nameRegex = names.length ? new RegExp(`(?<![A-Za-z])(${names.join("|")})(?![A-Za-z])`, "gi") : undefined;
  }

  #fakeDob(real: string): string {
    const known = this.#dobs.get(real);
    if (known) return known;
    const [y = 1980, m = 1, d = 1] = real.split("-").map(Number);
    let fake = real;
    for (let attempt = 0; attempt < 20 && (fake === real || this.#catalog.dobs.has(fake) || this.#usedFakes.has(fake)); attempt++) {
      // Never the real year: a fake that keeps it would still narrow down who the caller is.
      const year = y + this.#rng.pick([-3, -2, -1, 1, 2, 3]);
      const month = ((m - 1 + this.#rng.int(1, 11)) % 12) + 1;
      const day = Math.min(28, ((d + this.#rng.int(1, 27)) % 28) + 1);
      fake = `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
    }
    this.#usedFakes.add(fake);
    this.#dobs.set(real, fake);
    const [fy, fm, fd] = fake.split("-");
    const [ry, rm, rd] = real.split("-");
    this.#setDigits(`${rm}${rd}${ry}`, `${fm}${fd}${fy}`);
    this.#setDigits(`${rm}${rd}${ry?.slice(2)}`, `${fm}${fd}${fy?.slice(2)}`);
    return fake;
  }

  /** A fake of the same length that contains no real value and differs from every other fake. */
  #fakeDigitsFor(real: string, kind: string): string {
    const known = this.#digits.get(real);
    if (known) return known;
    let fake = "";
    if (kind === "phone" || kind === "phone-local") {
      // Composed group by group (area, exchange, line), never redrawn: a number said in pieces or
      // misheard in one group keeps the other groups' fakes, as the agent's reading does.
      const local = real.slice(-7);
      const compose = () => `${kind === "phone" ? this.#fakeGroup(this.#areas, real.slice(0, 3)) : ""}${this.#fakeGroup(this.#exchanges, local.slice(0, 3))}${this.#fakeDigitsFor(local.slice(3), "phone-line")}`;
      fake = compose();
      // A misheard area code kept as heard may run into a real value ("012" + "5550198" holds
      // "0125"): such an area gets a fake of its own.
      if (kind === "phone" && this.#areas.get(real.slice(0, 3)) === real.slice(0, 3) && this.#realDigits.some((r) => fake.includes(r))) {
        let area = "";
        while (!area || area.includes("00")) area = String(this.#rng.int(201, 989));
        this.#areas.set(real.slice(0, 3), area);
        fake = compose();
      }
    } else {
      for (let attempt = 0; attempt < 60; attempt++) {
        fake = this.#draftDigits(real, kind, attempt);
        const spoken = kind === "phone-line" ? `555${fake}` : fake;
        // "oh oh" is two weak words a listener drops: a fake never holds two zeros in a row.
        const isClean = attempt >= 50 || !fake.includes("00");
        if (isClean && fake !== real && !this.#usedFakes.has(fake) && !this.#realDigits.some((r) => spoken.includes(r)) && !(attempt < 59 && this.#catalog.digits.has(fake))) break;
      }
    }
    this.#usedFakes.add(fake);
    this.#setDigits(real, fake);
    return fake;
  }

  #draftDigits(real: string, kind: string, attempt: number): string {
    const random = (n: number) => Array.from({ length: n }, () => String(this.#rng.int(0, 9))).join("");
    switch (kind) {
      case "phone-line":
      case "last4":
      case "ssn-last4":
        return attempt < 30 && real.length === 4 ? `01${String(this.#rng.int(10, 99))}` : random(real.length);
      case "ssn":
        return `${random(5)}${this.#fakeDigitsFor(real.slice(5), "ssn-last4")}`;
      case "card": {
        const last4 = this.#fakeDigitsFor(real.slice(-4), "last4");
        const body = `4${random(real.length - 6)}`;
        for (let check = 0; check < 10; check++) if (luhn(`${body}${check}${last4}`)) return `${body}${check}${last4}`;
        return `${body}0${last4}`;
      }
      default:
        return (real.startsWith("0") ? "0" : String(this.#rng.int(1, 9))) + random(real.length - 1);
    }
  }

  /**
   * A phone group's fake, one per call: a real area code or exchange gets another that no real
   * number uses; the fictional exchange 555 and groups no real number has stay as they are.
   */
  #fakeGroup(map: Map<string, string>, real: string): string {
    const known = map.get(real);
    if (known) return known;
    const isArea = map === this.#areas;
    const realGroups = new Set([...this.#catalog.digits].filter(([, k]) => k === "phone").map(([d]) => (isArea ? d.slice(0, 3) : d.slice(3, 6))));
    let fake = real;
    if (realGroups.has(real) && real !== "555") {
      for (let i = 0; i < 40 && (fake === real || realGroups.has(fake) || [...map.values()].includes(fake) || /^\d11$|00/.test(fake)); i++) fake = isArea ? String(this.#rng.int(201, 989)) : "555";
    }
    map.set(real, fake);
    return fake;
  }

  #fakeId(real: string): string {
    const known = this.#ids.get(real);
    if (known) return known;
    const digits = real.replace(/\D/g, "");
    const fakeDigits = digits.length >= 6 ? this.#fakeDigitsFor(digits, "number") : undefined;
    let fake = real;
    for (let attempt = 0; attempt < 30 && (fake === real || this.#catalog.allIds.has(fake) || this.#usedFakes.has(fake) || this.#realDigits.some((r) => fake.replace(/\D/g, "").includes(r))); attempt++) {
      let i = 0;
      // Letters before the first digit or dash are a type prefix ("CUS-", "MBR"); the rest changes.
      const prefix = /^[A-Za-z]+-?/.exec(real)?.[0] ?? "";
      // A short number ("PM-3") has too few fakes that are not real ids: a fake gets four digits.
      const body = real.slice(prefix.length).replace(/^\d{1,3}$/, (d) => d.padStart(4, "0"));
      fake =
        prefix +
        body
          .replace(/\d/g, () => (fakeDigits && attempt === 0 ? (fakeDigits[i++] ?? "0") : String(this.#rng.int(0, 9))))
          .replace(/[A-Z]/g, () => String.fromCharCode(65 + this.#rng.int(0, 25)));
    }
    this.#usedFakes.add(fake);
    this.#ids.set(real, fake);
    return fake;
  }

  #fakeEmail(real: string): string {
    const known = this.#emails.get(real);
    if (known) return known;
    const local = real.split("@")[0] ?? "";
    const tokens = local.split(/[._+-]/).map((t) => this.#names.get(t.toLowerCase())?.toLowerCase());
    const named = tokens.filter(Boolean);
    let fake = named.length ? `${named.join(".")}@example.net` : `${this.#rng.pick(FIRST).toLowerCase()}${this.#rng.int(1, 99)}@example.net`;
    if (this.#usedFakes.has(fake)) fake = fake.replace("@", `${this.#rng.int(1, 99)}@`);
    this.#usedFakes.add(fake);
    this.#emails.set(real, fake);
    return fake;
  }

  #fakeAddress(real: string): string {
    const known = this.#addresses.get(real);
    if (known) return known;
    const parts = real.split(",");
    // Never a street or town of the pack's own addresses.
    const used = [...this.#catalog.addresses].join(" ").toLowerCase();
    const streets = STREETS.filter((street) => !used.includes(street.toLowerCase()));
    const cities = CITIES.filter((city) => !used.includes(city.toLowerCase()));
    const street = `${this.#rng.int(10, 9899)} ${this.#rng.pick(streets.length ? streets : STREETS)}`;
    const fake = parts.length > 1 ? [street, this.#rng.pick(cities.length ? cities : CITIES), ...parts.slice(2)].join(", ").replace(/,\s+/g, ", ") : street;
    this.#addresses.set(real, fake);
    // The street alone ("1420 West Elm Street") is said more often than the whole line.
    const realStreet = parts[0]?.trim();
    if (realStreet && parts.length > 1 && !this.#addresses.has(realStreet)) this.#addresses.set(realStreet, street);
    return fake;
  }
}

const order = (kind: string) => ["phone-line", "last4", "ssn-last4", "phone", "phone-local", "ssn", "card", "zip", "number", "dob-digits"].indexOf(kind);

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

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

