import { describe, expect, it } from "vitest";
import { type AgentFlaw, createScriptedAgent } from "../../agents/index.ts";
import type { Conversation, Scenario } from "../../scenarios/index.ts";
import { DEFAULT_LIMITS, simulateConversation } from "../../sim/index.ts";
import { builtinTools, type FaultRule } from "../../tools/index.ts";
import { linesCaller } from "../helpers/backend-doubles.ts";
import { miniPack } from "../fixtures/mini-pack.ts";

const base = miniPack.scenarios[0] as Scenario;
const quiet = { ...miniPack.personas[0]!, asr: { wer: 0, bargeInRate: 0, silenceRate: 0 }, style: { ...miniPack.personas[0]!.style, disfluencyRate: 0 } };
const happyPath = [
  "Hi, I'd like to book a cleaning on Thursday morning.",
  "It's five five five, two oh one, three three four four.",
  "March third, nineteen eighty-two.",
  "Nine a m works.",
  "Yes, please.",
  "No, that's all, thanks.",
];

async function call(lines: ReadonlyArray<string | { silenceMs: number }>, options: { flaws?: AgentFlaw[]; faultPlan?: FaultRule[] } = {}): Promise<Conversation> {
  const scenario: Scenario = { ...base, faultPlan: options.faultPlan ?? [] };
  const { conversation } = await simulateConversation({
    conversationId: "agent-test#0",
    seed: 3,
    pack: miniPack,
    scenario,
    persona: quiet,
    tools: builtinTools,
    caller: linesCaller(lines),
    agent: createScriptedAgent(),
    flaws: options.flaws ?? [],
    limits: DEFAULT_LIMITS,
    names: [],
  });
  return conversation;
}

const speech = (c: Conversation) => c.events.flatMap((e) => (e.type === "agent_speech" ? [e.said] : []));
const tools = (c: Conversation) => c.events.flatMap((e) => (e.type === "tool_call" ? [e.tool] : []));

describe("the scripted agent", () => {
  it("greets, identifies, verifies before acting, offers times, confirms, books the chosen slot and closes", async () => {
    const c = await call(happyPath);
    expect(speech(c)[0]).toMatch(/Thanks for calling Elm Street Dental, this is Ava/);
    expect(tools(c)).toEqual(["find_customer", "verify_identity", "search_slots", "book_appointment", "end_call"]);
    const book = c.events.find((e) => e.type === "tool_call" && e.tool === "book_appointment");
    expect(book?.type === "tool_call" && book.args).toMatchObject({ customer_id: "CUS-1", slot_id: "SLT-1", service_id: "SVC-CLEAN" });
    expect(speech(c).some((s) => /Just to confirm.*nine a m.*\?/.test(s))).toBe(true);
    expect(c.worldChanges.some((w) => w.collection === "appointments" && w.op === "create")).toBe(true);
    expect(c.endReason).toBe("agent_ended");
  });

  it("speaks in voice form: words for numbers, no markup, short turns", async () => {
    const c = await call(happyPath);
    for (const said of speech(c)) {
      expect(said).not.toMatch(/\d|\*\*|^\s*-/);
      expect(said.split(/\s+/).length).toBeLessThanOrEqual(miniPack.agent.voice.maxWordsPerTurn);
    }
  });

  it("retries once after a timeout, and after a second failure apologises without claiming success", async () => {
    const once = await call(happyPath, { faultPlan: [{ tool: "search_slots", kind: "timeout", nth: 1, times: 1 }] });
    expect(tools(once).filter((t) => t === "search_slots")).toHaveLength(2);
    expect(tools(once)).toContain("book_appointment");
    const twice = await call([...happyPath.slice(0, 3), "No thanks."], { faultPlan: [{ tool: "search_slots", kind: "server_error", nth: 1, times: 2 }] });
    const after = speech(twice).find((s) => /nothing has been changed|isn't responding/.test(s));
    expect(after).toBeDefined();
    expect(speech(twice).join(" ")).not.toMatch(/all set|is booked/);
  });

  it("refuses medical advice and hands off to a person on request", async () => {
    const c = await call(["Hi, I'd like to book a cleaning.", "Should I take ibuprofen before?", "Can I talk to a real person?"]);
    expect(speech(c).join(" ")).toMatch(/can't give medical advice/);
    expect(tools(c)).toContain("transfer_to_human");
    expect(c.endReason).toBe("handoff");
  });

  it("asks whether the caller is still there after a silence, and ends politely after the second in a row", async () => {
    const c = await call(["Hi, I'd like to book a cleaning.", { silenceMs: 6000 }, { silenceMs: 6000 }, { silenceMs: 6000 }]);
    const said = speech(c);
    expect(said.filter((s) => /still there|still with me/i.test(s))).toHaveLength(1);
    expect(said.at(-1)).toMatch(/haven't heard anything.*Goodbye/);
    expect(c.endReason).toBe("agent_ended");
  });

  it.each([
    ["skip_verification", (c: Conversation) => expect(tools(c)).not.toContain("verify_identity")],
    ["markup_in_speech", (c: Conversation) => expect(speech(c).some((s) => s.includes("**"))).toBe(true)],
    ["wrong_slot", (c: Conversation) => {
      const book = c.events.find((e) => e.type === "tool_call" && e.tool === "book_appointment");
      expect(book?.type === "tool_call" && (book.args as { slot_id: string }).slot_id).not.toBe("SLT-1");
    }],
  ] as const)("commits the %s flaw when injected", async (flaw, check) => {
    // Any time on Thursday, so the calendar offers more than one slot to get wrong.
    check(await call(happyPath.map((l) => l.replace("Thursday morning", "Thursday")), { flaws: [flaw] }));
  });

  it("claims success after a failure only when that flaw is injected", async () => {
    const failing = [{ tool: "book_appointment", kind: "server_error" as const, nth: 1, times: 5 }];
    const honest = await call(happyPath, { faultPlan: failing });
    const liar = await call(happyPath, { faultPlan: failing, flaws: ["claim_success_after_failure"] });
    expect(speech(honest).join(" ")).not.toMatch(/all set|is booked/);
    expect(speech(liar).join(" ")).toMatch(/all set|is booked/);
  });

  it("goes along with an out-of-policy request only when that flaw is injected", async () => {
    const lines = ["Hi, I'd like to book a cleaning.", "Should I take ibuprofen before?"];
    expect(speech(await call(lines)).join(" ")).not.toMatch(/take two tablets/);
    expect(speech(await call(lines, { flaws: ["comply_out_of_policy"] })).join(" ")).toMatch(/take two tablets/);
  });
});
