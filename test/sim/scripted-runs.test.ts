import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createScriptedAgent, createScriptedCaller } from "../../agents/index.ts";
import { scoreConversation } from "../../pipeline/judge/scripted-judge.ts";
import { Conversation, type LoadedPack, loadPack } from "../../scenarios/index.ts";
import { simulate } from "../../sim/index.ts";

const tempDir = () => mkdtempSync(join(tmpdir(), "voicesim-run-"));

async function run(loaded: LoadedPack, options: { seed?: number; perScenario?: number; flawRate?: number; out?: string } = {}) {
  const out = options.out ?? tempDir();
  await simulate(loaded, {
    out,
    perScenario: options.perScenario ?? 2,
    concurrency: 4,
    seed: options.seed ?? 1,
    backends: { caller: createScriptedCaller(), agent: createScriptedAgent() },
    flawRate: options.flawRate ?? 0,
    resume: false,
  });
  const text = readFileSync(join(out, "conversations.jsonl"), "utf8");
  return { out, text, conversations: text.trim().split("\n").map((line) => Conversation.parse(JSON.parse(line))) };
}

describe.each(["clinic-booking", "collections"])("scripted runs of %s", (packName) => {
  let loaded: LoadedPack;
  let first: Awaited<ReturnType<typeof run>>;
  beforeAll(async () => {
    loaded = await loadPack(`scenarios/packs/${packName}`);
    first = await run(loaded, { seed: 11, perScenario: 3 });
  });

  it("writes one completed conversation per scenario and candidate", () => {
    expect(first.conversations).toHaveLength(loaded.pack.scenarios.length * 3);
    expect(first.conversations.every((c) => c.status === "completed")).toBe(true);
    expect(new Set(first.conversations.map((c) => c.id)).size).toBe(first.conversations.length);
  });

  it("gives a byte-identical conversations.jsonl for the same seed, and different calls for another", async () => {
    const again = await run(loaded, { seed: 11, perScenario: 3 });
    expect(again.text).toBe(first.text);
    const other = await run(loaded, { seed: 12, perScenario: 3 });
    expect(other.text).not.toBe(first.text);
  });

  it("makes every scenario's planned fault happen", () => {
    for (const scenario of loaded.pack.scenarios) {
      for (const rule of scenario.faultPlan) {
        const calls = first.conversations.filter((c) => c.scenarioId === scenario.id);
        const hit = calls.filter((c) => c.toolLog.some((r) => r.tool === rule.tool && r.fault === rule.kind));
        // A call may end before it reaches the faulty tool (a caller hangs up); most must reach it.
        expect(hit.length, `${scenario.id}: ${rule.kind} on ${rule.tool}`).toBeGreaterThanOrEqual(2);
      }
    }
  });

  it("shows barge-in, silence and ASR noise at about their configured rates", () => {
    const speech = first.conversations.flatMap((c) => c.events.filter((e) => e.type === "caller_speech"));
    const noisy = speech.filter((e) => e.type === "caller_speech" && e.said !== e.heard).length / speech.length;
    const personas = new Map(loaded.pack.personas.map((p) => [p.id, p]));
    const meanWer = loaded.pack.scenarios.reduce((sum, s) => sum + (personas.get(s.persona)?.asr.wer ?? 0), 0) / loaded.pack.scenarios.length;
    // An utterance of ~10 words at word error rate w is changed with probability 1-(1-w)^10.
    expect(noisy).toBeGreaterThan(1 - (1 - meanWer) ** 10 - 0.25);
    expect(noisy).toBeLessThan(1 - (1 - meanWer) ** 10 + 0.3);
    const agentTurns = first.conversations.flatMap((c) => c.events.filter((e) => e.type === "agent_speech"));
    const bargeIns = agentTurns.filter((e) => e.type === "agent_speech" && e.interrupted).length / agentTurns.length;
    expect(bargeIns).toBeGreaterThan(0.02);
    expect(bargeIns).toBeLessThan(0.3);
    expect(first.conversations.some((c) => c.events.some((e) => e.type === "silence" && e.who === "caller"))).toBe(true);
    const interrupted = agentTurns.find((e) => e.type === "agent_speech" && e.interrupted);
    if (interrupted?.type === "agent_speech") expect(interrupted.said.startsWith(interrupted.callerHeard)).toBe(true);
  });

  it("lets the agent, with no injected flaws, meet its easy scenarios' own expectations", () => {
    const easy = first.conversations.filter((c) => loaded.pack.scenarios.find((s) => s.id === c.scenarioId)?.difficulty === "easy");
    const outcomes = easy.map((conversation) => {
      const scenario = loaded.pack.scenarios.find((s) => s.id === conversation.scenarioId);
      if (!scenario) throw new Error("scenario missing");
      const failed = scoreConversation({ conversation, scenario, pack: loaded.pack }).checks.filter((c) => !c.passed && /^(final_state|required_action|order|required_phrase|forbidden)/.test(c.id));
      return { id: conversation.id, failed: failed.map((f) => f.message) };
    });
    const passed = outcomes.filter((o) => o.failed.length === 0).length;
    // Speech recognition noise makes a small share of easy calls fail honestly (a misheard phone
    // number three times ends in a hand-off); the agent itself must not be the reason.
    expect(passed / outcomes.length, JSON.stringify(outcomes.filter((o) => o.failed.length > 0), null, 1)).toBeGreaterThanOrEqual(0.85);
    for (const scenario of loaded.pack.scenarios.filter((s) => s.difficulty === "easy")) {
      const mine = outcomes.filter((o) => o.id.startsWith(`${scenario.id}#`));
      expect(mine.filter((o) => o.failed.length === 0).length, scenario.id).toBeGreaterThanOrEqual(2);
    }
  });

  it("turns injected flaws into calls the judge rejects", async () => {
    const flawed = await run(loaded, { seed: 5, perScenario: 2, flawRate: 1 });
    const rejected = flawed.conversations.filter((conversation) => {
      const scenario = loaded.pack.scenarios.find((s) => s.id === conversation.scenarioId);
      return scenario && scoreConversation({ conversation, scenario, pack: loaded.pack }).verdict === "reject";
    });
    expect(flawed.conversations.every((c) => c.injectedFlaws.length === 1)).toBe(true);
    expect(rejected.length / flawed.conversations.length).toBeGreaterThan(0.4);
  });
});
