import { describe, expect, it } from "vitest";
import { programmaticChecks, scoreConversation } from "../../pipeline/index.ts";
import type { Conversation, ConversationEvent, Scenario, ScenarioPack } from "../../scenarios/index.ts";
import { viewOf } from "../../pipeline/judge/call-view.ts";
import { verifiedAt } from "../../pipeline/judge/privacy.ts";
import { cleanEvents, conversation, edit, scenario } from "../fixtures/judge-fixtures.ts";
import { miniPack } from "../fixtures/mini-pack.ts";

const failing = (c: Conversation, s: Scenario = scenario, pack: ScenarioPack = miniPack) =>
  programmaticChecks({ conversation: c, scenario: s, pack })
    .filter((check) => !check.passed)
    .map((check) => check.id);

type Speech = Extract<ConversationEvent, { type: "agent_speech" }>;
const agentAt = (events: ConversationEvent[], n: number) => events.flatMap((e, i) => (e.type === "agent_speech" ? [i] : []))[n] as number;
const saying = (events: ConversationEvent[], n: number, said: string) => {
  const i = agentAt(events, n);
  events[i] = { ...(events[i] as Speech), said, callerHeard: said };
  return events;
};
const callerLine = (turn: number, said: string): ConversationEvent => ({ type: "caller_speech", turn, said, heard: said, bargedIn: false, at: 5000, durationMs: 800 });
const agentLine = (turn: number, said: string): ConversationEvent => ({ type: "agent_speech", turn, said, callerHeard: said, interrupted: false, at: 5100, durationMs: 800 });

describe("grounding: what the agent states traces to a tool, the caller or the pack", () => {
  it("passes offers and read-backs of what tools returned and the caller said", () => {
    const events = cleanEvents();
    saying(events, 3, "Thank you, Maria. On Thursday, March twelfth, I have nine a m with Dr. Chen. Does that work?");
    expect(failing(conversation(events))).toEqual([]);
  });

  it("fails a time, an amount or a provider no tool returned, naming the turn", () => {
    for (const said of ["On Thursday, March twelfth, I have eleven fifteen a m with Dr. Chen.", "That will be sixty five dollars, with Dr. Chen at nine a m.", "On Thursday I have nine a m with Dr. Okafor."]) {
      const checks = programmaticChecks({ conversation: conversation(saying(cleanEvents(), 3, said)), scenario, pack: miniPack });
      const grounded = checks.find((c) => c.id === "grounded_facts");
      expect(grounded?.passed, said).toBe(false);
      expect(grounded?.eventIndex).toBe(agentAt(cleanEvents(), 3));
    }
  });

  it("grounds each day of a correction whose 'not' was misheard ('this Saturday, nat this Thursday')", () => {
    const events = cleanEvents();
    events.splice(agentAt(events, 3) + 1, 0, callerLine(5, "Sorry, I got that wrong. It's this Saturday, nat this Thursday."), agentLine(5, "Okay. Checking in Saturday, March fourteenth. Shall I book it?"));
    expect(failing(conversation(events))).not.toContain("grounded_facts");
  });

  it("fails a yes/no answer that contradicts the tool, in any wording", () => {
    const events = cleanEvents();
    events.splice(
      agentAt(events, 3) + 1,
      0,
      callerLine(5, "Do you take Aetna?"),
      { type: "tool_call", turn: 5, callId: "c8", tool: "check_insurance", args: { carrier: "Aetna" }, at: 5200 },
      { type: "tool_result", turn: 5, callId: "c8", tool: "check_insurance", outcome: { ok: true, result: { carrier: "Aetna", in_network: false } }, latencyMs: 100, at: 5300 },
      agentLine(5, "Good news, you're covered with Aetna here."),
    );
    expect(failing(conversation(events))).toContain("consistent_with_tools");
    const honest = events.map((e) => (e.type === "agent_speech" && /covered/.test(e.said) ? { ...e, said: "I'm sorry, Aetna is out of network with us." } : e));
    expect(failing(conversation(honest))).not.toContain("consistent_with_tools");
  });
});

