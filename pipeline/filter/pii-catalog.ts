import type { ScenarioPack } from "../../scenarios/index.ts";

/**
 * The real identifiers of a pack, found by field names and value shapes rather than by the
 * shipped packs' collection names: a pack written tomorrow keeps its members in `members` with a
 * `contact_phone`, and its identifiers must be found all the same.
 */
export interface PiiCatalog {
  /** Person names as [first, last] (last may be empty), from personal records, personas and hidden facts. */
  persons: Array<{ first: string; last: string }>;
  /** Real digit strings: phones (10 digits), their local part and last four, ZIPs, SSNs, cards, ids' digits. */
  digits: Map<string, DigitKind>;
  /** Real dates of birth, ISO. */
  dobs: Set<string>;
  emails: Set<string>;
  /** Street addresses as written in the fixtures ("1420 West Elm Street, Chicago"). */
  addresses: Set<string>;
  /** Identifiers with letters ("CUS-2001", "MBR-88412093") of personal records. */
  ids: Set<string>;
  /** Every name token of the pack, lower case: fakes never use one. */
  nameTokens: Set<string>;
  /** Every record id of the pack: fake ids never equal one. */
  allIds: Set<string>;
}

export type DigitKind = "phone" | "phone-local" | "phone-line" | "zip" | "ssn" | "ssn-last4" | "card" | "last4" | "number" | "dob-digits";

export type FieldKind = "name" | "phone" | "dob" | "email" | "address" | "ssn" | "zip" | "card" | "id" | "number";

const PERSON = /^(?:(?:[Dd]r|[Mm]r|[Mm]rs|[Mm]s|[Mm]iss|[Pp]rof)\.?\s+)?[A-Z][a-zA-Z'’-]+(?:\s+[A-Z][a-zA-Z'’.-]*){0,3}$/;
const EMAIL = /^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$/i;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * What kind of identifier a field holds, from its name and its value; undefined when it holds
 * none. Keys are matched loosely (camelCase, snake_case, kebab-case all read the same).
 */
export function classifyField(key: string, value: unknown): FieldKind | undefined {
  if (typeof value !== "string" && typeof value !== "number") return undefined;
  const text = String(value).trim();
  const k = key.replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();
  const digits = text.replace(/\D/g, "");
  if (!text) return undefined;
  // Money, counts and times are never identifiers, however long their digits.
  if (/(cents|amount|price|total|balance|fee|count|duration|installment|quantity|limit|latency|minutes|(^|_)min$|seconds|(^|_)ms$)/.test(k)) return undefined;
  if (EMAIL.test(text)) return "email";
  if (/(^|_)(dob|birth|born|birthday|birthdate|date_of_birth)(_|$)/.test(k) || /birth/.test(k)) return ISO_DATE.test(text) || /^\d{1,2}\/\d{1,2}\/\d{2,4}$/.test(text) ? "dob" : undefined;
  if (/(phone|mobile|cell|(^|_)tel(_|$)|fax|callback|contact_number)/.test(k) && digits.length >= 7) return "phone";
  if (/(ssn|social)/.test(k) && digits.length >= 4) return "ssn";
  if (/(zip|postal|postcode)/.test(k) && /\d/.test(text)) return "zip";
  if (/(card|iban|routing|acct|account_(number|no|num)|last_?4|last_?four)/.test(k) && digits.length >= 4 && digits.length === text.replace(/[\s-]/g, "").length) return "card";
  if (/(address|street)/.test(k) && /\d/.test(text) && /[a-z]{3}/i.test(text)) return "address";
  if (/(^|_)(name|first|last|full_name|surname|given)(_|$)|name$|(guest|holder|spouse|patient|contact|owner|beneficiary|caregiver|emergency|person|pickup|recipient|payer|relative|parent|child|authori[sz]ed)/.test(k)) {
    return typeof value === "string" && PERSON.test(text) ? "name" : undefined;
  }
  if (/((^|_)id$|(^|_)(number|num|no|code)$|member|policy|(^|_)rx(_|$)|mrn|license|passport|customer|account|patient|subscriber)/.test(k)) {
    if (/^[A-Za-z0-9][A-Za-z0-9-]*$/.test(text) && digits.length >= 3) return /[a-z]/i.test(text) ? "id" : "number";
    return undefined;
  }
  // A long digit string is an identifier whatever its field is called (a date or a time is not).
  if (/^\d{4}-\d{2}-\d{2}/.test(text) || /^\d{1,2}:\d{2}/.test(text)) return undefined;
  if (digits.length >= 6 && /^[\d\s().+-]+$/.test(text)) return digits.length === 10 || digits.length === 11 ? "phone" : "number";
  return undefined;
}

