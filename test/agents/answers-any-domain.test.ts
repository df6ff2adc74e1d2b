import { describe, expect, it } from "vitest";
import { askedSlot } from "../../agents/caller/pack-wording.ts";
import { speakValue } from "../../agents/caller/spoken.ts";
import { parseClockTime, parseYesNo } from "../../agents/index.ts";
import { captureName, freeText } from "../../agents/slot-filling/capture.ts";
import { valueFromTemplates } from "../../agents/slot-filling/from-template.ts";
import type { Scenario, ScenarioPack } from "../../scenarios/index.ts";
import { miniPack } from "../fixtures/mini-pack.ts";

// Answers as callers of packs the engine has never seen give them: pets, plates, VINs, times.
describe("what the agent takes from an answer", () => {
  it("takes a name however short, stammered or lowercased, and never a date", () => {
    expect(captureName("Biscuit, please.", false)).toBe("Biscuit");
    expect(captureName("Um, okay. Pepper, pleise.", false)).toBe("Pepper");
    expect(captureName("Clover— Clover.", false)).toBe("Clover");
    expect(captureName("Rosa Delgado.", false)).toBe("Rosa Delgado");
    expect(captureName("uh, June Park.", false)).toBe("June Park");
    expect(captureName("It's May.", false)).toBe("May");
    expect(captureName("rosa delgado", false)).toBe("Rosa Delgado");
    expect(captureName("It's May fourteenth, nineteen seventy-nine.", false)).toBeUndefined();
    expect(captureName("July Twenty-third, nineteen fifty-two.", false)).toBeUndefined();
    // A name stops at a sentence's end and at a function word; a misheard stammer is one name.
    expect(captureName("Fine. It's Gomez. Can we move this along?", false)).toBe("Gomez");
    expect(captureName("It's Gomez Can you hurry?", false)).toBe("Gomez");
    expect(captureName("Gomez— Gomes.", false)).toBe("Gomez");
    expect(captureName("Will Turner.", false)).toBe("Will Turner");
    // Unasked, only a name the caller introduces counts.
    expect(captureName("I'd like to book a visit for Mochi on Thursday.", true)).toBeUndefined();
  });

  it("takes a free-text answer's first sentence, without acknowledgement, lead-in or courtesy", () => {
    expect(freeText("Yep! A limp. Poor thing.")).toBe("A limp");
    expect(freeText("Sure. KTX4821, please.")).toBe("KTX4821");
    expect(freeText("Okay. It's— It's KTX4821. I've already wasted enough time on this.")).toBe("KTX4821");
    expect(freeText("Okay, good.")).toBe("");
  });

  it("puts a code said in pieces back together", () => {
    expect(freeText("K T X four eight two one.")).toBe("KTX4821");
    expect(freeText("It's three three five one nine zero.")).toBe("335190");
    expect(freeText("double five oh one")).toBe("5501");
    // Words are words, not a code.
    expect(freeText("A seizure check.")).toBe("A seizure check");
  });

  it("reads clock times from ten on with their minutes, and 'sorry, go ahead' as no answer", () => {
    expect(parseClockTime("At ten thirty a m")).toBe("10:30");
    expect(parseClockTime("twelve thirty p m")).toBe("12:30");
    expect(parseClockTime("at ten forty-five")).toBe("10:45");
    expect(parseClockTime("nine thirty")).toBe("09:30");
    expect(parseYesNo("Sorry, go ahead.")).toBeUndefined();
    expect(parseYesNo("Sorry— Sorry, go ahead.")).toBeUndefined();
    expect(parseYesNo("Oh, sorry, go on.")).toBeUndefined();
    expect(parseYesNo("Yes, go ahead.")).toBe("yes");
  });
});

describe("what the caller hears and says", () => {
  const pack: ScenarioPack = {
    ...miniPack,
    agent: {
      ...miniPack.agent,
      intents: [
        {
          ...(miniPack.agent.intents[0] as ScenarioPack["agent"]["intents"][number]),
          slots: [{ name: "vehicle", type: "text", prompt: "Which vehicle is it? The last six of the VIN or the plate is fine.", required: true, examples: [] }],
        },
      ],
    },
  };
  const scenario = { ...(miniPack.scenarios[0] as Scenario), goal: { ...(miniPack.scenarios[0] as Scenario).goal, intent: pack.agent.intents[0]?.id ?? "" } };

  it("finds a slot prompt anywhere in the turn, even one that does not end in a question", () => {
    expect(askedSlot(pack, scenario, "Thanks, I've found your account. Which vehicle is it? The last six of the VIN or the plate is fine.")?.name).toBe("vehicle");
    expect(askedSlot(pack, scenario, "Sorry, I didn't catch that. Which vehicle is it? The last six of the VIN or the plate is fine.")?.name).toBe("vehicle");
    expect(askedSlot(pack, scenario, "Thanks, you're all set.")).toBeUndefined();
  });

  it("says an id a digit at a time and a count as a number", () => {
    expect(speakValue("335190")).toBe("three three five one nine oh");
    expect(speakValue("0042")).toBe("oh oh four two");
    expect(speakValue("4 people")).toBe("four people");
  });
});

describe("a free-text value said unasked", () => {
  const openings = ["I want to report a {slot.problem}[ at {slot.address}].", "There's a {slot.problem} on my street."];
  it("is read where the pack's opening lines put it, and not from the lines' own words", () => {
    expect(valueFromTemplates(openings, "address", "I wunt to report power outage at nineteen Canyon Road. Thanks for your help.")).toBe("nineteen Canyon Road");
    expect(valueFromTemplates(openings, "address", "I want to report a leak at my place.")).toBeUndefined();
    expect(valueFromTemplates(openings, "address", "There's a leak on my street.")).toBeUndefined();
    expect(valueFromTemplates(["Can you look up order {slot.order} for me?"], "order", "Hi, can you look up order blue seven four for me?")).toBe("blue seven four");
  });
});
