import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Conversation } from "../../scenarios/index.ts";
import { gapBefore, startViewer, type Viewer } from "../../viewer/index.ts";
import { wsClient } from "./ws-client.ts";

const SMALL_RUN = "test/fixtures/runs/small";
const conversations = readFileSync(join(SMALL_RUN, "conversations.jsonl"), "utf8").trim().split("\n").map((l) => Conversation.parse(JSON.parse(l)));
const byId = (id: string) => conversations.find((c) => c.id === id) as Conversation;

let viewer: Viewer;
beforeAll(async () => {
  viewer = await startViewer({ runDir: SMALL_RUN, follow: false });
});
afterAll(async () => viewer?.close());

describe("list", () => {
  it("lists every call of the run with counts and facet counts for the filter menus", async () => {
    const c = await wsClient(viewer.url);
    c.send({ type: "list" });
    const { message } = await c.next("list");
    expect(message.items.map((i) => i.id).sort()).toEqual(conversations.map((x) => x.id).sort());
    expect(message.counts).toEqual({ total: 4, shown: 4, accept: 3, reject: 1, unjudged: 0 });
    expect(message.facets.fault).toEqual({ server_error: 1, slow_response: 1, timeout: 1 });
    expect(message.facets.stage).toEqual({ fidelity: 1, judge: 1 });
    expect(message.facets.intent).toEqual({ book: 2, cancel: 1, payment: 1 });
    const book = message.items.find((i) => i.id === "book-flu-asr#0");
    expect(book).toMatchObject({ persona: "maria-busy-parent", intent: "book", verdict: "accept", score: 4.7, faults: ["timeout"], rejectedAt: null });
    c.close();
  });

  it.each([
    [{ verdict: "reject" }, ["cancel-quiet-slow#0"]],
    [{ stage: "fidelity" }, ["book-sick-advice#0"]],
    [{ intent: "payment" }, ["pay-waive-fee#0"]],
    [{ fault: "timeout" }, ["book-flu-asr#0"]],
    [{ persona: "grace-quiet" }, ["cancel-quiet-slow#0"]],
    [{ minScore: 4.6 }, ["book-flu-asr#0"]],
    [{ minScore: 4, maxScore: 4.6 }, ["book-sick-advice#0", "pay-waive-fee#0"]],
    [{ text: "ANTIBIOTICS" }, ["book-sick-advice#0"]],
    [{ intent: "book", verdict: "accept", fault: "server_error" }, ["book-sick-advice#0"]],
    [{ text: "no call says this" }, []],
  ])("filters by %j", async (filters, expected) => {
    const c = await wsClient(viewer.url);
    c.send({ type: "list", filters });
    const { message } = await c.next("list");
    expect(message.items.map((i) => i.id).sort()).toEqual(expected);
    expect(message.counts).toMatchObject({ total: 4, shown: expected.length });
    c.close();
  });
});