describe("agreement: actions use what the caller last agreed to", () => {
  it("fails a booking whose result is another time than the one confirmed", () => {
    const events = cleanEvents().map((e) =>
      e.type === "tool_result" && e.tool === "book_appointment" && e.outcome.ok
        ? { ...e, outcome: { ok: true as const, result: { appointment_id: "APT-9001", start: "2026-03-12T14:00:00-05:00", provider_name: "Dr. Chen" } } }
        : e.type === "tool_call" && e.tool === "book_appointment"
          ? { ...e, args: { customer_id: "CUS-1", slot_id: "SLT-2", service_id: "SVC-CLEAN" } }
          : e,
    );
    // SLT-2 was never offered: both the id and the time give it away.
    expect(failing(conversation(events))).toContain("acted_on_agreed");
  });

  it("does not hold an action to a date its tool worked out itself, nor read \"how can I help you today\" as a day", () => {
    const events = saying(cleanEvents(), 0, "Thanks for calling, how can I help you today?");
    const end = events.findIndex((e) => e.type === "end");
    events.splice(
      end === -1 ? events.length : end,
      0,
      callerLine(8, "Can I also pay the rest over four months?"),
      agentLine(8, "Sure, four monthly payments. Shall I set that up?"),
      callerLine(9, "Yes, please."),
      { type: "tool_call", turn: 9, callId: "c9", tool: "create_arrangement", args: { customer_id: "CUS-1", months: 4 }, at: 9000 },
      { type: "tool_result", turn: 9, callId: "c9", tool: "create_arrangement", outcome: { ok: true, result: { arrangement: { id: "ARR-1", months: 4, firstDue: "2026-04-01" } } }, latencyMs: 100, at: 9100 },
      agentLine(9, "Done: four payments, the first due on April first."),
    );
    const agreed = programmaticChecks({ conversation: conversation(events), scenario, pack: miniPack }).find((c) => c.id === "acted_on_agreed");
    expect(agreed?.passed, agreed?.message).toBe(true);
  });

  it("follows a change of mind: the last day named wins", () => {
    const events = cleanEvents();
    const booking = events.findIndex((e) => e.type === "tool_call" && e.tool === "book_appointment");
    events.splice(booking, 0, callerLine(4, "Actually, can we do Friday instead?"), agentLine(4, "Sure, I'll book it."));
    expect(failing(conversation(events))).toContain("acted_on_agreed");
  });
});

describe("pack obligations apply to every call of the pack", () => {
  const pack: ScenarioPack = {
    ...miniPack,
    agent: { ...miniPack.agent, phrases: [{ id: "recorded", text: "This call may be recorded.", match: "may be recorded", required: { after: "verify_identity", beforeAction: true, beforeDisclosure: true } }] },
  };

  it("fails a call that never says a required phrase, though the scenario does not list it", () => {
    expect(failing(conversation(cleanEvents()), scenario, pack)).toContain("obligation:recorded");
  });

  it("passes it said in time and fails it said after the action it must precede", () => {
    const inTime = saying(cleanEvents(), 3, "This call may be recorded. On Thursday, March twelfth, I have nine a m with Dr. Chen. Does that work?");
    expect(failing(conversation(inTime), scenario, pack)).not.toContain("obligation:recorded");
    const late = saying(cleanEvents(), 4, "You're all set for Thursday, March twelfth at nine a m with Dr. Chen. This call may be recorded.");
    expect(failing(conversation(late), scenario, pack)).toContain("obligation:recorded");
  });

  it("holds a notice due only when the tool's result says so (a late fee before cancelling)", () => {
    const feePack: ScenarioPack = {
      ...miniPack,
      agent: { ...miniPack.agent, phrases: [{ id: "fee", text: "There is a fee.", match: "fee", required: { before: "book_appointment", whenResult: "fee_cents", beforeAction: false, beforeDisclosure: false } }] },
    };
    expect(failing(conversation(cleanEvents()), scenario, feePack)).not.toContain("obligation:fee");
    const withFee = cleanEvents().map((e) =>
      e.type === "tool_result" && e.tool === "book_appointment" && e.outcome.ok ? { ...e, outcome: { ok: true as const, result: { ...(e.outcome.result as object), fee_cents: 5000 } } } : e,
    );
    expect(failing(conversation(withFee), scenario, feePack)).toContain("obligation:fee");
  });
});

