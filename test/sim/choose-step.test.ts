import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createScriptedAgent, createScriptedCaller } from "../../agents/index.ts";
import { Conversation, loadPack, type LoadedPack } from "../../scenarios/index.ts";
import { simulate } from "../../sim/index.ts";

// The salon test pack, booking with a stylist the caller picks from a list a tool returns.
const STEPS = `      steps:
        - collect: [day, at]
        - call: list_stylists
          save: team
        - choose: { from: "{team.records}", label: "{item.name}", save: stylist, ask: "I can book you with {options}. Who would you like?" }
        - confirm: "A haircut with {stylist.name} on {slot.day|date} at {slot.at}. Shall I book it?"
        - call: book_cut
          args: { client_id: "{customer.id}", day: "{slot.day}", time: "{slot.at}", stylist_id: "{stylist.id}" }
          save: cut
          say: "You're booked with {stylist.name} on {cut.record.day|date}."
          then: report
`;

let conversations: Conversation[] = [];
let loaded: LoadedPack;
beforeAll(async () => {
  const original = readFileSync("test/fixtures/packs/salon/pack.yaml", "utf8");
  const start = original.indexOf("      steps:\n        - collect: [day, at]");
  const end = original.indexOf("    - id: prices");
  const yaml = (original.slice(0, start) + STEPS + original.slice(end))
    .replace("tools: [book_cut]", "tools: [list_stylists, book_cut]")
    .replace("tools: [find_client, book_cut,", "tools: [find_client, list_stylists, book_cut,")
    .replace("args: { client_id: { type: string }, day: { type: string }, time: { type: string } }", "args: { client_id: { type: string }, day: { type: string }, time: { type: string }, stylist_id: { type: string } }")
    .replace("set: { client_id: clientId, day: day, time: time }", "set: { client_id: clientId, day: day, time: time, stylist_id: stylistId }")
    .replace(
      "  - name: price_of\n",
      "  - name: list_stylists\n    description: The stylists working.\n    args: {}\n    behaviour: { kind: list, collection: stylists, match: {} }\n  - name: price_of\n",
    )
    .replace("  cuts: []\n", "  cuts: []\n  stylists: [{ id: ST-1, name: Marco }, { id: ST-2, name: Ines }, { id: ST-3, name: Lena }]\n")
    // The caller who books Friday wants Ines; the one who books tomorrow has no preference.
    .replace('hiddenFacts: { phone: "415 555 0101" }\n    clock: { now: "2026-03-10T09:00:00", timezone: America/Los_Angeles }\n    difficulty: easy', 'hiddenFacts: { phone: "415 555 0101", stylist: Ines }\n    clock: { now: "2026-03-10T09:00:00", timezone: America/Los_Angeles }\n    difficulty: easy');
  const dir = mkdtempSync(join(tmpdir(), "voicesim-choose-"));
  writeFileSync(join(dir, "pack.yaml"), yaml);
  loaded = await loadPack(dir);
  const out = join(dir, "run");
  await simulate(loaded, {
    out,
    scenarioIds: ["book-easy", "book-free-trap"],
    perScenario: 1,
    concurrency: 2,
    seed: 2,
    backends: { caller: createScriptedCaller(), agent: createScriptedAgent() },
    flawRate: 0,
    resume: false,
  });
  conversations = readFileSync(join(out, "conversations.jsonl"), "utf8").trim().split("\n").map((line) => Conversation.parse(JSON.parse(line)));
});

const bookedWith = (c: Conversation | undefined) => {
  const call = c?.events.find((e) => e.type === "tool_call" && e.tool === "book_cut");
  return call?.type === "tool_call" ? (call.args as Record<string, unknown>) : undefined;
};
const spoken = (c: Conversation | undefined) => c?.events.flatMap((e) => (e.type === "agent_speech" ? [e.said] : [])) ?? [];

describe("a flow's choose step", () => {
  it("offers the list a tool returned, takes the caller's pick by name, and books with it", () => {
    const call = conversations.find((c) => c.scenarioId === "book-easy");
    expect(spoken(call)).toContain("I can book you with Marco, Ines or Lena. Who would you like?");
    expect(bookedWith(call)).toMatchObject({ stylist_id: "ST-2" });
    expect(spoken(call).join(" ")).toContain("You're booked with Ines");
  });

  it("is the flow docs/authoring.md shows, word for word", () => {
    const dedented = STEPS.split("\n").map((line) => line.slice(6)).join("\n");
    expect(readFileSync("docs/authoring.md", "utf8")).toContain(dedented);
  });

  it("takes a pick by position from a caller with no preference", () => {
    expect(bookedWith(conversations.find((c) => c.scenarioId === "book-free-trap"))).toMatchObject({ stylist_id: "ST-1" });
  });
});
