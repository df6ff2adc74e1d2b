import { cpSync, mkdtempSync, readFileSync, renameSync, utimesSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { registerViewCommand } from "../../cli/commands/view.ts";
import { VoicesimError } from "../../scenarios/index.ts";
import { RunIndex } from "../../viewer/run-index.ts";
import { startViewer, type Viewer } from "../../viewer/index.ts";
import { wsClient } from "../viewer/ws-client.ts";

const SMALL_RUN = "test/fixtures/runs/small";
const ALLOWED = "http://localhost:3000";

let viewer: Viewer;
let base: URL;
const logged: string[] = [];
beforeAll(async () => {
  viewer = await startViewer({ runDir: SMALL_RUN, follow: false, allowOrigins: [ALLOWED], log: (line) => logged.push(line) });
  base = new URL(viewer.url);
});
afterAll(async () => viewer?.close());

/** Opens the websocket with the given headers: the HTTP status it was refused with, or "open" after a `list` reply. */
function openSocket(headers: { origin?: string; host?: string }, url = base): Promise<number | "open"> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://${url.host}/ws`, { ...(headers.origin ? { origin: headers.origin } : {}), ...(headers.host ? { headers: { host: headers.host } } : {}) });
    socket.on("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      socket.terminate();
    });
    socket.on("open", () => socket.send(JSON.stringify({ type: "list" })));
    socket.on("message", () => {
      resolve("open");
      socket.close();
    });
    socket.on("error", (error) => reject(error));
  });
}

function get(path: string, headers: Record<string, string>, url = base): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

describe("the viewer answers only its own address", () => {
  it("refuses the websocket to another site's page and to a sandboxed (null) origin, and logs it", async () => {
    expect(await openSocket({ origin: "http://evil.example" })).toBe(403);
    expect(await openSocket({ origin: "null" })).toBe(403);
    // Same host name, another port: another origin.
    expect(await openSocket({ origin: `http://127.0.0.1:${Number(base.port) + 1}` })).toBe(403);
    expect(logged.some((line) => /refused websocket: Origin "http:\/\/evil\.example"/.test(line))).toBe(true);
    expect(logged.some((line) => /refused websocket: Origin "null"/.test(line))).toBe(true);
  });

  it("opens the websocket to its own page (either loopback name), to an --allow-origin page, and to a client that is no web page", async () => {
    expect(await openSocket({ origin: `http://127.0.0.1:${base.port}` })).toBe("open");
    expect(await openSocket({ origin: `http://localhost:${base.port}`, host: `localhost:${base.port}` })).toBe("open");
    expect(await openSocket({ origin: ALLOWED })).toBe("open");
    expect(await openSocket({})).toBe("open");
  });

  it("refuses a foreign Host header (DNS rebinding) on the page and the websocket", async () => {
    expect(await get("/", { host: `evil.example:${base.port}` })).toBe(403);
    expect(await get("/app.js", { host: `evil.example:${base.port}` })).toBe(403);
    expect(await openSocket({ host: `evil.example:${base.port}` })).toBe(403);
    expect(logged.some((line) => /refused GET request: Host "evil\.example:\d+"/.test(line))).toBe(true);
    expect(await get("/", { host: `127.0.0.1:${base.port}` })).toBe(200);
    expect(await get("/", { host: `localhost:${base.port}` })).toBe(200);
    expect(await get("/", { host: `[::1]:${base.port}` })).toBe(200);
  });

  it("refuses a page request carrying a foreign Origin", async () => {
    expect(await get("/", { host: base.host, origin: "http://evil.example" })).toBe(403);
  });

  it("refuses an --allow-origin that is not an origin, before listening", async () => {
    const program = new Command().exitOverride();
    registerViewCommand(program);
    const error = await program.parseAsync(["node", "voicesim", "view", SMALL_RUN, "--allow-origin", "localhost:3000/page"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VoicesimError);
    expect((error as VoicesimError).code).toBe("bad_option");
    expect((error as VoicesimError).hint).toMatch(/--allow-origin http:\/\/localhost:3000/);
  });

  it("warns when bound beyond loopback, and still refuses foreign names there", async () => {
    const lines: string[] = [];
    const wide = await startViewer({ runDir: SMALL_RUN, follow: false, host: "0.0.0.0", log: (line) => lines.push(line) });
    try {
      expect(lines.some((line) => /^warning: the viewer listens on 0\.0\.0\.0, beyond this machine/.test(line))).toBe(true);
      const url = new URL(`http://127.0.0.1:${wide.port}/`);
      expect(await get("/", { host: `127.0.0.1:${wide.port}` }, url)).toBe(200);
      expect(await get("/", { host: `evil.example:${wide.port}` }, url)).toBe(403);
    } finally {
      await wide.close();
    }
    expect(logged.some((line) => line.startsWith("warning:"))).toBe(false);
  });
});

describe("many viewers at once", () => {
  it("serves a dozen clients with no MaxListenersExceededWarning", async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on("warning", onWarning);
    try {
      const clients = await Promise.all(Array.from({ length: 12 }, () => wsClient(viewer.url)));
      for (const client of clients) client.send({ type: "list" });
      for (const client of clients) expect((await client.next("list")).message.counts.total).toBe(4);
      // Node emits the warning on the next tick after the eleventh listener.
      await new Promise((resolve) => setImmediate(resolve));
      for (const client of clients) client.close();
    } finally {
      process.off("warning", onWarning);
    }
    expect(warnings).not.toContain("MaxListenersExceededWarning");
  });
});

