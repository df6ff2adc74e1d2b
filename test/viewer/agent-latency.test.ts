import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startViewer, type Viewer } from "../../viewer/index.ts";
import { wsClient } from "./ws-client.ts";

let viewer: Viewer;
beforeAll(async () => {
  // The small fixture run, with one call as an external agent would have recorded it.
  const run = join(mkdtempSync(join(tmpdir(), "voicesim-viewer-latency-")), "run");
  cpSync("test/fixtures/runs/small", run, { recursive: true });
  const file = join(run, "conversations.jsonl");
  const lines = readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  for (const line of lines) {
    if (line.id === "pay-waive-fee#0") line.agentLatency = [400, 2_600, 900, 300].map((ms, turn) => ({ turn, firstSpeechMs: ms, tools: [] }));
  }
  writeFileSync(file, `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`);
  viewer = await startViewer({ runDir: run, follow: false });
});
afterAll(async () => viewer?.close());

describe("the viewer on an external agent's call", () => {
  it("shows p50/p95 of the time to first words and marks the turns over two seconds; other calls show none", async () => {
    const c = await wsClient(viewer.url);
    c.send({ type: "subscribe", conversationId: "pay-waive-fee#0" });
    const { message } = await c.next("conversation");
    expect(message.meta.latency).toEqual({ firstSpeechP50Ms: 400, firstSpeechP95Ms: 2_600, slowTurns: [1], slowTurnMs: 2_000 });
    c.send({ type: "subscribe", conversationId: "book-flu-asr#0" });
    const other = await c.next("conversation");
    expect(other.message.meta.latency).toBeUndefined();
    c.close();
  });
});