/** "(614) 555-0131" → "6145550131"; a leading country code 1 is dropped. */
export function phoneDigits(text: string): string {
  const digits = text.replace(/\D/g, "");
  return digits.length === 11 && digits.startsWith("1") ? digits.slice(1) : digits;
}

const cache = new WeakMap<ScenarioPack, PiiCatalog>();

/** The pack's identifiers (cached per pack object). */
export function piiCatalog(pack: ScenarioPack): PiiCatalog {
  const known = cache.get(pack);
  if (known) return known;
  const catalog = buildCatalog(pack);
  cache.set(pack, catalog);
  return catalog;
}

type AnyRecord = Record<string, unknown>;

function buildCatalog(pack: ScenarioPack): PiiCatalog {
  const catalog: PiiCatalog = { persons: [], digits: new Map(), dobs: new Set(), emails: new Set(), addresses: new Set(), ids: new Set(), nameTokens: new Set(), allIds: new Set() };
  const collections = Object.entries(pack.fixtures as Record<string, AnyRecord[]>).sort(([a], [b]) => a.localeCompare(b));
  const records = collections.flatMap(([, list]) => list ?? []);
  for (const record of records) if (typeof record.id === "string") catalog.allIds.add(record.id);

  // A record is personal when it holds a contact or identity field, or points at a personal record.
  const isDirectlyPersonal = (record: AnyRecord) => fieldsOf(record).some(([k, v]) => ["phone", "dob", "email", "ssn", "address"].includes(classifyField(k, v) ?? ""));
  const personalIds = new Set<string>();
  const personal = new Set<AnyRecord>();
  for (const record of records) {
    if (isDirectlyPersonal(record)) {
      personal.add(record);
      if (typeof record.id === "string") personalIds.add(record.id);
    }
  }
  for (let pass = 0; pass < 2; pass++) {
    for (const record of records) {
      if (personal.has(record)) continue;
      if (fieldsOf(record).some(([k, v]) => k !== "id" && typeof v === "string" && personalIds.has(v))) {
        personal.add(record);
        if (typeof record.id === "string") personalIds.add(record.id);
      }
    }
  }

  for (const record of records) {
    for (const [key, value] of fieldsOf(record)) {
      const kind = classifyField(key, value);
      // Every capitalised name-like value (a prescriber, a creditor) is kept out of the fakes.
      if (kind === "name" || (typeof value === "string" && PERSON.test(value.trim()) && /[A-Z]/.test(value))) addNameTokens(catalog, String(value));
      if (!personal.has(record)) continue;
      // A pointer to a catalogue record (a slot, a provider, a service) names no one.
      if (key !== "id" && typeof value === "string" && catalog.allIds.has(value) && !personalIds.has(value)) continue;
      if (key === "id" && typeof value === "string") {
        addId(catalog, value);
        continue;
      }
      if (kind) addValue(catalog, kind, String(value));
    }
  }
  for (const persona of pack.personas) {
    addNameTokens(catalog, persona.name);
    addValue(catalog, "name", persona.name);
  }
  addNameTokens(catalog, pack.agent.name);
  addNameTokens(catalog, pack.agent.organization);
  for (const scenario of pack.scenarios) addHiddenFacts(catalog, scenario.hiddenFacts);
  return catalog;
}

/** Adds a scenario's hidden facts (a generated variant may carry people the pack's seeds do not). */
export function addHiddenFacts(catalog: PiiCatalog, facts: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(facts)) {
    const kind = classifyField(key, value);
    if (kind === "name") addNameTokens(catalog, String(value));
    if (kind) addValue(catalog, kind, String(value));
    else if (/(^|_)id$|Id$/.test(key) && typeof value === "string" && /\d/.test(value) && /^[A-Za-z0-9-]+$/.test(value)) addId(catalog, value);
  }
}

/** A copy of the catalog, so a call's hidden facts never leak into the pack's cached one. */
export function cloneCatalog(catalog: PiiCatalog): PiiCatalog {
  return {
    persons: [...catalog.persons],
    digits: new Map(catalog.digits),
    dobs: new Set(catalog.dobs),
    emails: new Set(catalog.emails),
    addresses: new Set(catalog.addresses),
    ids: new Set(catalog.ids),
    nameTokens: new Set(catalog.nameTokens),
    allIds: new Set(catalog.allIds),
  };
}

