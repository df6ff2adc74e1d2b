import { describe, expect, it } from "vitest";
import { passHatKTable } from "../../pipeline/index.ts";

describe("passHatKTable", () => {
  it("gives pass^k for k = 1..n matching hand computation, with a reproducible interval", () => {
    // Scenario A: 3 of 3 passed; B: 1 of 3. By hand: k=1 (1 + 1/3)/2, k=2 (1 + 0)/2, k=3 (1 + 0)/2.
    const results = [
      { passed: 3, total: 3 },
      { passed: 1, total: 3 },
    ];
    const table = passHatKTable(results, 11);
    expect(table.map((row) => row.k)).toEqual([1, 2, 3]);
    expect(table[0]?.value).toBeCloseTo(2 / 3, 10);
    expect(table[1]?.value).toBeCloseTo(0.5, 10);
    expect(table[2]?.value).toBeCloseTo(0.5, 10);
    for (const row of table) {
      expect(row.low).toBeLessThanOrEqual(row.value);
      expect(row.high).toBeGreaterThanOrEqual(row.value);
    }
    expect(passHatKTable(results, 11)).toEqual(table);
  });
});
