import { describe, expect, it } from "vitest";
import { validatePackReferences } from "../../scenarios/index.ts";
import type { ScenarioPack } from "../../scenarios/index.ts";
import { miniPack } from "../fixtures/mini-pack.ts";

// Mistakes a stranger's pack made that validated as "valid" and only showed at run time.
const withSteps = (steps: NonNullable<ScenarioPack["agent"]["intents"][number]["steps"]>, openings: string[] = []): ScenarioPack => {
  const intent = miniPack.agent.intents[0] as ScenarioPack["agent"]["intents"][number];
  return { ...miniPack, agent: { ...miniPack.agent, intents: [{ ...intent, steps, openings, slots: [...intent.slots, { name: "pet", type: "name", prompt: "What's your pet's name?", required: true, examples: [] }] }] } };
};
const step = (fields: Partial<NonNullable<ScenarioPack["agent"]["intents"][number]["steps"]>[number]>) => ({ args: {}, onError: {}, then: "continue" as const, ...fields });
const messages = (pack: ScenarioPack) => validatePackReferences(pack, []).map((issue) => `${issue.path}: ${issue.message}`);

describe("pack validation reads every flow template", () => {
  it("names a slot, a saved result or a spoken form that does not exist, with a did-you-mean", () => {
    const found = messages(
      withSteps(
        [
          step({ call: "search_slots", save: "booking", args: { service_id: "{slot.pett}" } }),
          step({ say: "Booked for {bookng.start|datetime}, {slot.pet|a}, {booking.start|fancy}." }),
        ],
        ["Book {slot.pett} in."],
      ),
    );
    expect(found).toContainEqual(expect.stringMatching(/steps\[0\]\.args\.service_id: \{slot\.pett\}: no slot pett .*did you mean pet\?/));
    expect(found).toContainEqual(expect.stringMatching(/steps\[1\]\.say: \{bookng\.start\}: no earlier step saves a result as bookng \(did you mean booking\?\)/));
    expect(found).toContainEqual(expect.stringMatching(/steps\[1\]\.say: \{booking\.start\|fancy\}: no spoken form fancy/));
    expect(found).toContainEqual(expect.stringMatching(/openings\[0\]: \{slot\.pett\}: the intent has no slot pett/));
    // `|a` is a spoken form, and a step may speak its own saved result.
    expect(found.some((m) => m.includes("|a"))).toBe(false);
  });

  it("refuses a reserved save name, an unknown hand-off queue and an error code one letter off", () => {
    const found = messages(
      withSteps([
        step({ call: "search_slots", save: "slot", onError: { rule_violaton: "Sorry, {error}." } }),
        step({ handoff: "vet-nurses" }),
      ]),
    );
    expect(found).toContainEqual(expect.stringMatching(/steps\[0\]\.save: slot is a name templates already use/));
    expect(found).toContainEqual(expect.stringMatching(/steps\[0\]\.onError\.rule_violaton: .*did you mean rule_violation\?/));
    expect(found).toContainEqual(expect.stringMatching(/steps\[1\]\.handoff: no hand-off queue vet-nurses/));
  });

  it("accepts a step's own result in what it says, and results saved by the identity flow", () => {
    expect(messages(withSteps([step({ call: "search_slots", save: "found", say: "I have {found.slots|list}." })]))).toEqual([]);
  });
  it("reads slot fields, checks set and choose-by-day slots, and keeps |hours to conditions", () => {
    const found = messages(
      withSteps([
        step({ call: "search_slots", save: "open", args: { date_from: "{slot.pet.from}" } }),
        step({ choose: { from: "{open.slots}", label: "{item.start|time}", save: "pick", ask: "On {item.start|date}, I have {options}.", max: 3, slot: "pett", prefer: [] } }),
        step({ set: { "slot.pett": "{pick.provider_name}" } }),
        step({ when: "{pick.start|hours} < 24", say: "Soon: {pick.start|hours} hours." }),
      ]),
    );
    expect(found.some((m) => m.includes("{slot.pet.from}"))).toBe(false);
    expect(found.some((m) => m.includes("{item.start|date}"))).toBe(false);
    expect(found).toContainEqual(expect.stringMatching(/steps\[1\]\.choose\.slot: no slot pett/));
    expect(found).toContainEqual(expect.stringMatching(/steps\[1\]\.choose\.at: a choice that follows a day slot needs `at`/));
    expect(found).toContainEqual(expect.stringMatching(/steps\[2\]\.set\.slot\.pett: no slot pett/));
    expect(found).toContainEqual(expect.stringMatching(/steps\[3\]\.say: \{pick\.start\|hours\} is for conditions/));
    expect(found.some((m) => m.includes("steps[3].when"))).toBe(false);
  });
});
