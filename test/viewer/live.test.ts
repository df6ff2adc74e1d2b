import { appendFileSync, cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Conversation } from "../../scenarios/index.ts";
import { createLiveFeed, startViewer } from "../../viewer/index.ts";
import { wsClient } from "./ws-client.ts";

const SMALL_RUN = "test/fixtures/runs/small";

/** A copy of the fixture run in a temp dir, with its last conversation (and its score) held back. */
function runInProgress() {
  const dir = join(mkdtempSync(join(tmpdir(), "voicesim-live-")), "run");
  cpSync(SMALL_RUN, dir, { recursive: true });
  const conversationLines = readFileSync(join(dir, "conversations.jsonl"), "utf8").trim().split("\n");
  const scoreLines = readFileSync(join(dir, "scores.jsonl"), "utf8").split("\n").slice(0, -1);
  const heldBack = conversationLines.at(-1) ?? "";
  const heldBackId = (JSON.parse(heldBack) as { id: string }).id;
  const heldBackScore = scoreLines.find((l) => l.includes(`"conversationId":"${heldBackId}"`)) ?? "";
  writeFileSync(join(dir, "conversations.jsonl"), `${conversationLines.slice(0, -1).join("\n")}\n`);
  writeFileSync(join(dir, "scores.jsonl"), `${scoreLines.filter((l) => l !== heldBackScore).join("\n")}\n`);
  return { dir, heldBack, heldBackId, heldBackScore };
}

describe("live mode: a run still being written", () => {
  it("pushes a conversation appended to conversations.jsonl, and its score when it lands", async () => {
    const run = runInProgress();
    const viewer = await startViewer({ runDir: run.dir });
    try {
      const c = await wsClient(viewer.url);
      c.send({ type: "list" });
      expect((await c.next("list")).message.counts.total).toBe(3);
      // Written in two pieces, as a slow writer would: the torn half must not show up on its own.
      const text = `${run.heldBack}\n`;
      appendFileSync(join(run.dir, "conversations.jsonl"), text.slice(0, 60));
      await new Promise((resolve) => setTimeout(resolve, 800));
      expect(c.inbox.some((e) => e.message.type === "conversation_added")).toBe(false);
      appendFileSync(join(run.dir, "conversations.jsonl"), text.slice(60));
      const added = await c.next("conversation_added");
      expect(added.message.item).toMatchObject({ id: run.heldBackId, verdict: "unjudged", live: false });
      appendFileSync(join(run.dir, "scores.jsonl"), `${run.heldBackScore}\n`);
      const updated = await c.next("conversation_updated");
      expect(updated.message.item).toMatchObject({ id: run.heldBackId, verdict: "accept" });
      c.send({ type: "list" });
      expect((await c.next("list")).message.counts).toMatchObject({ total: 4, unjudged: 0 });
      c.close();
    } finally {
      await viewer.close();
    }
  });

  it("tells only clients that asked for the list", async () => {
    const run = runInProgress();
    const viewer = await startViewer({ runDir: run.dir });
    try {
      const listener = await wsClient(viewer.url);
      const quiet = await wsClient(viewer.url);
      listener.send({ type: "list" });
      await listener.next("list");
      appendFileSync(join(run.dir, "conversations.jsonl"), `${run.heldBack}\n`);
      await listener.next("conversation_added");
      expect(quiet.inbox).toEqual([]);
      listener.close();
      quiet.close();
    } finally {
      await viewer.close();
    }
  });
});

describe("live mode: an engine in the same process (LiveFeed)", () => {
  it("streams a call's events to a subscriber as they are produced, then shows it finished", async () => {
    const call = Conversation.parse(JSON.parse(readFileSync(join(SMALL_RUN, "conversations.jsonl"), "utf8").split("\n")[0] ?? ""));
    const feed = createLiveFeed();
    const viewer = await startViewer({ runDir: mkdtempSync(join(tmpdir(), "voicesim-feed-")), follow: false, live: feed });
    try {
      const c = await wsClient(viewer.url);
      c.send({ type: "list" });
      expect((await c.next("list")).message.counts.total).toBe(0);
      feed.event({ conversationId: call.id, index: 0, event: call.events[0]! });
      expect((await c.next("conversation_added")).message.item).toMatchObject({ id: call.id, live: true, verdict: "unjudged" });
      c.send({ type: "subscribe", conversationId: call.id });
      expect((await c.next("conversation")).message).toMatchObject({ live: true, meta: { events: 1 } });
      c.send({ type: "speed", factor: 8 });
      c.send({ type: "play" });
      await c.next("event", (m) => m.index === 0);
      // The player waits at the end of what exists, then goes on as the engine produces more.
      feed.event({ conversationId: call.id, index: 1, event: call.events[1]! });
      expect((await c.next("event", (m) => m.index === 1)).message.event).toEqual(call.events[1]);
      // An engine that does not number its events gets them appended in order.
      feed.emit("event", call.id, call.events[2]);
      expect((await c.next("event", (m) => m.index === 2)).message.event).toEqual(call.events[2]);
      feed.done(call);
      expect((await c.next("conversation_updated")).message.item).toMatchObject({ id: call.id, live: false });
      expect((await c.next("event", (m) => m.index === 3)).message.event).toEqual(call.events[3]);
      c.close();
    } finally {
      await viewer.close();
    }
    expect(feed.listenerCount("event")).toBe(0);
  });

  it("still takes chunks through publish()", async () => {
    const call = Conversation.parse(JSON.parse(readFileSync(join(SMALL_RUN, "conversations.jsonl"), "utf8").split("\n")[1] ?? ""));
    const viewer = await startViewer({ runDir: mkdtempSync(join(tmpdir(), "voicesim-feed-")), follow: false });
    try {
      const c = await wsClient(viewer.url);
      c.send({ type: "list" });
      await c.next("list");
      viewer.publish({ conversationId: call.id, index: 0, event: call.events[0]! });
      expect((await c.next("conversation_added")).message.item.id).toBe(call.id);
      c.close();
    } finally {
      await viewer.close();
    }
  });
});
