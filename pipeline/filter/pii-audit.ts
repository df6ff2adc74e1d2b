import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { parseDob } from "../../agents/index.ts";
import type { ScenarioPack } from "../../scenarios/index.ts";
import { addHiddenFacts, classifyField, cloneCatalog, type PiiCatalog, piiCatalog } from "./pii-catalog.ts";
import { toCardinal, toOrdinal } from "n2words/en-US";
import { cleanSpokenDate, findDigitRuns, SPOKEN_DATE, sayYear } from "./pii-spoken.ts";

/** One real value found in an exported file. */
export interface PiiLeak {
  kind: string;
  value: string;
  file: string;
  /** The text it was found in, shortened. */
  context: string;
}

/** An identifier a tool was called with that nothing earlier in the row gave the agent. */
export interface UnsupportedArgument {
  file: string;
  row: number;
  tool: string;
  key: string;
  value: string;
}

export interface PiiAudit {
  /** Real identifier values that appear (in any form) in the run's raw conversations. */
  exposedValues: number;
  /** Of those, how many still appear in some exported file. */
  leakedValues: number;
  /** 1 − leaked / exposed (1 when nothing was exposed). */
  recall: number;
  leaks: PiiLeak[];
  /** Identifier arguments of exported tool calls that were checked. */
  toolArguments: number;
  unsupported: UnsupportedArgument[];
  files: string[];
}

interface RealValue {
  kind: string;
  value: string;
  /** Whether a text holds this value, in any form. */
  isIn: (text: Scanned) => boolean;
}

/** A text with what the checks need read once: lower case, digit runs, spoken dates of birth. */
interface Scanned {
  raw: string;
  lower: string;
  runs: string[];
  /** Digit runs read without the agent's rules: every digit-like word counts, fillers and punctuation skipped. */
  naiveRuns: string[];
  /** Lower case, fillers, restarts and punctuation out: "january seventeenth two thousand three". */
  plain: string;
  dobs: Set<string>;
}

/**
 * PII recall of a run directory: which of the pack's real identifiers (names, phones, birth
 * dates, emails, addresses, ZIPs, SSNs, cards, ids — every form: digits, words, grouped, with
 * fillers, spoken dates) the exported files still contain, and which exported tool arguments no
 * earlier user turn or tool result supports. Values count only when the raw calls contain them.
 */
export function auditPii(pack: ScenarioPack, runDir: string): PiiAudit {
  // The run's own scenarios may carry people the pack's seeds do not (a generator's variants).
  const catalog = cloneCatalog(piiCatalog(pack));
  for (const row of readJsonl(join(runDir, "scenarios.jsonl"))) {
    const facts = (row as { scenario?: { hiddenFacts?: Record<string, unknown> } }).scenario?.hiddenFacts;
    if (facts) addHiddenFacts(catalog, facts);
  }
  const values = realValues(catalog);
  const rawTexts = stringsOf(readJsonl(join(runDir, "conversations.jsonl"))).map(scan);
  const exposed = values.filter((v) => rawTexts.some((t) => v.isIn(t)));

  const files = exportedFiles(runDir);
  const leaks: PiiLeak[] = [];
  const leaked = new Set<RealValue>();
  for (const file of files) {
    for (const text of stringsOf(readJsonl(file)).map(scan)) {
      for (const value of exposed) {
        if (leaked.has(value) || !value.isIn(text)) continue;
        leaked.add(value);
        const at = Math.max(0, text.lower.indexOf(value.value.toLowerCase()));
        leaks.push({ kind: value.kind, value: value.value, file: relative(runDir, file), context: text.raw.slice(Math.max(0, at - 60), at + 80) });
      }
    }
  }

  const unsupported: UnsupportedArgument[] = [];
  let toolArguments = 0;
  for (const file of files.filter((f) => /(sft|dpo|preference)\.jsonl$/.test(f))) {
    readJsonl(file).forEach((row, index) => {
      for (const messages of conversationsOfRow(row)) {
        const checked = checkArguments(messages);
        toolArguments += checked.count;
        for (const miss of checked.unsupported) unsupported.push({ file: relative(runDir, file), row: index, ...miss });
      }
    });
  }
  return {
    exposedValues: exposed.length,
    leakedValues: leaked.size,
    recall: exposed.length ? 1 - leaked.size / exposed.length : 1,
    leaks,
    toolArguments,
    unsupported,
    files: files.map((f) => relative(runDir, f)),
  };
}

