import { describe, expect, it } from "vitest";
import {
  createScriptedCritic,
  domainScore,
  eventsToOpenAIMessages,
  gateScenarios,
  nearDuplicateGroups,
  Pseudonymizer,
  toSftRow,
  toTrlSftRow,
  toxicityOf,
  unsatisfiableExpectations,
} from "../../pipeline/index.ts";
import { OpenAISftRow, type Scenario, TrlSftRow, validateScenarioReferences } from "../../scenarios/index.ts";
import { cleanEvents, conversation, scenario } from "../fixtures/judge-fixtures.ts";
import { miniPack } from "../fixtures/mini-pack.ts";

describe("PII pseudonymisation", () => {
  const forms = [
    "This is Maria Lopez calling.",
    "Lopez, Maria.",
    "It's three one two, five five five, oh one four seven.",
    "three one two",
    "five five five, oh one four seven",
    "My number is (555) 201-3344.",
    "I was born March third, nineteen eighty-two.",
    "DOB 1982-03-03, or 3/3/82.",
    "Card 4111 1111 1111 1111.",
    "Email j o h n at example dot com, or maria.lopez@example.com.",
    "SSN 123-45-6789.",
    "I live at 12 Elm St.",
    "double seven five five",
    "It's March nineteen eighty-two.",
    "um March third, nineteen— nineteen eighty-two.",
  ];

  it("replaces every listed form, leaving none of the real values", () => {
    const p = new Pseudonymizer(miniPack, "call-1");
    const out = forms.map((f) => p.text(f));
    const all = out.join("\n");
    for (const real of ["Maria", "Lopez", "three one two, five five five, oh one four seven", "201-3344", "March third, nineteen eighty-two", "March nineteen eighty-two", "nineteen— nineteen eighty-two", "1982-03-03", "3/3/82", "4111 1111 1111 1111", "j o h n at example dot com", "maria.lopez@example.com", "123-45-6789", "12 Elm St"]) {
      expect(all).not.toContain(real);
    }
    expect(out[8]).toMatch(/^Card \d{4} \d{4} \d{4} \d{4}\.$/);
  });

  it("maps the same real value to the same fake one everywhere in a call, and keeps spoken forms spoken", () => {
    const p = new Pseudonymizer(miniPack, "call-2");
    const first = p.text("This is Maria Lopez.");
    const again = p.text("Yes, Maria Lopez.");
    expect(first.replace("This is ", "")).toBe(again.replace("Yes, ", ""));
    const whole = p.text("three one two, five five five, oh one four seven");
    const area = p.text("three one two");
    expect(whole.startsWith(area)).toBe(true);
    expect(whole).toMatch(/^[a-z ,]+$/);
    expect(p.changes.length).toBeGreaterThan(3);
  });

  it("rewrites tool arguments and results too", () => {
    const p = new Pseudonymizer(miniPack, "call-3");
    const clean = p.conversation(conversation(cleanEvents()));
    expect(JSON.stringify(clean)).not.toContain("Maria Lopez");
    expect(JSON.stringify(clean)).not.toContain("CUS-1\"");
  });
});

