import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import { isoIn, SimClock } from "../../tools/clock.ts";

describe("the simulated clock's ISO text", () => {
  it("is what luxon writes, around daylight-saving changes and in zones with odd offsets", () => {
    const zones = ["America/Chicago", "Europe/London", "Asia/Kolkata", "America/St_Johns", "Australia/Lord_Howe", "Pacific/Chatham", "Asia/Kathmandu", "UTC", "Etc/UTC", "UTC+3", "Not/AZone"];
    const mismatches: string[] = [];
    for (const zone of zones) {
      for (const year of [2026, 2031]) {
        for (const month of [3, 4, 9, 10, 11]) {
          const start = Date.UTC(year, month - 1, 1);
          // Every 71 minutes (so every minute of the hour comes round) with odd milliseconds, for a month: every change of these zones falls in one.
          for (let minute = 0; minute < 60 * 24 * 31; minute += 71) {
            const millis = start + minute * 60_000 + (minute % 997);
            const expected = DateTime.fromMillis(millis, { zone }).toISO() ?? new Date(millis).toISOString();
            const actual = isoIn(millis, zone);
            if (actual !== expected) mismatches.push(`${zone} ${expected} ${actual}`);
          }
        }
      }
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
  });

  it("starts from the scenario's now and moves only forward", () => {
    const clock = new SimClock("2026-03-08T01:59:30-06:00", "America/Chicago");
    expect(clock.nowIso()).toBe("2026-03-08T01:59:30.000-06:00");
    // Clocks spring forward at 2:00 in Chicago that night.
    expect(clock.isoAfter(60_000)).toBe("2026-03-08T03:00:30.000-05:00");
    expect(clock.isoAfter(-5)).toBe("2026-03-08T01:59:30.000-06:00");
    expect(() => new SimClock("not a time", "America/Chicago")).toThrow(/invalid time/);
  });
});
