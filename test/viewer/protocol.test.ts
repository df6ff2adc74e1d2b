import { appendFileSync, cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { Conversation } from "../../scenarios/index.ts";
import { gapBefore, startViewer, type ServerMessage, type Viewer } from "../../viewer/index.ts";
import { makeSmallRun } from "../helpers/small-run.ts";

let runDir: string;
let viewer: Viewer;
let conversations: Conversation[];

beforeAll(async () => {
  runDir = await makeSmallRun();
  conversations = readFileSync(join(runDir, "conversations.jsonl"), "utf8").trim().split("\n").map((l) => Conversation.parse(JSON.parse(l)));
  viewer = await startViewer({ runDir });
});
afterAll(async () => viewer?.close());

/** A ws client that collects messages and can wait for one that matches. */
async function client(url = viewer.url) {
  const socket = new WebSocket(`${url.replace("http", "ws")}ws`);
  const messages: Array<{ at: number; message: ServerMessage }> = [];
  const waiters: Array<() => void> = [];
  socket.on("message", (data) => {
    messages.push({ at: performance.now(), message: JSON.parse(data.toString()) as ServerMessage });
    for (const wake of waiters.splice(0)) wake();
  });
  await new Promise((resolve) => socket.once("open", resolve));
  const next = async <T extends ServerMessage["type"]>(type: T, predicate: (m: Extract<ServerMessage, { type: T }>) => boolean = () => true, timeoutMs = 15_000) => {
    const deadline = performance.now() + timeoutMs;
    let seen = 0;
    for (;;) {
      for (; seen < messages.length; seen++) {
        const entry = messages[seen];
        if (entry && entry.message.type === type && predicate(entry.message as Extract<ServerMessage, { type: T }>)) {
          messages.splice(0, seen + 1);
          return { ...entry, message: entry.message as Extract<ServerMessage, { type: T }> };
        }
      }
      if (performance.now() > deadline) throw new Error(`no ${type} message in ${timeoutMs} ms`);
      await new Promise<void>((wake) => {
        waiters.push(wake);
        setTimeout(wake, 200);
      });
    }
  };
  return { socket, messages, next, send: (m: unknown) => socket.send(typeof m === "string" ? m : JSON.stringify(m)) };
}

const faulty = () => conversations.find((c) => c.events.some((e) => e.type === "tool_result" && e.fault)) ?? conversations[0]!;

describe("the viewer protocol", () => {
  it("lists the run's calls with counts, and filters them", async () => {
    const c = await client();
    c.send({ type: "list" });
    const all = await c.next("list");
    expect(all.message.counts.total).toBe(conversations.length);
    expect(all.message.items.map((i) => i.id).sort()).toEqual(conversations.map((x) => x.id).sort());
    c.send({ type: "list", filters: { verdict: "reject" } });
    const rejected = await c.next("list");
    expect(rejected.message.items.every((i) => i.verdict === "reject")).toBe(true);
    const fault = faulty().events.find((e) => e.type === "tool_result" && e.fault);
    c.send({ type: "list", filters: { fault: fault?.type === "tool_result" ? fault.fault : "timeout" } });
    const withFault = await c.next("list");
    expect(withFault.message.items.map((i) => i.id)).toContain(faulty().id);
    c.send({ type: "list", filters: { text: "zzz-no-such-words" } });
    expect((await c.next("list")).message.items).toEqual([]);
    c.socket.close();
  });

  it("subscribes to a call: scenario, score and forks first, then events in order at the recorded pace", async () => {
    const call = faulty();
    const c = await client();
    c.send({ type: "subscribe", conversationId: call.id });
    const head = await c.next("conversation");
    expect(head.message.scenario?.id).toBe(call.scenarioId);
    expect(head.message.score?.conversationId).toBe(call.id);
    c.send({ type: "speed", factor: 8 });
    c.send({ type: "play" });
    const received: number[] = [];
    const times: number[] = [];
    for (let i = 0; i < 4; i++) {
      const event = await c.next("event");
      received.push(event.message.index);
      times.push(event.at);
    }
    expect(received).toEqual([0, 1, 2, 3]);
    // Event 1 comes after event 0's recorded gap at 8×, give or take a loaded machine.
    const expected = gapBefore(call.events, 1, 8);
    expect((times[1] ?? 0) - (times[0] ?? 0)).toBeGreaterThan(expected * 0.6);
    c.send({ type: "pause" });
    c.socket.close();
  });

  it("replays slower at 1× than at 8×", async () => {
    // A call whose first gap is long enough to measure on a busy machine.
    const call = conversations.find((c) => gapBefore(c.events, 1, 1) >= 1500) ?? conversations[0]!;
    const timeTo = async (speed: number) => {
      const c = await client();
      c.send({ type: "subscribe", conversationId: call.id });
      await c.next("conversation");
      c.send({ type: "speed", factor: speed });
      c.send({ type: "play" });
      const first = await c.next("event");
      const second = await c.next("event", (m) => m.index === 1);
      c.socket.close();
      return second.at - first.at;
    };
    const fast = await timeTo(8);
    const slow = await timeTo(1);
    expect(slow).toBeGreaterThan(fast * 3);
    expect(gapBefore(call.events, 1, 1)).toBeCloseTo(8 * gapBefore(call.events, 1, 8), 5);
  });

  it("sends a call's forks with the reply the export preferred", async () => {
    const pairs = readFileSync(join(runDir, "dataset/pairs.jsonl"), "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as { conversationId: string; preferred: number });
    expect(pairs.length).toBeGreaterThan(0);
    const c = await client();
    c.send({ type: "subscribe", conversationId: pairs[0]!.conversationId });
    const head = await c.next("conversation");
    expect(head.message.forks.length).toBeGreaterThan(0);
    expect(head.message.pairs[0]?.preferred).toBe(pairs[0]!.preferred);
    c.socket.close();
  });

  it("seeks and steps", async () => {
    const call = conversations[0]!;
    const c = await client();
    c.send({ type: "subscribe", conversationId: call.id });
    await c.next("conversation");
    c.send({ type: "seek", eventIndex: 5 });
    expect((await c.next("reset", (m) => m.position === 5)).message.position).toBe(5);
    const state = await c.next("state", (m) => m.position === 5);
    expect(state.message.playing).toBe(false);
    c.send({ type: "step", direction: "forward" });
    expect((await c.next("event", (m) => m.index === 5)).message.event).toEqual(call.events[5]);
    c.send({ type: "step", direction: "back" });
    expect((await c.next("reset", (m) => m.position === 5)).message.position).toBe(5);
    c.socket.close();
  });

  it("answers bad messages with an error and keeps serving", async () => {
    const c = await client();
    c.send("this is not json");
    expect((await c.next("error")).message.message).toMatch(/not JSON/);
    c.send({ type: "speed", factor: 100 });
    expect((await c.next("error")).message.message).toMatch(/factor/);
    c.send({ type: "launch" });
    await c.next("error");
    c.send({ type: "subscribe", conversationId: "nope#9" });
    expect((await c.next("error")).message.message).toMatch(/no conversation/);
    c.send({ type: "list" });
    await c.next("list");
    c.socket.close();
  });

  it("closes a connection that sends an oversized message, while others carry on", async () => {
    const big = await client();
    const other = await client();
    const closed = new Promise<number>((resolve) => big.socket.once("close", (code) => resolve(code)));
    big.send({ type: "list", filters: { text: "x".repeat(100_000) } });
    expect(await closed).toBe(1009);
    other.send({ type: "list" });
    expect((await other.next("list")).message.counts.total).toBe(conversations.length);
    other.socket.close();
  });

  it("serves two clients at once, each with its own playback", async () => {
    const a = await client();
    const b = await client();
    a.send({ type: "subscribe", conversationId: conversations[0]!.id });
    b.send({ type: "subscribe", conversationId: conversations[1]!.id });
    expect((await a.next("conversation")).message.id).toBe(conversations[0]!.id);
    expect((await b.next("conversation")).message.id).toBe(conversations[1]!.id);
    a.send({ type: "seek", eventIndex: 2 });
    b.send({ type: "seek", eventIndex: 3 });
    expect((await a.next("reset", (m) => m.position > 0)).message.position).toBe(2);
    expect((await b.next("reset", (m) => m.position > 0)).message.position).toBe(3);
    a.socket.close();
    b.socket.close();
  });
});

describe("the viewer's HTTP side", () => {
  const get = (path: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const url = new URL(viewer.url);
      const req = request({ host: url.hostname, port: url.port, path, method: "GET" }, (res) => {
        let body = "";
        res.on("data", (chunk) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", reject);
      req.end();
    });

  it("serves the page, its script and the run report", async () => {
    expect((await get("/")).body).toContain('<script type="module" src="/app.js">');
    expect((await get("/app.js")).body).toContain("WebSocket");
    expect((await get("/report")).body).toContain("Funnel");
  });

  it.each(["/../package.json", "/%2e%2e/package.json", "/..%2fpackage.json", "/page/../../package.json", "//etc/passwd", "/viewer/server.ts"])("refuses %s", async (path) => {
    const response = await get(path);
    expect(response.status).toBe(404);
    expect(response.body).not.toContain("voicesim");
  });
});

describe("live mode", () => {
  it("pushes conversations appended to a run that is still being written", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "voicesim-live-")), "run");
    cpSync(runDir, dir, { recursive: true });
    const lines = readFileSync(join(dir, "conversations.jsonl"), "utf8").trim().split("\n");
    writeFileSync(join(dir, "conversations.jsonl"), `${lines.slice(0, -1).join("\n")}\n`);
    const live = await startViewer({ runDir: dir });
    try {
      const c = await client(live.url);
      c.send({ type: "list" });
      expect((await c.next("list")).message.counts.total).toBe(lines.length - 1);
      const last = JSON.parse(lines.at(-1) ?? "{}") as { id: string };
      // Written in two pieces, as a slow writer would: the torn half must not show up on its own.
      const text = `${lines.at(-1)}\n`;
      appendFileSync(join(dir, "conversations.jsonl"), text.slice(0, 50));
      await new Promise((r) => setTimeout(r, 700));
      appendFileSync(join(dir, "conversations.jsonl"), text.slice(50));
      expect((await c.next("conversation_added")).message.item.id).toBe(last.id);
      c.socket.close();
    } finally {
      await live.close();
    }
  });

  it("streams an engine's events to a subscriber as they are produced", async () => {
    const dir = mkdtempSync(join(tmpdir(), "voicesim-live-"));
    const live = await startViewer({ runDir: dir, follow: false });
    try {
      const c = await client(live.url);
      c.send({ type: "list" });
      await c.next("list");
      const call = conversations[0]!;
      live.publish({ conversationId: "live-call#0", index: 0, event: call.events[0]! });
      expect((await c.next("conversation_added")).message.item).toMatchObject({ id: "live-call#0", live: true });
      c.send({ type: "subscribe", conversationId: "live-call#0" });
      await c.next("conversation", (m) => m.live);
      c.send({ type: "speed", factor: 8 });
      c.send({ type: "play" });
      await c.next("event", (m) => m.index === 0);
      live.publish({ conversationId: "live-call#0", index: 1, event: call.events[1]! });
      expect((await c.next("event", (m) => m.index === 1)).message.event).toEqual(call.events[1]);
      c.socket.close();
    } finally {
      await live.close();
    }
  });
});