// ---------------------------------------------------------------- real values and their forms

function realValues(catalog: PiiCatalog): RealValue[] {
  const out: RealValue[] = [];
  const words = (text: string) => new RegExp(`(?<![A-Za-z])${escape(text)}(?![A-Za-z])`, "i");
  const seen = new Set<string>();
  for (const { first, last } of catalog.persons) {
    for (const token of [first, last]) {
      const key = token.toLowerCase();
      if (token.length < 3 || seen.has(key)) continue;
      seen.add(key);
      const pattern = words(token);
      // A name that is also a word ("Grace", "Hill") is a name only when capitalised.
      const capital = new RegExp(`(?<![A-Za-z])${escape(token.charAt(0).toUpperCase() + token.slice(1))}(?![A-Za-z])`);
      const spelled = new RegExp(`(?<![A-Za-z])${[...token].map(escape).join("[\\s.,-]{1,3}")}(?![A-Za-z])`, "i");
      out.push({ kind: "name", value: token, isIn: (t) => (pattern.test(t.raw) && (capital.test(t.raw) || !COMMONISH.has(key))) || spelled.test(t.raw) });
    }
  }
  for (const [digits, kind] of catalog.digits) {
    out.push({ kind, value: digits, isIn: (t) => t.runs.some((run) => run.includes(digits)) || t.naiveRuns.some((run) => run.includes(digits)) });
  }
  for (const iso of catalog.dobs) {
    const said = spokenDobParts(iso);
    out.push({ kind: "dob", value: iso, isIn: (t) => t.raw.includes(iso) || t.dobs.has(iso) || said.some(([monthDay, year]) => near(t.plain, monthDay, year)) });
  }
  for (const email of catalog.emails) {
    const spoken = email.replace("@", " at ").replace(/\./g, " dot ");
    out.push({ kind: "email", value: email, isIn: (t) => t.lower.includes(email) || t.lower.includes(spoken) });
  }
  for (const address of catalog.addresses) {
    const street = (address.split(",")[0] ?? address).trim().toLowerCase();
    const name = street.replace(/^\d+\s+/, "");
    out.push({ kind: "address", value: street, isIn: (t) => t.lower.includes(street) || (name.split(" ").length >= 2 && new RegExp(`(?<![a-z])${escape(name)}(?![a-z])`).test(t.lower)) });
  }
  for (const id of catalog.ids) {
    const pattern = new RegExp(`(?<![A-Za-z0-9])${escape(id)}(?![A-Za-z0-9])`, "i");
    out.push({ kind: "id", value: id, isIn: (t) => pattern.test(t.raw) });
  }
  return out;
}

const COMMONISH = new Set(["frank", "grace", "hill", "will", "may", "rose", "june", "april", "bill", "park", "lake", "brooks", "young", "king", "price", "long", "green", "white", "black", "brown", "hope", "joy", "mark", "art", "carter", "miles", "page", "rich", "sterling", "chase", "dean", "hunter", "mason", "wood", "woods", "stone", "banks", "case", "bell", "ward", "booker", "cook"]);

