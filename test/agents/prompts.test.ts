import { describe, expect, it } from "vitest";
import { agentSystemPrompt, callerSystemPrompt, eventsToAgentMessages } from "../../agents/index.ts";
import { type ConversationEvent, loadPack, type Scenario } from "../../scenarios/index.ts";

const packs = await Promise.all(["clinic-booking", "collections"].map((name) => loadPack(`scenarios/packs/${name}`)));
const at = { at: 0 };

describe("the LLM agent's system prompt", () => {
  it("explains every bracketed note the agent's messages can hold, in the form they have", () => {
    const events: ConversationEvent[] = [
      { type: "agent_speech", turn: 1, said: "Thanks for calling, how can I help you today?", callerHeard: "Thanks for calling,", interrupted: true, durationMs: 900, ...at },
      { type: "silence", turn: 1, who: "caller", durationMs: 6000, ...at },
      { type: "caller_speech", turn: 2, said: "[keypad 1 2 3 4]", heard: "1234", dtmf: "1234", bargedIn: false, durationMs: 1600, ...at },
    ];
    const notes = eventsToAgentMessages(events).flatMap((m) => m.content.match(/\[[^\]]+\]/g) ?? []);
    expect(notes).toEqual(["[call connected]", "[interrupted]", "[caller silent for 6 seconds]", "[keypad: 1234]"]);
    for (const { pack } of packs) {
      const prompt = agentSystemPrompt(pack, "2026-03-10T09:05:00-05:00", "America/Chicago");
      for (const note of notes) expect(prompt).toContain(note.replace(/\d+ seconds/, "N seconds").replace(/keypad: \d+/, "keypad: 1234"));
    }
  });

  it("gives each procedure step a concrete instruction, not a bare label", () => {
    for (const { pack } of packs) {
      const prompt = agentSystemPrompt(pack, "2026-03-10T09:05:00-05:00", "America/Chicago");
      const steps = prompt.split("\n").filter((line) => /^\d+\. /.test(line));
      expect(steps).toHaveLength(pack.agent.procedure.length);
      for (const [i, step] of pack.agent.procedure.entries()) {
        const line = steps[i] ?? "";
        expect(line.split(/\s+/).length, line).toBeGreaterThanOrEqual(6);
        if (step.tool) expect(line, line).toContain(step.tool);
        if (step.slots.length) expect(line, line).toMatch(/Ask for the caller's/);
        if (step.say || step.phrase) expect(line, line).toMatch(/Say( these words exactly)?: "/);
      }
      // Every request the pack handles is spelled out with the tools that settle it.
      for (const intent of pack.agent.intents) for (const tool of intent.tools) expect(prompt).toContain(tool);
    }
  });

  it("does not tie end_call to asking whether there is anything else", () => {
    for (const { pack } of packs) {
      const prompt = agentSystemPrompt(pack, "2026-03-10T09:05:00-05:00", "America/Chicago");
      const sentences = prompt.split(/(?<=[.;])\s+/);
      for (const sentence of sentences.filter((s) => /end_call/.test(s))) {
        if (/anything else|asking|question/i.test(sentence)) expect(sentence, sentence).toMatch(/\b(not|never)\b/);
      }
      expect(prompt).toMatch(/nothing more.*end_call/);
    }
  });
});

describe("the LLM caller's system prompt", () => {
  const clinic = packs[0]?.pack;
  const base = clinic?.scenarios.find((s) => s.id === "book-sick-changed-mind") as Scenario;
  const persona = clinic?.personas[0];

  it("states each complication as when and how to act, never as a sentence to repeat", () => {
    if (!clinic || !persona) throw new Error("clinic pack missing");
    const scenario: Scenario = {
      ...base,
      complications: [
        { kind: "change_mind", slot: "date", from: "tomorrow", to: "Thursday" },
        { kind: "correction", slot: "dob", wrong: "1975-11-12", right: "1975-11-21" },
        { kind: "underspecified", slots: ["service", "date"] },
        { kind: "refusal_trap", trap: "waive_fee", utterance: "Can you just waive that fee for me?" },
        { kind: "silence", atTurn: 3, seconds: 6 },
        { kind: "request_human", atTurn: 4 },
        { kind: "wrong_person", relation: "spouse" },
        { kind: "dtmf", slot: "phone" },
        { kind: "interrupts", rate: 0.4 },
      ],
    };
    const prompt = callerSystemPrompt(clinic, scenario, persona);
    const section = prompt.split("\n");
    const start = section.findIndex((line) => /^How to play this call/.test(line));
    const lines = section.slice(start + 1, start + 1 + scenario.complications.length);
    expect(lines).toHaveLength(9);
    for (const line of lines) {
      expect(line, line).not.toMatch(/"/);
      expect(line, line).toMatch(/\b(first time|only after|after you|when|at your turn|once)\b/i);
    }
    expect(prompt).not.toContain("Can you just waive that fee for me?");
    expect(lines[0]).toMatch(/first time you say which date.*tomorrow.*Only after.*Thursday/);
  });

  it("is the person the hidden facts belong to when a variant lent the seed another persona's manner", () => {
    const collections = packs[1]?.pack;
    if (!collections) throw new Error("collections loads");
    const seed = collections.scenarios.find((s) => s.id === "payment-full-easy") as Scenario;
    const other = collections.personas.find((p) => p.name !== seed.hiddenFacts.name && p.role === "account_holder");
    if (!other) throw new Error("collections has another account holder");
    const prompt = callerSystemPrompt(collections, { ...seed, persona: other.id }, other);
    expect(prompt).toMatch(new RegExp(`^You are ${String(seed.hiddenFacts.name)}, phoning`));
    expect(prompt).not.toContain(other.name);
  });
});
