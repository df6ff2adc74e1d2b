import { describe, expect, it } from "vitest";
import { passHatK, programmaticChecks, scoreConversation } from "../../pipeline/index.ts";
import type { Conversation, Scenario, ScenarioPack } from "../../scenarios/index.ts";
import { cleanEvents, conversation, edit, scenario } from "../fixtures/judge-fixtures.ts";
import { miniPack } from "../fixtures/mini-pack.ts";

const failing = (c: Conversation, s: Scenario = scenario, pack: ScenarioPack = miniPack) =>
  programmaticChecks({ conversation: c, scenario: s, pack })
    .filter((check) => !check.passed)
    .map((check) => check.id);

describe("the judge's programmatic checks", () => {
  it("pass a clean call, and the call is accepted", () => {
    const clean = conversation(cleanEvents());
    expect(failing(clean)).toEqual([]);
    const score = scoreConversation({ conversation: clean, scenario, pack: miniPack });
    expect(score.verdict).toBe("accept");
    expect(score.agentTurnWeights.every((w) => w === 1)).toBe(true);
  });

  it("catch skipped verification (required action and order)", () => {
    expect(failing(conversation(edit.skipVerification(cleanEvents()), { session: { verifiedCustomerIds: [], failedVerifications: 0 } }))).toEqual(
      expect.arrayContaining(["required_action[0]:verify_identity"]),
    );
  });

  it("catch success claimed after a failed tool call, and the booking that never happened", () => {
    const events = edit.successAfterFailure(cleanEvents());
    const ids = failing(conversation(events, { worldChanges: [] }));
    expect(ids).toEqual(expect.arrayContaining(["no_success_after_failure", "final_state[0]", "required_action[1]:book_appointment"]));
    const score = scoreConversation({ conversation: conversation(events, { worldChanges: [] }), scenario, pack: miniPack });
    expect(score.verdict).toBe("reject");
    // The turn that lied gets weight 0 in the SFT export.
    expect(score.agentTurnWeights.at(-1)).toBe(0);
  });

  it("catch a booking of a slot other than the one agreed", () => {
    expect(failing(conversation(edit.wrongSlot(cleanEvents())))).toContain("acted_on_agreed");
  });

  it("catch markup and unspeakable numbers in speech", () => {
    expect(failing(conversation(edit.markup(cleanEvents())))).toEqual(expect.arrayContaining(["voice_markup", "voice_numbers"]));
  });

  it("catch a missed refusal once the caller raised it, and pass when it was never raised", () => {
    const due = { ...scenario, expectations: { ...scenario.expectations, refusalExpected: true } };
    expect(failing(conversation(edit.missedRefusal(cleanEvents())), due)).toContain("refusal:medical_advice");
    expect(failing(conversation(cleanEvents()), due)).toEqual([]);
  });

  it("catch a missing disclosure and another person's data revealed", () => {
    const pack: ScenarioPack = {
      ...miniPack,
      agent: { ...miniPack.agent, phrases: [{ id: "notice", text: "This call is recorded.", match: "call is recorded" }] },
    };
    const thirdParty: Scenario = {
      ...scenario,
      complications: [{ kind: "wrong_person", relation: "husband" }],
      expectations: { ...scenario.expectations, requiredPhrases: ["notice"] },
    };
    const events = cleanEvents();
    // The balance comes from a lookup of the account, and is read out before verification.
    events.splice(
      6,
      0,
      { type: "tool_call", turn: 2, callId: "c9", tool: "get_account", args: { customer_id: "CUS-1" }, at: 1400 },
      { type: "tool_result", turn: 2, callId: "c9", tool: "get_account", outcome: { ok: true, result: { accounts: [{ account_id: "ACC-1", balance_cents: 12_500 }] } }, latencyMs: 100, at: 1450 },
      { type: "agent_speech", turn: 2, said: "Your balance is one hundred twenty five dollars.", callerHeard: "", interrupted: false, at: 1500, durationMs: 500 },
    );
    const ids = failing(conversation(events), thirdParty, pack);
    expect(ids).toEqual(expect.arrayContaining(["required_phrase:notice", "other_person_data", "no_disclosure_before_verification"]));
  });

  it("records a failed call as rejected, with the reason", () => {
    const score = scoreConversation({ conversation: conversation(cleanEvents(), { status: "failed", error: "agent model failed" }), scenario, pack: miniPack });
    expect(score.verdict).toBe("reject");
    expect(score.reasons.join(" ")).toMatch(/agent model failed/);
  });
});

describe("pass^k", () => {
  it("follows τ-bench: mean over scenarios of C(c,k)/C(n,k)", () => {
    const results = [
      { passed: 4, total: 4 },
      { passed: 2, total: 4 },
      { passed: 0, total: 4 },
    ];
    expect(passHatK(results, 1).value).toBeCloseTo((1 + 0.5 + 0) / 3, 10);
    expect(passHatK(results, 2).value).toBeCloseTo((1 + 1 / 6 + 0) / 3, 10);
    expect(passHatK(results, 4).value).toBeCloseTo(1 / 3, 10);
    const interval = passHatK(results, 2, 7);
    expect(interval.low).toBeLessThanOrEqual(interval.value);
    expect(interval.high).toBeGreaterThanOrEqual(interval.value);
  });
});