function scan(raw: string): Scanned {
  const dobs = new Set<string>();
  for (const match of raw.matchAll(SPOKEN_DATE)) {
    const iso = parseDob(cleanSpokenDate(match[0]));
    if (iso) dobs.add(iso);
  }
  for (const match of raw.matchAll(/\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})\b/g)) {
    const iso = parseDob(`${match[1]}/${match[2]}/${match[3]}`);
    if (iso) dobs.add(iso);
  }
  const plain = raw
    .toLowerCase()
    // Dates and clock times are read on their own (birth dates above), not as digit strings.
    .replace(/\b\d{4}-\d{2}-\d{2}(t[\d:.+-]+z?)?\b/g, " date ")
    .replace(/\b\d{1,2}:\d{2}\b/g, " time ")
    .replace(/\b([a-z]+)[—–]\s*/g, " ")
    .replace(/\b(uh+|um+|er+|erm|hmm+|hm+|ah+|like)\b/g, " ")
    .replace(/[^a-z0-9]+/g, " ")
    .trim();
  return { raw, lower: raw.toLowerCase(), runs: findDigitRuns(raw).map((r) => r.digits), naiveRuns: naiveDigitRuns(plain), plain, dobs };
}

const NAIVE_DIGITS: Record<string, string> = { zero: "0", oh: "0", o: "0", one: "1", won: "1", two: "2", to: "2", too: "2", three: "3", four: "4", for: "4", five: "5", six: "6", seven: "7", eight: "8", ate: "8", nine: "9" };

/** An independent second reading of digits, more eager than the agent's, so the audit does not share the pseudonymiser's blind spots. */
function naiveDigitRuns(plain: string): string[] {
  const runs: string[] = [];
  let run = "";
  let repeat = 1;
  for (const word of plain.split(" ")) {
    if (word === "double" || word === "triple") {
      repeat = word === "double" ? 2 : 3;
      continue;
    }
    const digits = /^\d+$/.test(word) ? word : NAIVE_DIGITS[word];
    if (digits === undefined) {
      if (run) runs.push(run);
      run = "";
    } else run += digits.repeat(repeat);
    repeat = 1;
  }
  if (run) runs.push(run);
  return runs;
}

/** [month and day, year] as a caller says them: ["january seventeenth", "two thousand three"], with variants. */
function spokenDobParts(iso: string): Array<[string, string]> {
  const [y = 0, m = 1, d = 1] = iso.split("-").map(Number);
  const month = MONTH_NAMES[m - 1] ?? "";
  const days = [String(toOrdinal(d)), String(toCardinal(d)), String(d)].map((w) => w.replace(/-/g, " "));
  const years = [sayYear(y), `${Math.floor(y / 100) === 20 ? "two thousand and" : ""} ${y % 100 ? String(toCardinal(y % 100)) : ""}`, String(y)].map((w) => w.replace(/-/g, " ").replace(/\s+/g, " ").trim());
  return days.flatMap((day) => years.filter((year) => year.split(" ").length > 1 || /^\d{4}$/.test(year)).map((year): [string, string] => [`${month} ${day}`, year]));
}

function near(plain: string, first: string, second: string): boolean {
  for (let at = plain.indexOf(first); at >= 0; at = plain.indexOf(first, at + 1)) {
    if (plain.slice(at + first.length, at + first.length + 40).includes(second)) return true;
  }
  return false;
}

const MONTH_NAMES = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];

// ---------------------------------------------------------------- tool arguments

type Message = { role: string; content?: unknown; tool_calls?: Array<{ function?: { name?: string; arguments?: string } }> };

/** Every message list a row holds: an SFT row's messages, a preference row's input with each output. */
function conversationsOfRow(row: unknown): Message[][] {
  if (!row || typeof row !== "object") return [];
  const r = row as Record<string, unknown>;
  if (Array.isArray(r.messages)) return [r.messages as Message[]];
  const input = (r.input as { messages?: Message[] } | undefined)?.messages ?? (Array.isArray(r.prompt) ? (r.prompt as Message[]) : undefined);
  if (!input) return [];
  const outputs = [r.preferred_output, r.non_preferred_output, r.chosen, r.rejected].filter(Array.isArray) as Message[][];
  return outputs.map((output) => [...input, ...output]);
}

