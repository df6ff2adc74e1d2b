import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { Conversation, ForkedReplies, Manifest, Reject, ScenarioRecord, Score } from "../../scenarios/index.ts";
import { ForkPair } from "../../viewer/index.ts";

const SMALL_RUN = "test/fixtures/runs/small";

/** Every complete line of a JSONL file parsed with its schema; a torn last line is left out, as readers do. */
function lines<S extends z.ZodType>(file: string, schema: S): Array<z.infer<S>> {
  const text = readFileSync(join(SMALL_RUN, file), "utf8");
  const complete = text.endsWith("\n") ? text : text.slice(0, text.lastIndexOf("\n") + 1);
  return complete.split("\n").filter(Boolean).map((line) => schema.parse(JSON.parse(line)));
}

describe("the small recorded run the viewer tests use", () => {
  it("is valid against the run schemas, line by line", () => {
    const conversations = lines("conversations.jsonl", Conversation);
    expect(conversations).toHaveLength(4);
    expect(lines("scores.jsonl", Score)).toHaveLength(4);
    expect(lines("scenarios.jsonl", ScenarioRecord)).toHaveLength(5);
    expect(lines("rejects.jsonl", Reject).length).toBeGreaterThan(0);
    expect(lines("forks.jsonl", ForkedReplies)[0]?.replies).toHaveLength(3);
    expect(lines("dataset/pairs.jsonl", ForkPair)).toHaveLength(1);
    Manifest.parse(JSON.parse(readFileSync(join(SMALL_RUN, "manifest.json"), "utf8")));
  });

  it("holds what the viewer must show: an ASR difference, a barge-in, silence, a tool fault, a refusal", () => {
    const events = lines("conversations.jsonl", Conversation).flatMap((c) => c.events);
    expect(events.some((e) => e.type === "caller_speech" && e.said !== e.heard)).toBe(true);
    expect(events.some((e) => e.type === "agent_speech" && e.interrupted && e.callerHeard.length < e.said.length)).toBe(true);
    expect(events.some((e) => e.type === "caller_speech" && e.bargedIn)).toBe(true);
    expect(events.some((e) => e.type === "silence" && e.who === "caller")).toBe(true);
    expect(events.some((e) => e.type === "silence" && e.who === "agent")).toBe(true);
    expect(events.some((e) => e.type === "tool_result" && e.fault && !e.outcome.ok)).toBe(true);
    expect(lines("scores.jsonl", Score).some((s) => s.hasCorrectRefusal)).toBe(true);
  });

  it("ends scores.jsonl with a torn line, as a killed run leaves it", () => {
    expect(readFileSync(join(SMALL_RUN, "scores.jsonl"), "utf8").endsWith("\n")).toBe(false);
  });

  it("keeps its events in time order", () => {
    for (const c of lines("conversations.jsonl", Conversation)) {
      const at = c.events.map((e) => e.at);
      expect(at.slice(1).every((t, i) => t >= (at[i] ?? 0) - 1500)).toBe(true);
    }
  });
});
