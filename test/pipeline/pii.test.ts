import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createScriptedAgent, createScriptedCaller, parseDigits, parseDob } from "../../agents/index.ts";
import { auditPii, classifyField, type PiiAudit, Pseudonymizer, piiCatalog, runPipeline } from "../../pipeline/index.ts";
import { type ConversationEvent, loadPack, type ScenarioPack } from "../../scenarios/index.ts";
import { conversation } from "../fixtures/judge-fixtures.ts";

const PACKS = { clinic: "scenarios/packs/clinic-booking", collections: "scenarios/packs/collections", pharmacy: "test/fixtures/packs/pharmacy" } as const;
const packs = {} as Record<keyof typeof PACKS, ScenarioPack>;

beforeAll(async () => {
  for (const [name, dir] of Object.entries(PACKS)) packs[name as keyof typeof PACKS] = (await loadPack(dir)).pack;
});

let at = 0;
const caller = (turn: number, heard: string): ConversationEvent => ({ type: "caller_speech", turn, said: heard, heard, bargedIn: false, at: at++, durationMs: 1 });
const agent = (turn: number, said: string): ConversationEvent => ({ type: "agent_speech", turn, said, callerHeard: said, interrupted: false, at: at++, durationMs: 1 });
const call = (turn: number, callId: string, tool: string, args: Record<string, unknown>): ConversationEvent => ({ type: "tool_call", turn, callId, tool, args, at: at++ });
const result = (turn: number, callId: string, tool: string, value: unknown): ConversationEvent => ({ type: "tool_result", turn, callId, tool, outcome: { ok: true, result: value }, latencyMs: 1, at: at++ });

/** A collections call with the real values of Denise Carter in every form the issue found. */
function deniseCall(): ConversationEvent[] {
  return [
    caller(1, "My number is six one four, uh, five five five, oh one three one."),
    call(1, "c1", "find_customer", { phone: "6145550131" }),
    result(1, "c1", "find_customer", { customers: [{ customer_id: "CUS-2001", name: "Denise Carter", phone_last4: "0131" }] }),
    agent(1, "Thanks, Denise. And your date of birth?"),
    caller(2, "May fourteenth, um, nineteen seventy-nine."),
    agent(2, "And the ZIP code?"),
    caller(3, "four three two, one five"),
    call(3, "c2", "verify_identity", { customer_id: "CUS-2001", dob: "1979-05-14", zip: "43215" }),
    result(3, "c2", "verify_identity", { verified: true }),
    agent(3, "I have a card ending in four two four two on file, and your number ending oh one three one."),
  ];
}