function checkArguments(messages: Message[]): { count: number; unsupported: Array<{ tool: string; key: string; value: string }> } {
  let count = 0;
  const unsupported: Array<{ tool: string; key: string; value: string }> = [];
  const heard: Scanned[] = [];
  const results: string[] = [];
  for (const message of messages) {
    const text = typeof message.content === "string" ? message.content : "";
    if (message.role === "user") heard.push(scan(text));
    if (message.role === "tool") results.push(text);
    if (message.role !== "assistant") continue;
    for (const call of message.tool_calls ?? []) {
      let args: unknown;
      try {
        args = JSON.parse(call.function?.arguments ?? "{}");
      } catch {
        continue;
      }
      for (const [key, value] of leaves(args)) {
        if (!isIdentifierArgument(key, value)) continue;
        count++;
        if (!isSupported(key, String(value), heard, results)) unsupported.push({ tool: call.function?.name ?? "?", key, value: String(value) });
      }
    }
  }
  return { count, unsupported };
}

function isIdentifierArgument(key: string, value: unknown): boolean {
  if (typeof value !== "string" && typeof value !== "number") return false;
  const kind = classifyField(key, value);
  if (kind) return true;
  // Record ids that carry a number (CUS-1001, APT-2044); catalogue keys such as SVC-SICK are the pack's, not a person's.
  return /(^|_)id$|Id$/.test(key) && typeof value === "string" && /\d/.test(value);
}

function isSupported(key: string, value: string, heard: Scanned[], results: string[]): boolean {
  const resultText = results.join("\n");
  if (resultText.includes(value) || resultText.includes(JSON.stringify(value).slice(1, -1))) return true;
  const lowerHeard = heard.map((h) => h.lower).join("\n");
  if (lowerHeard.includes(value.toLowerCase())) return true;
  const kind = classifyField(key, value);
  if (kind === "dob") {
    if (heard.some((h) => h.dobs.has(value) || parseDob(h.raw) === value)) return true;
    const [y, m, d] = value.split("-");
    const stream = heard.flatMap((h) => h.runs).join("");
    return stream.includes(`${m}${d}${y}`) || stream.includes(`${m}${d}${y?.slice(2)}`);
  }
  if (kind === "name") return value.split(/\s+/).every((token) => lowerHeard.includes(token.toLowerCase()) || resultText.toLowerCase().includes(token.toLowerCase()));
  const digits = value.replace(/\D/g, "");
  if (digits.length >= 3) {
    // Said in pieces over several turns counts: the digits the caller gave, in order.
    const stream = heard.flatMap((h) => h.runs).join("");
    if (stream.includes(digits)) return true;
    if (resultText.replace(/[^\d"]/g, "").includes(digits)) return true;
  }
  return false;
}

function leaves(value: unknown, key = ""): Array<[string, unknown]> {
  if (Array.isArray(value)) return value.flatMap((v) => leaves(v, key));
  if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => leaves(v, k));
  return [[key, value]];
}

// ---------------------------------------------------------------- files

/** The files a run hands to others: everything under dataset/, and the reject pile. */
export function exportedFiles(runDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".jsonl")) out.push(path);
    }
  };
  walk(join(runDir, "dataset"));
  if (existsSync(join(runDir, "rejects.jsonl"))) out.push(join(runDir, "rejects.jsonl"));
  return out;
}

function readJsonl(file: string): unknown[] {
  if (!existsSync(file)) return [];
  const out: unknown[] = [];
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      // A torn last line is no export.
    }
  }
  return out;
}

/** Every string and number in the rows, JSON strings inside strings (tool arguments, results) included as themselves. */
function stringsOf(rows: unknown[]): string[] {
  const out: string[] = [];
  const walkValue = (v: unknown) => {
    if (typeof v === "string") out.push(v);
    else if (typeof v === "number") out.push(String(v));
    else if (Array.isArray(v)) v.forEach(walkValue);
    else if (v && typeof v === "object") Object.values(v).forEach(walkValue);
  };
  rows.forEach(walkValue);
  return out;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
