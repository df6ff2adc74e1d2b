import { describe, expect, it } from "vitest";
import { ScenarioPack, validatePackReferences } from "../../scenarios/index.ts";
import { miniPackInput } from "../fixtures/mini-pack.ts";

const TOOLS = miniPackInput.agent.tools;
const issuesOf = (pack: ScenarioPack) => validatePackReferences(pack, TOOLS).map((issue) => `${issue.path}: ${issue.message}`);

describe("foreign keys between fixtures", () => {
  it("check an accountId or customerId against the pack's accounts or customers when it has them", () => {
    const pack = ScenarioPack.parse({
      ...miniPackInput,
      fixtures: { ...miniPackInput.fixtures, accounts: [{ id: "ACC-1", customerId: "CUS-1", kind: "membership", balanceCents: 0 }], invoices: [{ id: "INV-1", accountId: "ACC-9" }] },
      scenarios: miniPackInput.scenarios.map((s) => ({ ...s, hiddenFacts: { ...s.hiddenFacts, customerId: "CUS-404" } })),
    });
    expect(issuesOf(pack)).toEqual(expect.arrayContaining(["fixtures.invoices[0].accountId: no accounts record ACC-9", "scenarios[0].hiddenFacts.customerId: no customers record CUS-404"]));
  });

  it("leave a field named like one alone in a pack without that collection: it names the pack's own records", () => {
    const pack = ScenarioPack.parse({ ...miniPackInput, fixtures: { ...miniPackInput.fixtures, meters: [{ id: "M-1", accountId: "UA-3" }] } });
    expect(issuesOf(pack)).toEqual([]);
  });
});