describe("a run rewritten while the viewer follows it", () => {
  /** A copy of the small run with three of its four calls, and the fourth line held back. */
  function runDir() {
    const dir = join(mkdtempSync(join(tmpdir(), "voicesim-rewrite-")), "run");
    cpSync(SMALL_RUN, dir, { recursive: true });
    const lines = readFileSync(join(dir, "conversations.jsonl"), "utf8").trim().split("\n");
    return { dir, file: join(dir, "conversations.jsonl"), lines };
  }
  /** Another call of the same byte length: the last call under another id of the same length. */
  const sameSizeCall = (line: string) => line.replace(/"id":"([^"]*)#0"/, '"id":"$1#9"');
  const idOf = (line: string) => (JSON.parse(line) as { id: string }).id;

  it("sees a call that a same-size rewrite by rename brought in", () => {
    const { dir, file, lines } = runDir();
    writeFileSync(file, `${lines.slice(0, 3).join("\n")}\n`);
    const index = new RunIndex(dir);
    expect(index.conversations.size).toBe(3);
    const replaced = [lines[0], lines[1], sameSizeCall(lines[2] ?? "")].join("\n");
    expect(replaced.length).toBe(lines.slice(0, 3).join("\n").length);
    // As the run store does it: write a temporary file, rename it over the old one.
    writeFileSync(`${file}.tmp`, `${replaced}\n`);
    renameSync(`${file}.tmp`, file);
    index.refresh();
    expect([...index.conversations.keys()]).toContain(idOf(sameSizeCall(lines[2] ?? "")));
  });

  it("sees a call that a same-size rewrite in place brought in", () => {
    const { dir, file, lines } = runDir();
    writeFileSync(file, `${lines.slice(0, 3).join("\n")}\n`);
    // Written a minute ago, so the rewrite below cannot share its timestamp (file times are coarse).
    const aMinuteAgo = new Date(Date.now() - 60_000);
    utimesSync(file, aMinuteAgo, aMinuteAgo);
    const index = new RunIndex(dir);
    writeFileSync(file, `${[lines[0], lines[1], sameSizeCall(lines[2] ?? "")].join("\n")}\n`);
    index.refresh();
    expect([...index.conversations.keys()]).toContain(idOf(sameSizeCall(lines[2] ?? "")));
  });

  it("reads a longer rewrite from the top, not from the old offset, and counts reject lines once", () => {
    const { dir, file, lines } = runDir();
    const [first, second, third, fourth] = lines as [string, string, string, string];
    // The viewer read two calls and half of a third; then the batch finished and put all four in order.
    writeFileSync(file, `${first}\n${second}\n${third.slice(0, 100)}`);
    const index = new RunIndex(dir);
    const rejectsBefore = [...index.rejects.values()].flat().length;
    expect(index.conversations.size).toBe(2);
    writeFileSync(file, `${fourth}\n${first}\n${third}\n${second}\n`);
    const rejects = readFileSync(join(dir, "rejects.jsonl"));
    writeFileSync(join(dir, "rejects.jsonl.tmp"), rejects);
    renameSync(join(dir, "rejects.jsonl.tmp"), join(dir, "rejects.jsonl"));
    index.refresh();
    expect([...index.conversations.keys()].sort()).toEqual(lines.map(idOf).sort());
    expect([...index.rejects.values()].flat().length).toBe(rejectsBefore);
  });
});
