import { describe, expect, it } from "vitest";
import { digitRuns, matchChoice, parseClockTime, parseDateRequest, parseDigitString, parseDob, parseMoney, parsePhone, parseYesNo, speakDateTime, speakMoney } from "../../agents/index.ts";

const NOW = "2026-03-10T09:05:00"; // a Tuesday
const TZ = "America/Chicago";
const day = (text: string) => parseDateRequest(text, NOW, TZ);

describe("slot filling from heard text", () => {
  it.each([
    ["tomorrow", "2026-03-11", "2026-03-11"],
    ["next Tuesday morning", "2026-03-17", "2026-03-17"],
    ["this Friday afternoon", "2026-03-13", "2026-03-13"],
    ["um, actually Thursday", "2026-03-12", "2026-03-12"],
    ["next week", "2026-03-16", "2026-03-20"],
    ["in about two weeks", "2026-03-23", "2026-03-27"],
    ["the 25th", "2026-03-25", "2026-03-25"],
    ["the twenty fifth", "2026-03-25", "2026-03-25"],
    ["March 18 at 3", "2026-03-18", "2026-03-18"],
    ["I'm all over the place today, can I come Thursday", "2026-03-12", "2026-03-12"],
  ])("reads %j against the scenario clock", (text, from, to) => {
    expect(day(text)).toMatchObject({ from, to });
  });

  it("reads parts of day and clock times, and does not take a bare time for a day", () => {
    expect(day("next Tuesday morning")?.partOfDay).toBe("morning");
    expect(day("next Wednesday at three p m")?.time).toBe("15:00");
    expect(parseClockTime("the nine o'clock works")).toBe("09:00");
    expect(parseClockTime("three thirty")).toBe("15:30");
    expect(day("nine a m works")).toBeUndefined();
    expect(day("the first one works")).toBeUndefined();
  });

  it("reads dates of birth said, written and keyed", () => {
    expect(parseDob("March third, nineteen eighty-two")).toBe("1982-03-03");
    expect(parseDob("it's June fifteenth, hm, nineteen forty four")).toBe("1944-06-15");
    expect(parseDob("November twenty first a nineteen seventy five")).toBe("1975-11-21");
    expect(parseDob("3/3/82")).toBe("1982-03-03");
    expect(parseDob("03031982")).toBe("1982-03-03");
  });

  it("reads phone numbers and digits the way people say them", () => {
    expect(parsePhone("three one two, five five five, oh one four seven")).toBe("3125550147");
    expect(parsePhone("my number is (312) 555-0147.")).toBe("3125550147");
    expect(parseDigitString("double seven three, owe one")).toBe("77301");
    expect(parsePhone("three one two")).toBeUndefined();
  });

  it("reads digits through the recogniser's own homophones, a run of them between real digits included", () => {
    expect(digitRuns("Oh, okay. Sore, it's eight oh five two fore.")).toEqual(["80524"]);
    expect(digitRuns("It's seven three one owe oh ate seven.")).toEqual(["7310087"]);
    // Ordinary words that sound like digits are no digits away from real ones.
    expect(digitRuns("I want to pay for it, oh and one more thing")).toEqual(["1"]);
  });

  it("reads money, yes and no, and choices", () => {
    expect(parseMoney("a hundred and fifty dollars")).toBe(15_000);
    expect(parseMoney("$200.50")).toBe(20_050);
    expect(parseMoney("I'll pay the whole thing")).toBe("all");
    // "The whole amount owed" is said in the pack's own word for it, whatever that is.
    expect(parseMoney("I want to clear my full tab")).toBe("all");
    expect(parseMoney("the full two hundred dollars")).toBe(20_000);
    expect(parseYesNo("yeah, that works")).toBe("yes");
    expect(parseYesNo("not yet, thanks")).toBe("no");
    expect(parseYesNo("great, thank you")).toBe("yes");
    expect(parseYesNo("Can't you just do it this once?")).toBeUndefined();
    expect(parseYesNo("Yes, could you go ahead?")).toBe("yes");
    expect(matchChoice("I need my annual physicals", ["annual physical", "sick visit"])).toBe("annual physical");
    expect(matchChoice("something else entirely", ["annual physical", "sick visit"])).toBeUndefined();
  });

  it("lets no shared or generic word pick a choice, and a tie picks none", () => {
    const rooms = ["king room", "double queen", "suite"];
    expect(matchChoice("I need a room for a few nights", rooms, { generic: ["which", "kind", "of", "room"] })).toBeUndefined();
    expect(matchChoice("A king, please", rooms, { generic: ["room"] })).toBe("king room");
    expect(matchChoice("the queen", rooms, { generic: ["room"] })).toBe("double queen");
    // "visit" is in both; "wash" is in both: neither tells them apart, and the tie is no pick.
    expect(matchChoice("just a visit", ["sick visit", "follow-up visit"])).toBeUndefined();
    expect(matchChoice("a wash", ["basic wash", "deluxe wash"])).toBeUndefined();
    // A choice made only of shared words is named when all of them are said.
    expect(matchChoice("a full service please", ["full service", "full detail service", "detail"])).toBe("full service");
  });

  it("hears p m with its m lost or a word slipped in", () => {
    expect(parseClockTime("this Friday at eight p")).toBe("20:00");
    expect(parseClockTime("tomorrow at eight p oh m.")).toBe("20:00");
  });

  it("speaks numbers, money and times in words", () => {
    expect(speakMoney(125_050)).toBe("one thousand two hundred fifty dollars and fifty cents");
    expect(speakDateTime("2026-03-17T09:30:00-05:00", TZ)).toBe("Tuesday, March seventeenth at nine thirty a m");
  });
});