describe("filters", () => {
  it("find near-duplicates at the threshold and keep distinct calls apart", () => {
    const base = "thanks for calling how can i help i would like to book a cleaning on thursday morning sure what is your phone number";
    const texts = [base, `${base} please`, "i need to cancel my appointment tomorrow because i am sick and cannot come in at all sorry", base.replace("cleaning", "checkup")];
    const groups = nearDuplicateGroups(texts, { threshold: 0.8 });
    expect(groups).toEqual([[0, 1]]);
    expect(nearDuplicateGroups(texts, { threshold: 0.5 })[0]).toEqual(expect.arrayContaining([0, 1, 3]));
  });

  it("put every member of one large near-duplicate group in it once, in input order, with distinct calls left out", () => {
    const base = "thanks for calling how can i help i would like to book a cleaning on thursday morning sure what is your phone number";
    // One group of thousands (grouping was quadratic in a group's size; bench/run.ts times 50,000).
    const texts = Array.from({ length: 3_000 }, (_, i) => (i % 500 === 499 ? `entirely different words number ${i} about a refund for order ${i * 7}` : base));
    const groups = nearDuplicateGroups(texts, { threshold: 0.8 });
    expect(groups).toHaveLength(1);
    const expected = texts.flatMap((text, i) => (text === base ? [i] : []));
    expect(groups[0]).toEqual(expected);
  });

  it("drop a call whose agent says something toxic, but keep a polite agent facing a rude caller", () => {
    const rude = cleanEvents().map((e) => (e.type === "caller_speech" && e.turn === 1 ? { ...e, said: "This is bullshit", heard: "This is bullshit" } : e));
    expect(toxicityOf(conversation(rude)).toxic).toBe(false);
    const toxicAgent = cleanEvents().map((e) => (e.type === "agent_speech" && e.turn === 2 ? { ...e, said: "Shut up, you idiot asshole." } : e));
    expect(toxicityOf(conversation(toxicAgent))).toMatchObject({ toxic: true, reasons: [expect.stringMatching(/agent turn 2/)] });
  });

  it("score an off-domain call low and a booking call high", () => {
    expect(domainScore(conversation(cleanEvents()), miniPack)).toBeGreaterThan(0.4);
    const chat = conversation([
      { type: "agent_speech", turn: 1, said: "Hello, how can I help?", callerHeard: "Hello, how can I help?", interrupted: false, at: 0, durationMs: 500 },
      { type: "caller_speech", turn: 1, said: "What do you think of the football game last night?", heard: "What do you think of the football game last night?", bargedIn: false, at: 600, durationMs: 500 },
    ]);
    expect(domainScore(chat, miniPack)).toBeLessThan(0.3);
  });
});

describe("critic and gate", () => {
  const variant = (overrides: Partial<Scenario>): Scenario => ({ ...scenario, id: `v-${Math.random().toString(36).slice(2, 7)}`, ...overrides });

  it("flags vague, redundant, out-of-domain and unrealistic scenarios with reasons", async () => {
    const critic = createScriptedCritic();
    const context = { pack: miniPack, existing: [scenario] };
    const vague = await critic.critique(variant({ goal: { intent: "book", slots: {}, description: "Book" } }), context);
    expect(vague.flags.map((f) => f.kind)).toContain("vague");
    // Someone calling about another person's account is turned away before any slot: not vague.
    const forSpouse = await critic.critique(variant({ goal: { intent: "book", slots: {}, description: "Book a visit for my husband" }, complications: [{ kind: "wrong_person", relation: "spouse" }] }), context);
    expect(forSpouse.flags.map((f) => f.kind)).not.toContain("vague");
    const twin = await critic.critique(variant({}), context);
    expect(twin.flags.map((f) => f.kind)).toContain("redundant");
    const offDomain = await critic.critique(variant({ goal: { intent: "order_pizza", slots: { size: "large" }, description: "Order a large pizza" } }), context);
    expect(offDomain.flags.map((f) => f.kind)).toContain("out_of_domain");
    const unrealistic = await critic.critique(variant({ hiddenFacts: { dob: "2030-01-01" }, faultPlan: [{ tool: "transfer_to_human", kind: "timeout", nth: 1, times: 1 }], persona: "calm", complications: [{ kind: "silence", atTurn: 2, seconds: 5 }] }), context);
    expect(unrealistic.flags.map((f) => f.kind)).toContain("unrealistic");
  });

  it("rejects a duplicate, an unsatisfiable and an out-of-domain scenario before any call is paid for", () => {
    const validate = (s: Scenario) => validateScenarioReferences(s, miniPack).map((i) => i.message);
    const options = { pack: miniPack, accepted: [scenario], targetCount: 10, validate };
    const [duplicate, unsatisfiable, unknown, fine] = gateScenarios(
      [
        variant({}),
        variant({ expectations: { ...scenario.expectations, finalState: [{ collection: "appointments", where: {}, expect: { slotId: "SLT-404" } }] }, persona: "calm", difficulty: "hard", complications: [{ kind: "interrupts", rate: 0.4 }] }),
        variant({ goal: { intent: "order_pizza", slots: {}, description: "Order pizza" }, difficulty: "hard" }),
        variant({ complications: [{ kind: "silence", atTurn: 2, seconds: 6 }], difficulty: "medium" }),
      ],
      options,
    );
    expect(duplicate).toMatchObject({ ok: false, check: "duplicate" });
    expect(unsatisfiable).toMatchObject({ ok: false, check: "constraints" });
    expect(unknown).toMatchObject({ ok: false });
    expect(fine).toMatchObject({ ok: true });
  });

  it("holds an expected slot to the pack's own calendar collection, and to the built-in one only where it is used", () => {
    const expectSlot = (slotId: string) => ({ ...scenario, expectations: { ...scenario.expectations, finalState: [{ collection: "appointments", where: {}, expect: { slotId } }] } });
    const ownCalendar = { ...miniPack, fixtures: { ...miniPack.fixtures, slots: [], sessions: [{ id: "PT-2", start: "2026-03-12T10:00:00" }] } } as typeof miniPack;
    expect(unsatisfiableExpectations(expectSlot("PT-2"), ownCalendar)).toBeUndefined();
    expect(unsatisfiableExpectations(expectSlot("PT-2"), miniPack)).toMatch(/expects slot PT-2, which no fixture collection has/);
  });

  it("stops accepting a difficulty once it has its share", () => {
    const validate = () => [];
    const many = Array.from({ length: 6 }, (_, i) => variant({ id: `easy-${i}`, difficulty: "easy", complications: [{ kind: "silence", atTurn: i + 2, seconds: i + 3 }] }));
    const verdicts = gateScenarios(many, { pack: miniPack, accepted: [], targetCount: 10, validate, duplicateThreshold: 1.1 });
    expect(verdicts.filter((v) => v.ok)).toHaveLength(3);
    expect(verdicts.at(-1)).toMatchObject({ ok: false, check: "difficulty_mix" });
  });
});

