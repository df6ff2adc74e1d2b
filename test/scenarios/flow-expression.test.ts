import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { evaluateExpression, expressionNames, loadPack, parseExpression, validatePackReferences } from "../../scenarios/index.ts";

const values: Record<string, unknown> = { "slot.months": 3, "dues.balance_cents": 10000, "slot.amount": "all", "item.last4": "4242", "slot.card": "4242" };
const value = (source: string) => evaluateExpression(parseExpression(source), (path) => values[path]);

describe("flow expressions", () => {
  it("does arithmetic with the usual precedence, and the rounding a monthly amount needs", () => {
    expect(value("ceil(dues.balance_cents / slot.months)")).toBe(3334);
    expect(value("1 + 2 * 3 - (4 - 1)")).toBe(4);
    expect(value("min(slot.months, 12, floor(dues.balance_cents / 2500))")).toBe(3);
  });

  it("compares numbers as numbers and text without case, and picks with ? :", () => {
    expect(value("item.last4 == slot.card")).toBe(true);
    expect(value("slot.amount == 'ALL' ? dues.balance_cents : slot.amount")).toBe(10000);
    expect(value("slot.months > 12 || !slot.months")).toBe(false);
  });

  it("gives no value where arithmetic meets something not a number, so a binding is left out", () => {
    expect(value("slot.amount * 2")).toBeUndefined();
    expect(value("missing.path + 1")).toBeUndefined();
    expect(value("dues.balance_cents / 0")).toBeUndefined();
  });

  it("lists the names it reads and says what is wrong with one it cannot read", () => {
    expect(expressionNames(parseExpression("ceil(dues.balance_cents / slot.months)"))).toEqual(["dues.balance_cents", "slot.months"]);
    expect(() => parseExpression("ceil(dues.balance_cents /")).toThrow(/expected a value at the end/);
    expect(() => parseExpression("sqrt(4)")).toThrow(/no function sqrt\(\); use one of min, max/);
  });

  it("is checked when a pack loads: syntax, and names no earlier step saved", async () => {
    const loaded = await loadPack("scenarios/packs/collections");
    const pack = structuredClone(loaded.pack);
    const plan = pack.agent.intents.find((i) => i.id === "payment_plan");
    if (!plan?.steps) throw new Error("the plan intent has steps");
    plan.steps.push({ set: { bad: "{= ceil(account.accounts.balance_cents / }" }, args: {}, onError: {}, then: "continue" });
    plan.steps.push({ say: "{= acount.balance_cents / 2|money}", args: {}, onError: {}, then: "continue" });
    const messages = validatePackReferences(pack, loaded.tools.map((t) => t.name)).map((i) => `${i.path}: ${i.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/steps\[\d+\]\.set\.bad: expected a value/),
        expect.stringMatching(/steps\[\d+\]\.say: \{= acount\.balance_cents \/ 2\|money\} reads acount\.balance_cents: no earlier step saves a result as acount \(did you mean account\?\)/),
      ]),
    );
  });

  it("is shown in docs/authoring.md as the collections pack writes it", () => {
    const doc = readFileSync("docs/authoring.md", "utf8");
    const block = /\(`scenarios\/packs\/collections\/agent\.yaml`, word for word\):\n\n```yml\n([\s\S]*?)```/.exec(doc)?.[1] ?? "";
    expect(block).toContain("{= ceil(account.accounts.balance_cents / months)}");
    expect(readFileSync("scenarios/packs/collections/agent.yaml", "utf8")).toContain(block);
  });
});