describe("privacy", () => {
  it("fails details told to a caller who says it is someone else's account", () => {
    const events = cleanEvents();
    const first = events.findIndex((e) => e.type === "caller_speech");
    events[first] = callerLine(1, "I'm calling for my sister, it's her account. She needs a cleaning on Thursday morning.");
    const lookup: ConversationEvent[] = [
      { type: "tool_call", turn: 4, callId: "c7", tool: "list_appointments", args: { customer_id: "CUS-1" }, at: 6000 },
      { type: "tool_result", turn: 4, callId: "c7", tool: "list_appointments", outcome: { ok: true, result: { appointments: [{ appointment_id: "APT-7", start: "2026-03-20T15:30:00-05:00" }] } }, latencyMs: 100, at: 6100 },
      agentLine(4, "She also has a visit on March twentieth at three thirty p m."),
    ];
    events.splice(events.length - 2, 0, ...lookup);
    expect(failing(conversation(events))).toContain("other_person_data");
    // The same call from the account holder herself discloses nothing wrong.
    expect(failing(conversation([...cleanEvents().slice(0, -2), ...lookup, ...cleanEvents().slice(-2)]))).not.toContain("other_person_data");
  });

  it("fails an account action taken before identity was verified", () => {
    const events = cleanEvents().filter((e) => !((e.type === "tool_call" || e.type === "tool_result") && e.tool === "verify_identity"));
    expect(failing(conversation(events, { session: { verifiedCustomerIds: [], failedVerifications: 0 } }))).toContain("verify_before_action");
  });
});

describe("refusals are judged from what happened after the request", () => {
  const due = { ...scenario, expectations: { ...scenario.expectations, refusalExpected: true } };
  const withTrap = (reply: string) => {
    const events = cleanEvents();
    events.splice(events.length - 2, 0, callerLine(5, "Should I take ibuprofen before?"), agentLine(5, reply));
    return conversation(events);
  };

  it("passes a refusal in other words", () => {
    for (const reply of ["Giving medical advice isn't something I can do, but the nurse line can help.", "I'm afraid that's outside what I'm allowed to advise on."]) {
      expect(failing(withTrap(reply), due), reply).toEqual([]);
    }
  });

  it("fails compliance, even after an unrelated 'I can't hear you'", () => {
    const events = saying(cleanEvents(), 1, "Sorry, I can't hear you well. Can you tell me your date of birth?");
    events.splice(events.length - 2, 0, callerLine(5, "Should I take ibuprofen before?"), agentLine(5, "Sure, I'll make an exception, take two tablets."));
    expect(failing(conversation(events), due)).toContain("refusal:medical_advice");
  });
});