describe("exports", () => {
  const tools = miniPack.agent.tools.map((name) => ({ type: "function" as const, function: { name, description: name, parameters: { type: "object" } } }));

  it("write OpenAI chat fine-tuning rows: roles, tool_call ids answered, arguments as JSON strings, weights only on assistant turns", () => {
    const events = cleanEvents();
    const weights = events.filter((e) => e.type === "agent_speech").map((_, i) => (i === 2 ? 0 : 1) as 0 | 1);
    const row = OpenAISftRow.parse(JSON.parse(JSON.stringify(toSftRow(events, { agentTurnWeights: weights }, "You are Ava.", tools))));
    expect(row.messages[0]).toEqual({ role: "system", content: "You are Ava." });
    expect(row.messages.at(-1)?.role).toBe("assistant");
    const calls = row.messages.flatMap((m) => (m.role === "assistant" ? (m.tool_calls ?? []) : []));
    const answered = row.messages.flatMap((m) => (m.role === "tool" ? [m.tool_call_id] : []));
    // Every call is answered but the closing end_call, which ends the row.
    expect(answered).toEqual(calls.slice(0, -1).map((c) => c.id));
    expect(row.messages.at(-1)).toMatchObject({ role: "assistant", content: null, tool_calls: [{ function: { name: "end_call" } }] });
    for (const c of calls) expect(c.id).toMatch(/^[a-z0-9]{9}$/);
    expect(row.messages[1]).toEqual({ role: "user", content: "[call connected]" });
    for (const m of row.messages) {
      if (m.role === "assistant") for (const c of m.tool_calls ?? []) expect(() => JSON.parse(c.function.arguments)).not.toThrow();
      if (m.role !== "assistant") expect(m).not.toHaveProperty("weight");
    }
    expect(row.messages.filter((m) => m.role === "assistant" && "weight" in m && m.weight === 0)).toHaveLength(1);
    expect(row.messages.some((m) => m.role === "user" && m.content.includes("Three one two"))).toBe(true);
  });

  it("write TRL rows with tool-call arguments as objects and named tool messages", () => {
    const row = TrlSftRow.parse(toTrlSftRow(toSftRow(cleanEvents(), { agentTurnWeights: [] }, "sys", tools)));
    const call = row.messages.find((m) => m.role === "assistant" && m.tool_calls?.length);
    expect(call?.role === "assistant" && call.tool_calls?.[0]?.function.arguments).toEqual({ phone: "3125550147" });
    const id = call?.role === "assistant" ? call.tool_calls?.[0]?.id : undefined;
    expect(id).toMatch(/^[a-z0-9]{9}$/);
    expect(row.messages.find((m) => m.role === "tool")).toMatchObject({ role: "tool", name: "find_customer", tool_call_id: id });
  });

  it("learn from what the agent heard, not what the caller said", () => {
    const events = cleanEvents().map((e) => (e.type === "caller_speech" && e.turn === 1 ? { ...e, heard: "I'd like to book a clean in on Thursday." } : e));
    const user = eventsToOpenAIMessages(events).filter((m) => m.role === "user")[1];
    expect(user?.content).toBe("I'd like to book a clean in on Thursday.");
  });
});

