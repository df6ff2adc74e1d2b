import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createScriptedAgent, createScriptedCaller } from "../../agents/index.ts";
import { scoreConversation } from "../../pipeline/judge/scripted-judge.ts";
import { Conversation, type LoadedPack, loadPack } from "../../scenarios/index.ts";
import { simulate } from "../../sim/index.ts";
import { hasWord, packText, wordingVocabulary } from "../helpers/pack-vocabulary.ts";

/** A domain no engine code was written for: pack files only (YAML tools and a TypeScript tool). */
const THIRD_DOMAIN = "test/fixtures/packs/pharmacy-refill";
/** A one-file pack written from the README alone, with no opening lines of its own. */
const PLAIN_PACK = "test/fixtures/packs/salon";
const PACKS = [...readdirSync("scenarios/packs").sort().map((name) => `scenarios/packs/${name}`), THIRD_DOMAIN, PLAIN_PACK];

async function calls(loaded: LoadedPack, perScenario: number): Promise<Conversation[]> {
  const out = mkdtempSync(join(tmpdir(), "voicesim-domain-"));
  await simulate(loaded, { out, perScenario, concurrency: 4, seed: 3, backends: { caller: createScriptedCaller(), agent: createScriptedAgent() }, flawRate: 0, resume: false });
  return readFileSync(join(out, "conversations.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((line) => Conversation.parse(JSON.parse(line)));
}

/** A call going round in circles: the same tool call four times, or the same agent line four times. */
function loops(conversation: Conversation): boolean {
  const count = (keys: string[]) => {
    const seen = new Map<string, number>();
    for (const k of keys) seen.set(k, (seen.get(k) ?? 0) + 1);
    return Math.max(0, ...seen.values());
  };
  const toolCalls = conversation.events.flatMap((e) => (e.type === "tool_call" ? [`${e.tool}${JSON.stringify(e.args)}`] : []));
  const lines = conversation.events.flatMap((e) => (e.type === "agent_speech" ? [e.said] : []));
  return count(toolCalls) >= 4 || count(lines) >= 4;
}

/** Plain words any line may use ("the phone number on your account"). */
const GENERIC_WORDING = new Set(["account", "accounts", "payment", "visit"]);

const EXPECTATION_CHECK = /^(completed|final_state|required_action|forbidden|order|required_phrase|refusal|handoff)/;

describe.each([THIRD_DOMAIN, PLAIN_PACK])("a pack for a domain the engine has never seen: %s", (dir) => {
  let loaded: LoadedPack;
  let conversations: Conversation[];
  beforeAll(async () => {
    loaded = await loadPack(dir);
    conversations = await calls(loaded, 2);
  });

  it("meets its scenarios' expectations in nine calls out of ten with no injected flaw, and never loops", () => {
    const failed = conversations.flatMap((conversation) => {
      const scenario = loaded.pack.scenarios.find((s) => s.id === conversation.scenarioId);
      if (!scenario) throw new Error(`no scenario ${conversation.scenarioId}`);
      const misses = scoreConversation({ conversation, scenario, pack: loaded.pack }).checks.filter((c) => !c.passed && EXPECTATION_CHECK.test(c.id));
      return misses.length > 0 ? [`${conversation.id}: ${misses.map((m) => m.message).join("; ")}`] : [];
    });
    expect(conversations).toHaveLength(loaded.pack.scenarios.length * 2);
    expect(1 - failed.length / conversations.length, failed.join("\n")).toBeGreaterThanOrEqual(0.9);
    expect(conversations.filter(loops).map((c) => c.id)).toEqual([]);
  });

});

describe("the pharmacy pack's identity and refusals, from pack data", () => {
  let loaded: LoadedPack;
  let conversations: Conversation[];
  beforeAll(async () => {
    loaded = await loadPack(THIRD_DOMAIN);
    conversations = await calls(loaded, 1);
  });

  it("identifies callers by name and date of birth through the pack's own lookup, with the name taken from the caller's words", () => {
    const lookups = conversations.flatMap((c) => c.events.flatMap((e) => (e.type === "tool_call" && e.tool === "find_patient" ? [e.args as Record<string, unknown>] : [])));
    expect(lookups.length).toBeGreaterThan(0);
    const known = new Set(loaded.pack.fixtures.patients?.map((p) => String(p.name)));
    const named = lookups.filter((args) => known.has(String(args.name)));
    expect(named.length / lookups.length).toBeGreaterThanOrEqual(0.8);
  });

  it("says the pharmacy system's own reason when it refuses a refill", () => {
    const early = conversations.filter((c) => c.scenarioId === "refill-controlled-early");
    expect(early.length).toBeGreaterThan(0);
    for (const conversation of early) {
      const said = conversation.events.flatMap((e) => (e.type === "agent_speech" ? [e.said] : [])).join(" ");
      expect(said).toMatch(/controlled medication and it can't be refilled before Friday, March twentieth/);
    }
  });
});

describe("each call keeps to its own pack's wording", () => {
  let packs: LoadedPack[];
  let runs: Conversation[][];
  beforeAll(async () => {
    packs = await Promise.all(PACKS.map((dir) => loadPack(dir)));
    runs = await Promise.all(packs.map((loaded) => calls(loaded, 1)));
  });

  it("never says a word that belongs only to another pack", () => {
    const foreign: string[] = [];
    packs.forEach((loaded, i) => {
      const own = packText(loaded);
      const others = packs.filter((_, j) => j !== i).flatMap(wordingVocabulary);
      const theirs = [...new Set(others)].filter((word) => !GENERIC_WORDING.has(word) && !hasWord(own, word));
      for (const conversation of runs[i] ?? []) {
        const speech = conversation.events.flatMap((e) => (e.type === "agent_speech" ? [e.said] : e.type === "caller_speech" ? [e.said] : [])).join(" \n ");
        for (const word of theirs) if (hasWord(speech, word)) foreign.push(`${conversation.id}: ${word}`);
      }
    });
    expect(foreign).toEqual([]);
  });
});