describe("one entity map per call", () => {
  it("gives the spoken phone, the phone argument and the last four in the result one fake", () => {
    const p = new Pseudonymizer(packs.collections, "denise#0");
    const clean = p.conversation(conversation(deniseCall()));
    const [said, , found] = clean.events;
    const args = (clean.events[1] as { args: { phone: string } }).args;
    expect(said?.type === "caller_speech" && parseDigits(said.heard)).toBe(args.phone);
    expect(args.phone).not.toBe("6145550131");
    const customer = (found as { outcome: { result: { customers: Array<{ phone_last4: string; name: string }> } } }).outcome.result.customers[0];
    expect(customer?.phone_last4).toBe(args.phone.slice(-4));
    // The agent's read-back of the last four is the same fake.
    const readBack = clean.events.at(-1);
    expect(readBack?.type === "agent_speech" && parseDigits(readBack.said.split("number ending")[1] ?? "")).toBe(args.phone.slice(-4));
  });

  it("says the fake birth date that the ISO argument holds, fillers and all", () => {
    const p = new Pseudonymizer(packs.collections, "denise#0");
    const clean = p.conversation(conversation(deniseCall()));
    const spoken = clean.events[4];
    const verify = clean.events[7] as { args: { dob: string; zip: string } };
    expect(spoken?.type === "caller_speech" && parseDob(spoken.heard)).toBe(verify.args.dob);
    expect(verify.args.dob).not.toBe("1979-05-14");
    const zip = clean.events[6];
    expect(zip?.type === "caller_speech" && parseDigits(zip.heard)).toBe(verify.args.zip);
  });

  it("keeps the day of a birth date whose month was said twice over a restart", () => {
    const p = new Pseudonymizer(packs.collections, "denise#0");
    const dob = "1979-05-14";
    const events = [caller(1, "May— May fourteenth, nineteen seventy-nine."), call(1, "c1", "verify_identity", { customer_id: "CUS-1", dob })];
    const clean = p.conversation(conversation(events));
    const spoken = clean.events[0];
    const args = (clean.events[1] as { args: { dob: string } }).args;
    expect(args.dob).not.toBe(dob);
    expect(spoken?.type === "caller_speech" && parseDob(spoken.heard)).toBe(args.dob);
  });

  it("gives a name the caller said before a tool got it the argument's fake", () => {
    const p = new Pseudonymizer(packs.collections, "misheard#0");
    const events = [caller(1, "Sure, it's Pecker."), call(1, "c1", "check_last_name", { member_id: "CUS-1", last_name: "Pecker" })];
    const clean = p.conversation(conversation(events));
    const fake = (clean.events[1] as { args: { last_name: string } }).args.last_name;
    expect(fake).not.toBe("Pecker");
    expect(clean.events[0]?.type === "caller_speech" && clean.events[0].heard).toBe(`Sure, it's ${fake}.`);
  });

  it("keeps a number said in pieces over two turns one number", () => {
    const p = new Pseudonymizer(packs.clinic, "split#0");
    const clean = p.conversation(
      conversation([caller(1, "It's three one two."), caller(2, "five five five, oh one four seven"), call(2, "c1", "find_customer", { phone: "3125550147" })]),
    );
    const heard = clean.events.slice(0, 2).map((e) => (e.type === "caller_speech" ? parseDigits(e.heard) : "")).join("");
    expect(heard).toBe((clean.events[2] as { args: { phone: string } }).args.phone);
    expect(heard).not.toBe("3125550147");
  });

  it("replaces grouped, keypad, written and misheard forms of the same phone with matching fakes", () => {
    const p = new Pseudonymizer(packs.collections, "forms#0");
    const forms = ["six one four, five five five, oh one three one", "6145550131", "(614) 555-0131", "614-555-0131", "six one four five five five zero one three one", "Four— four one four, hmm, five five five, oh one seven six"];
    const out = forms.map((f) => p.text(f));
    const digits = out.map((o) => parseDigits(o.replace(/^Four— /, "")));
    expect(new Set(digits.slice(0, 5)).size).toBe(1);
    expect(digits[0]).not.toBe("6145550131");
    expect(out[4]).toContain("zero");
    expect(digits[5]).not.toContain("4145550176");
    expect(out.join(" ")).not.toMatch(/0131|0176|one three one|one seven six/);
  });

  it("rewrites identifiers deep in results, world changes and session of a pack with its own field names", () => {
    const p = new Pseudonymizer(packs.pharmacy, "member#0");
    const member = { id: "MEM-9", customer_ref: "PT-40017", member_number: "88412093", holder_name: "Odette Varga", contact_phone: "(617) 823-4410", date_of_birth: "1971-04-09", guests: [{ guest_name: "Imre Varga" }] };
    const clean = p.conversation(
      conversation([caller(1, "My member number is eight eight four one two oh nine three."), call(1, "c1", "lookup_membership", { member_number: "88412093" }), result(1, "c1", "lookup_membership", { record: member })], {
        worldChanges: [{ collection: "members", id: "MEM-9", op: "update", before: member, after: { ...member, contact_phone: "617-823-4410" } }],
        session: { verifiedCustomerIds: ["PT-40017"], failedVerifications: 0 },
      }),
    );
    const text = JSON.stringify(clean);
    for (const real of ["88412093", "Odette", "Varga", "Imre", "8234410", "823-4410", "1971-04-09", "PT-40017", "MEM-9\""]) expect(text).not.toContain(real);
    const args = (clean.events[1] as { args: { member_number: string } }).args;
    const heard = clean.events[0];
    expect(heard?.type === "caller_speech" && parseDigits(heard.heard)).toBe(args.member_number);
    expect(text).toContain(args.member_number);
  });

  it("never uses a name the pack uses, and is the same for the same call", () => {
    for (const pack of Object.values(packs)) {
      const tokens = piiCatalog(pack).nameTokens;
      for (let i = 0; i < 25; i++) {
        const p = new Pseudonymizer(pack, `call-${i}`);
        const fake = pack.personas.map((persona) => p.text(`This is ${persona.name}.`)).join(" ");
        for (const word of fake.toLowerCase().match(/[a-z]+/g) ?? []) if (word !== "this" && word !== "is") expect(tokens.has(word), `${pack.id} call-${i}: ${word}`).toBe(false);
      }
      const name = pack.personas[0]?.name ?? "";
      expect(new Pseudonymizer(pack, "same").text(name)).toBe(new Pseudonymizer(pack, "same").text(name));
    }
  });

  it("changes nothing more when a call goes through twice", () => {
    const p = new Pseudonymizer(packs.collections, "twice#0");
    const once = p.conversation(conversation(deniseCall()));
    expect(p.conversation(once)).toEqual(once);
  });

  it("leaves amounts, dates of appointments, times and catalogue ids alone", () => {
    const p = new Pseudonymizer(packs.clinic, "keep#0");
    const kept = p.value({ amount_cents: 48250, start: "2026-03-12T10:30:00-05:00", service_id: "SVC-PHYSICAL", text: "at ten thirty on March 12, for two hundred dollars" });
    expect(kept).toEqual({ amount_cents: 48250, start: "2026-03-12T10:30:00-05:00", service_id: "SVC-PHYSICAL", text: "at ten thirty on March 12, for two hundred dollars" });
  });
});

