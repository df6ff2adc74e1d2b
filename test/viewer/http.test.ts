import { mkdtempSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VoicesimError } from "../../scenarios/index.ts";
import { startViewer, type Viewer } from "../../viewer/index.ts";

let viewer: Viewer;
beforeAll(async () => {
  viewer = await startViewer({ runDir: "test/fixtures/runs/small", follow: false });
});
afterAll(async () => viewer?.close());

function get(base: string, path: string, method = "GET") {
  return new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
    const url = new URL(base);
    const req = request({ host: url.hostname, port: url.port, path, method }, (res) => {
      let body = "";
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"] ?? ""), body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** Sends the request line exactly as written: http.request would normalise some of these paths. */
function rawGet(base: string, path: string) {
  return new Promise<string>((resolve, reject) => {
    const url = new URL(base);
    const socket = connect(Number(url.port), url.hostname, () => socket.write(`GET ${path} HTTP/1.1\r\nHost: ${url.host}\r\nConnection: close\r\n\r\n`));
    let text = "";
    socket.on("data", (chunk) => (text += chunk.toString()));
    socket.on("end", () => resolve(text.split("\r\n")[0] ?? ""));
    socket.on("error", reject);
  });
}

describe("the viewer's HTTP side", () => {
  it("listens on 127.0.0.1 unless told otherwise", () => {
    expect(new URL(viewer.url).hostname).toBe("127.0.0.1");
  });

  it("serves the page, its bundled script, its styles and the run's report", async () => {
    const page = await get(viewer.url, "/");
    expect(page.type).toMatch(/text\/html/);
    expect(page.body).toContain('src="/app.js"');
    const script = await get(viewer.url, "/app.js");
    expect(script.type).toMatch(/javascript/);
    expect(script.body).toContain("WebSocket");
    expect(script.body).not.toMatch(/^import /m);
    expect((await get(viewer.url, "/style.css")).type).toMatch(/text\/css/);
    expect((await get(viewer.url, "/report")).body).toContain("Funnel");
  });

  it("answers 404 for a run without a report", async () => {
    const bare = await startViewer({ runDir: mkdtempSync(`${tmpdir()}/voicesim-bare-`), follow: false });
    try {
      expect((await get(bare.url, "/report")).status).toBe(404);
    } finally {
      await bare.close();
    }
  });

  it("refuses anything but GET", async () => {
    expect((await get(viewer.url, "/", "POST")).status).toBe(405);
  });

  it.each([
    "/../package.json",
    "/..%2fpackage.json",
    "/%2e%2e/package.json",
    "/%2e%2e%2f%2e%2e%2fpackage.json",
    "/page/../../package.json",
    "/viewer/server.ts",
    "/page/app.ts",
    "//etc/passwd",
    "/etc/passwd",
    "/report/../manifest.json",
    "/manifest.json",
    "/conversations.jsonl",
    "/app.js/..%5c..%5cpackage.json",
  ])("refuses %s with 404", async (path) => {
    const response = await get(viewer.url, path);
    expect(response.status).toBe(404);
    expect(response.body).not.toContain("voicesim");
    expect(await rawGet(viewer.url, path)).toMatch(/^HTTP\/1\.1 404/);
  });

  it("refuses a missing run directory with a hint", async () => {
    const error = await startViewer({ runDir: "test/fixtures/runs/no-such-run" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VoicesimError);
    expect((error as VoicesimError).message).toContain("no-such-run");
    expect((error as VoicesimError).hint).toMatch(/voicesim run/);
  });
});