describe("the rewrite step", () => {
  it("normalises markup and numbers to the pack's voice and records every change", async () => {
    const { createScriptedRewriter, rewriteConversation } = await import("../../pipeline/index.ts");
    const events = cleanEvents().map((e, i) => (e.type === "agent_speech" && i === 16 ? { ...e, said: "**Booked!** Your visit is at 9:00 AM and costs $45.50.\n- Reply with 1 to confirm", callerHeard: "x" } : e));
    const { conversation: out, rewrites } = await rewriteConversation(conversation(events), miniPack, createScriptedRewriter());
    expect(rewrites).toHaveLength(1);
    expect(rewrites[0]).toMatchObject({ eventIndex: 16, rewriter: "scripted" });
    const said = out.events[16]?.type === "agent_speech" ? out.events[16].said : "";
    expect(said).toBe("Booked! Your visit is at nine a m and costs forty five dollars and fifty cents.");
    const untouched = await rewriteConversation(conversation(cleanEvents()), miniPack, createScriptedRewriter());
    expect(untouched.rewrites).toEqual([]);
  });

  it("with a model: counts its tokens, and a turn the model fails on is kept as it was and recorded with the error", async () => {
    const { createLLMRewriter, rewriteConversation } = await import("../../pipeline/index.ts");
    const { createModelClient } = await import("../../agents/index.ts");
    const { startFakeOpenAIServer } = await import("../helpers/fake-openai-server.ts");
    // The first agent turn gets a refusal the client does not retry; every other turn is rewritten.
    const server = await startFakeOpenAIServer((_request, index) => (index === 0 ? { status: 400, message: "bad request" } : { content: JSON.stringify({ text: "Rewritten." }), usage: { prompt: 10, completion: 2 } }));
    try {
      const client = createModelClient({ model: "m", baseUrl: server.baseUrl, apiKey: "k" });
      const events = cleanEvents();
      const agentTurns = events.flatMap((e, i) => (e.type === "agent_speech" ? [i] : []));
      const { conversation: out, rewrites, usage } = await rewriteConversation(conversation(events), miniPack, createLLMRewriter(client));
      const [first, ...rest] = agentTurns;
      expect(rewrites.find((r) => r.eventIndex === first)).toMatchObject({ error: expect.stringContaining("bad request") });
      expect(out.events[first ?? -1]).toEqual(events[first ?? -1]);
      expect(rewrites.filter((r) => !r.error).map((r) => r.eventIndex)).toEqual(rest);
      expect(usage).toMatchObject({ modelCalls: rest.length, promptTokens: 10 * rest.length, completionTokens: 2 * rest.length });
    } finally {
      await server.close();
    }
  });
});

describe("best-vs-worst candidate pairs", () => {
  it("pair the agents' first differing turn after a shared prefix, and skip candidates that diverge earlier", async () => {
    const { candidatePair } = await import("../../pipeline/index.ts");
    const good = cleanEvents();
    const bad = cleanEvents().map((e, i) => (e.type === "agent_speech" && i === 6 ? { ...e, said: "**Date of birth?**" } : e));
    const pair = candidatePair({ events: good }, { events: bad }, "sys", undefined);
    expect("openai" in pair && pair.openai.preferred_output[0]?.content).toBe("Thanks. Can you tell me your date of birth?");
    expect("openai" in pair && pair.openai.non_preferred_output[0]?.content).toBe("**Date of birth?**");
    expect("openai" in pair && pair.openai.input.messages.at(-1)?.role).toBe("tool");
    const otherCaller = cleanEvents().map((e, i) => (e.type === "caller_speech" && i === 1 ? { ...e, heard: "Different words" } : e));
    expect(candidatePair({ events: good }, { events: otherCaller }, "sys", undefined)).toEqual({ skipped: "the candidates diverge before the agent does" });
  });
});