describe("identifier fields are found by name and shape, not by the shipped packs' names", () => {
  it("classifies fields a stranger's pack might use", () => {
    expect(classifyField("contact_phone", "(617) 823-4410")).toBe("phone");
    expect(classifyField("mobileNumber", "6178234410")).toBe("phone");
    expect(classifyField("date_of_birth", "1971-04-09")).toBe("dob");
    expect(classifyField("member_number", "88412093")).toBe("number");
    expect(classifyField("memberId", "MBR-88412093")).toBe("id");
    expect(classifyField("guest_name", "Imre Varga")).toBe("name");
    expect(classifyField("postal_code", "02171")).toBe("zip");
    expect(classifyField("home_address", "58 Quincy Shore Drive")).toBe("address");
    expect(classifyField("balance_cents", 3800000)).toBeUndefined();
    expect(classifyField("start", "2026-03-12T10:30:00-05:00")).toBeUndefined();
  });

  it("collects the custom collections' people and numbers of the test pack", () => {
    const catalog = piiCatalog(packs.pharmacy);
    expect([...catalog.digits.keys()]).toEqual(expect.arrayContaining(["6178234410", "6178239954", "7014432", "88412093", "02171"]));
    expect(catalog.persons).toEqual(expect.arrayContaining([{ first: "Imre", last: "Varga" }, { first: "Greta", last: "Lindgren" }]));
    expect(catalog.ids.has("PT-40017") && catalog.ids.has("RX-1") && catalog.ids.has("MEM-9")).toBe(true);
    // A prescriber is staff, not a patient: a name to avoid, not a value to replace.
    expect(catalog.nameTokens.has("ambrose")).toBe(true);
    expect(catalog.persons.some((p) => p.last === "Ambrose")).toBe(false);
  });
});

describe("PII recall of a run's exports (floors; bench:pii gives the figures)", () => {
  const audits: Partial<Record<keyof typeof PACKS, PiiAudit>> = {};

  beforeAll(async () => {
    for (const [name, dir] of Object.entries(PACKS)) {
      const out = join(mkdtempSync(join(tmpdir(), "voicesim-pii-test-")), "run");
      const loaded = await loadPack(dir);
      await runPipeline(loaded, {
        out,
        seed: 3,
        scenarios: 6,
        candidates: 2,
        forks: 1,
        rounds: 1,
        concurrency: 2,
        flawRate: 0.3,
        backends: { caller: createScriptedCaller(), agent: createScriptedAgent() },
        resume: false,
      });
      audits[name as keyof typeof PACKS] = auditPii(loaded.pack, out);
    }
  }, 120_000);

  for (const name of Object.keys(PACKS) as Array<keyof typeof PACKS>) {
    it(`${name}: at least 99.5 % of the real values the calls held are gone from every exported file`, () => {
      const audit = audits[name] as PiiAudit;
      expect(audit.exposedValues).toBeGreaterThanOrEqual(12);
      expect(audit.leaks).toEqual([]);
      expect(audit.recall).toBeGreaterThanOrEqual(0.995);
    });

    it(`${name}: every identifier in an exported tool call was heard from the caller or returned by a tool before`, () => {
      const audit = audits[name] as PiiAudit;
      expect(audit.toolArguments).toBeGreaterThanOrEqual(10);
      expect(audit.unsupported).toEqual([]);
    });
  }
});