function fieldsOf(record: AnyRecord, prefix = ""): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  for (const [key, value] of Object.entries(record)) {
    const name = prefix ? `${prefix}_${key}` : key;
    if (Array.isArray(value)) {
      for (const item of value) {
        if (item && typeof item === "object") out.push(...fieldsOf(item as AnyRecord, key));
        else out.push([key, item]);
      }
    } else if (value && typeof value === "object") out.push(...fieldsOf(value as AnyRecord, key));
    else out.push([prefix ? key : name, value]);
  }
  return out;
}

function addNameTokens(catalog: PiiCatalog, name: string): void {
  for (const token of name.split(/[\s,]+/)) {
    const clean = token.replace(/[^A-Za-z'’-]/g, "").toLowerCase();
    if (clean.length >= 2 && !/^(dr|mr|mrs|ms|miss|prof|jr|sr)$/.test(clean)) catalog.nameTokens.add(clean);
  }
}

function addId(catalog: PiiCatalog, id: string): void {
  catalog.ids.add(id);
  // The number inside an id ("MBR-88412093") is said on its own; an id of several numbers is not.
  const groups = id.match(/\d+/g) ?? [];
  const digits = groups[0] ?? "";
  if (groups.length === 1 && digits.length >= 6 && !catalog.digits.has(digits)) catalog.digits.set(digits, "number");
}

function addValue(catalog: PiiCatalog, kind: FieldKind, value: string): void {
  const digits = value.replace(/\D/g, "");
  switch (kind) {
    case "name": {
      const words = value.replace(/^(?:(?:dr|mr|mrs|ms|miss|prof)\.?\s+)/i, "").split(/\s+/).filter(Boolean);
      const first = words[0] ?? "";
      const last = words.length > 1 ? (words.at(-1) ?? "") : "";
      if (first && !catalog.persons.some((p) => p.first === first && p.last === last)) catalog.persons.push({ first, last });
      return;
    }
    case "phone": {
      const phone = phoneDigits(value);
      if (phone.length === 10) {
        catalog.digits.set(phone, "phone");
        if (!catalog.digits.has(phone.slice(3))) catalog.digits.set(phone.slice(3), "phone-local");
        if (!catalog.digits.has(phone.slice(6))) catalog.digits.set(phone.slice(6), "phone-line");
      } else if (phone.length >= 7) catalog.digits.set(phone, "number");
      return;
    }
    case "dob": {
      const iso = ISO_DATE.test(value) ? value : usDateToIso(value);
      if (iso) {
        catalog.dobs.add(iso);
        const [y, m, d] = iso.split("-");
        catalog.digits.set(`${m}${d}${y}`, "dob-digits");
        catalog.digits.set(`${m}${d}${y?.slice(2)}`, "dob-digits");
      }
      return;
    }
    case "email":
      catalog.emails.add(value.toLowerCase());
      return;
    case "address":
      catalog.addresses.add(value);
      return;
    case "ssn":
      if (digits.length === 9) {
        catalog.digits.set(digits, "ssn");
        if (!catalog.digits.has(digits.slice(5))) catalog.digits.set(digits.slice(5), "ssn-last4");
      } else catalog.digits.set(digits, "ssn-last4");
      return;
    case "zip":
      if (digits.length >= 5) catalog.digits.set(digits.slice(0, 5), "zip");
      return;
    case "card":
      if (digits.length >= 12) {
        catalog.digits.set(digits, "card");
        if (!catalog.digits.has(digits.slice(-4))) catalog.digits.set(digits.slice(-4), "last4");
      } else if (!catalog.digits.has(digits)) catalog.digits.set(digits, digits.length === 4 ? "last4" : "number");
      return;
    case "id":
      addId(catalog, value);
      return;
    case "number":
      if (digits.length >= 4 && !catalog.digits.has(digits)) catalog.digits.set(digits, "number");
      return;
  }
}

function usDateToIso(text: string): string | undefined {
  const match = /^(\d{1,2})\/(\d{1,2})\/(\d{2}|\d{4})$/.exec(text);
  if (!match) return undefined;
  const yy = match[3] ?? "";
  const year = yy.length === 2 ? Number(yy) + (Number(yy) > 30 ? 1900 : 2000) : Number(yy);
  return `${year}-${String(match[1]).padStart(2, "0")}-${String(match[2]).padStart(2, "0")}`;
}