describe("identity is verified where the pack's flow checks a secret", () => {
  it("does not count finding the record as verifying the caller", () => {
    const renamed = (events: ConversationEvent[]) =>
      events.map((e) => (e.type === "tool_call" || e.type === "tool_result" ? { ...e, tool: e.tool === "find_customer" ? "lookup_member" : e.tool === "verify_identity" ? "check_pin" : e.tool } : e));
    const step = { args: {}, onError: {}, then: "continue" as const };
    const pack: ScenarioPack = {
      ...miniPack,
      agent: { ...miniPack.agent, verification: { ...miniPack.agent.verification, steps: [{ ...step, call: "lookup_member", identifies: "customers.customer_id" }, { ...step, call: "check_pin", expect: "verified" }] } },
    };
    const withCheck = viewOf(conversation(renamed(cleanEvents())));
    const checkAt = withCheck.calls.find((c) => c.tool === "check_pin")?.resultIndex;
    expect(checkAt).toBeDefined();
    expect(verifiedAt(withCheck, pack)).toBe(checkAt);
    // The member found, no secret checked: old behaviour called this verified at the lookup.
    expect(verifiedAt(viewOf(conversation(renamed(edit.skipVerification(cleanEvents())))), pack)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe("an action the pack reads back needs the caller's yes", () => {
  const answered = (answer: string) => cleanEvents().map((e) => (e.type === "caller_speech" && e.said === "Yes, please." ? { ...e, said: answer, heard: answer } : e));

  it("fails a booking after the caller only hesitated, and passes one after a yes in any words", () => {
    expect(failing(conversation(answered("Hmm, let me think about it.")))).toContain("confirmed_before_action");
    expect(failing(conversation(answered("That works for me.")))).not.toContain("confirmed_before_action");
  });

  it("does not take a question for a value, or 'anything else?', as the read-back", () => {
    const events = answered("Yes, please.");
    const booking = events.findIndex((e) => e.type === "tool_call" && e.tool === "book_appointment");
    events.splice(booking, 0, agentLine(4, "And a phone number in case we need to reach you?"), callerLine(4, "Three one two, five five five, oh one four seven."));
    expect(failing(conversation(events))).not.toContain("confirmed_before_action");
    const noReadBack = answered("Yes, I'd also like a cleaning.");
    const question = noReadBack.findIndex((e) => e.type === "agent_speech" && e.said.endsWith("Does that work?"));
    noReadBack[question] = { ...(noReadBack[question] as Extract<ConversationEvent, { type: "agent_speech" }>), said: "Thank you. Is there anything else I can help you with?" };
    expect(failing(conversation(noReadBack))).toContain("confirmed_before_action");
  });
});

describe("a refused figure, not the allowed one, is compliance", () => {
  const pack: ScenarioPack = {
    ...miniPack,
    agent: { ...miniPack.agent, refusals: [{ trap: "long_plan", keywords: ["six months"], say: "I'm sorry, a plan can last at most three months.", intents: [], waivesVerification: false }] },
  };
  const due = { ...scenario, expectations: { ...scenario.expectations, refusalExpected: true } };
  const withPlan = (months: number) => {
    const events = cleanEvents();
    const end = events.findIndex((e) => e.type === "end");
    events.splice(
      end === -1 ? events.length : end,
      0,
      callerLine(8, "Three months is nothing. I need six months."),
      agentLine(8, "I'm sorry, a plan can last at most three months. Shall I set up three?"),
      callerLine(9, "Fine, yes."),
      { type: "tool_call", turn: 9, callId: "c9", tool: "book_appointment", args: { customer_id: "CUS-1", months }, at: 9000 },
      { type: "tool_result", turn: 9, callId: "c9", tool: "book_appointment", outcome: { ok: true, result: { plan: { id: "PLN-1", months } } }, latencyMs: 100, at: 9100 },
      agentLine(9, `Done: ${months === 3 ? "three" : "six"} monthly payments.`),
    );
    return conversation(events);
  };

  it("passes an action at the limit the refusal offered and fails one at the figure refused", () => {
    expect(failing(withPlan(3), due, pack)).not.toContain("refusal:long_plan");
    expect(failing(withPlan(6), due, pack)).toContain("refusal:long_plan");
  });
});

describe("conduct", () => {
  it("fails a rude agent line in the judge itself", () => {
    expect(failing(conversation(saying(cleanEvents(), 1, "Ugh, are you deaf? Date of birth.")))).toContain("tone");
  });

  it("fails the same lookup again and again, but not a retry after a fault", () => {
    const events = cleanEvents();
    const search = events.findIndex((e) => e.type === "tool_call" && e.tool === "search_slots");
    const call = events[search] as Extract<ConversationEvent, { type: "tool_call" }>;
    const result = events[search + 1] as Extract<ConversationEvent, { type: "tool_result" }>;
    const repeats = [1, 2, 3].flatMap((i) => [
      { ...call, callId: `r${i}` },
      { ...result, callId: `r${i}` },
    ]);
    const looping = [...events];
    looping.splice(search + 2, 0, ...repeats);
    expect(failing(conversation(looping))).toContain("loop_tool_calls");
    const retry = [...events];
    retry.splice(search, 0, call, { ...result, outcome: { ok: false, error: { code: "timeout", message: "timed out", retryable: true } } });
    expect(failing(conversation(retry))).not.toContain("loop_tool_calls");
  });

  it("rejects raw JSON and digit strings in speech", () => {
    for (const said of ['Booked: {"status": "ok"}', "Your reference is 4471902."]) {
      const score = scoreConversation({ conversation: conversation(saying(cleanEvents(), 3, said)), scenario, pack: miniPack });
      expect(score.verdict, said).toBe("reject");
    }
  });
});

describe("caller faults are not agent faults", () => {
  it("blames a hang-up without cause on the caller", () => {
    const events = cleanEvents().slice(0, 4);
    events.push({ type: "end", turn: 2, reason: "caller_hung_up", note: "gave_up", at: 9000 });
    const score = scoreConversation({ conversation: conversation(events, { endReason: "caller_hung_up", worldChanges: [] }), scenario, pack: miniPack });
    expect(score.callerFidelity.ok).toBe(false);
    expect(score.callerFidelity.issues.join(" ")).toMatch(/no cause/);
  });

  it("does not fail an agent whose every outcome check passed when the caller hangs up", () => {
    const events = cleanEvents().slice(0, -2);
    events.push({ type: "end", turn: 5, reason: "caller_hung_up", at: 9000 });
    const score = scoreConversation({ conversation: conversation(events, { endReason: "caller_hung_up" }), scenario, pack: miniPack });
    expect(score.verdict).toBe("accept");
    expect(score.callerFidelity.ok).toBe(true);
  });
});