describe("subscribe and playback", () => {
  it("sends the scenario, score and forks first, then the events in order at the recorded pace", async () => {
    const call = byId("pay-waive-fee#0");
    const c = await wsClient(viewer.url);
    c.send({ type: "subscribe", conversationId: call.id });
    const head = await c.next("conversation");
    expect(head.message.scenario?.persona).toBe("daniel-skeptical");
    expect(head.message.score?.hasCorrectRefusal).toBe(true);
    expect(head.message.meta.events).toBe(call.events.length);
    expect(await c.next("state")).toMatchObject({ message: { playing: false, position: 0, total: call.events.length } });
    c.send({ type: "speed", factor: 8 });
    c.send({ type: "play" });
    const arrived = [];
    for (let i = 0; i < 8; i++) arrived.push(await c.next("event"));
    expect(arrived.map((e) => e.message.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(arrived.map((e) => e.message.event)).toEqual(call.events.slice(0, 8));
    // Timers never fire early, so the recorded time (÷ 8) is a floor; a late first arrival on a
    // loaded machine can only shorten the measured span a little, hence the slack.
    let recorded = 0;
    for (let i = 1; i < arrived.length; i++) recorded += gapBefore(call.events, i, 8);
    expect(recorded).toBeGreaterThan(1500);
    expect((arrived.at(-1)?.at ?? 0) - (arrived[0]?.at ?? 0)).toBeGreaterThan(recorded * 0.75);
    c.send({ type: "pause" });
    expect((await c.next("state", (m) => !m.playing)).message.speed).toBe(8);
    c.close();
  });

  it("sends a call's K forked replies with the one the export preferred", async () => {
    const c = await wsClient(viewer.url);
    c.send({ type: "subscribe", conversationId: "book-flu-asr#0" });
    const { message } = await c.next("conversation");
    expect(message.forks).toHaveLength(1);
    expect(message.forks[0]?.replies).toHaveLength(3);
    expect(message.pairs).toEqual([expect.objectContaining({ preferred: 0, rejected: 1 })]);
    expect(message.worldChanges).toHaveLength(2);
    c.close();
  });

  it("sends a rejected call's reject reasons", async () => {
    const c = await wsClient(viewer.url);
    c.send({ type: "subscribe", conversationId: "cancel-quiet-slow#0" });
    const { message } = await c.next("conversation");
    expect(message.score?.verdict).toBe("reject");
    expect(message.rejects).toEqual([expect.objectContaining({ stage: "judge" })]);
    expect(message.meta.injectedFlaws).toContain("markup_in_speech");
    c.close();
  });

  it("replays a 2 s stretch clearly slower at 1× than at 8×", async () => {
    // Events 19 → 20 of the booking call are 2.04 s apart on the recorded clock.
    const call = byId("book-flu-asr#0");
    expect(gapBefore(call.events, 20, 1)).toBeGreaterThan(2000);
    const timeOf = async (factor: number) => {
      const c = await wsClient(viewer.url);
      c.send({ type: "subscribe", conversationId: call.id });
      await c.next("conversation");
      c.send({ type: "seek", eventIndex: 19 });
      await c.next("state", (m) => m.position === 19);
      c.send({ type: "speed", factor });
      c.send({ type: "play" });
      const first = await c.next("event", (m) => m.index === 19);
      const second = await c.next("event", (m) => m.index === 20);
      c.close();
      return second.at - first.at;
    };
    const fast = await timeOf(8);
    const slow = await timeOf(1);
    expect(slow).toBeGreaterThanOrEqual(2000);
    expect(slow).toBeGreaterThan(fast * 2.5);
  });

  it("seeks (everything before the target at once) and steps both ways", async () => {
    const call = byId("cancel-quiet-slow#0");
    const c = await wsClient(viewer.url);
    c.send({ type: "subscribe", conversationId: call.id });
    await c.next("conversation");
    await c.next("state");
    c.send({ type: "seek", eventIndex: 5 });
    await c.next("reset", (m) => m.position === 5);
    const replayed = [];
    for (let i = 0; i < 5; i++) replayed.push((await c.next("event")).message.index);
    expect(replayed).toEqual([0, 1, 2, 3, 4]);
    expect((await c.next("state")).message).toMatchObject({ position: 5, playing: false });
    c.send({ type: "step", direction: "forward" });
    expect((await c.next("event")).message).toEqual({ type: "event", index: 5, event: call.events[5] });
    expect((await c.next("state")).message.position).toBe(6);
    c.send({ type: "step", direction: "back" });
    expect((await c.next("reset")).message.position).toBe(5);
    expect((await c.next("state", (m) => m.position === 5)).message.playing).toBe(false);
    c.send({ type: "seek", eventIndex: 10_000 });
    expect((await c.next("reset")).message.position).toBe(call.events.length);
    c.close();
  });

  it("gives two clients their own playback at the same time", async () => {
    const a = await wsClient(viewer.url);
    const b = await wsClient(viewer.url);
    a.send({ type: "subscribe", conversationId: "book-sick-advice#0" });
    b.send({ type: "subscribe", conversationId: "pay-waive-fee#0" });
    expect((await a.next("conversation")).message.id).toBe("book-sick-advice#0");
    expect((await b.next("conversation")).message.id).toBe("pay-waive-fee#0");
    for (const c of [a, b]) {
      c.send({ type: "speed", factor: 8 });
      c.send({ type: "play" });
    }
    const [fromA, fromB] = await Promise.all([a.next("event", (m) => m.index === 2), b.next("event", (m) => m.index === 2)]);
    expect(fromA.message.event).toEqual(byId("book-sick-advice#0").events[2]);
    expect(fromB.message.event).toEqual(byId("pay-waive-fee#0").events[2]);
    a.send({ type: "pause" });
    b.send({ type: "pause" });
    a.close();
    b.close();
  });
});

describe("bad messages", () => {
  it.each([
    ["not JSON", "{type: list", /not JSON/],
    ["an unknown type", { type: "launch" }, /bad message/],
    ["a speed out of range", { type: "speed", factor: 100 }, /factor/],
    ["a negative seek", { type: "seek", eventIndex: -1 }, /eventIndex/],
    ["a step with no direction", { type: "step" }, /direction/],
    ["extra fields", { type: "play", now: true }, /bad message/],
    ["a filter of the wrong type", { type: "list", filters: { minScore: "high" } }, /minScore/],
    ["an array", [1, 2, 3], /bad message/],
    ["an unknown conversation", { type: "subscribe", conversationId: "nope#9" }, /no conversation/],
  ])("answers %s with an error and keeps the connection", async (_name, message, pattern) => {
    const c = await wsClient(viewer.url);
    c.send(message);
    expect((await c.next("error")).message.message).toMatch(pattern);
    c.send({ type: "list" });
    expect((await c.next("list")).message.counts.total).toBe(4);
    c.close();
  });

  it("answers a binary frame with an error", async () => {
    const c = await wsClient(viewer.url);
    c.socket.send(Buffer.from([1, 2, 3]));
    expect((await c.next("error")).message.message).toMatch(/JSON text/);
    c.close();
  });

  it("closes a connection that sends an oversized message, while another client carries on", async () => {
    const big = await wsClient(viewer.url);
    const other = await wsClient(viewer.url);
    const closed = new Promise<number>((resolve) => big.socket.once("close", (code) => resolve(code)));
    big.send({ type: "list", filters: { text: "x".repeat(100_000) } });
    expect(await closed).toBe(1009);
    other.send({ type: "list" });
    expect((await other.next("list")).message.counts.total).toBe(4);
    other.close();
  });
});
