import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type QueueWorker, startQueueWorker } from "../../../sim/index.ts";
import { hasRedisServer, startRedis, type TestRedis } from "../../helpers/redis-server.ts";

const PACK = "scenarios/packs/collections";
const RUN = ["run", PACK, "--scenarios", "2", "--candidates", "2", "--rounds", "1", "--seed", "13"];
const tempDir = () => mkdtempSync(join(tmpdir(), "voicesim-coordinator-kill-"));

function cli(args: string[]): { child: ChildProcess; exited: Promise<{ code: number | null; stderr: string }> } {
  const child = spawn(process.execPath, [resolve("bin/voicesim.mjs"), ...args], { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, CI: "true", OPENAI_API_KEY: "" } });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return { child, exited: new Promise((done) => child.once("exit", (code) => done({ code, stderr }))) };
}

/** Every JSONL file of a run directory, by path: what the design keeps byte for byte. */
function jsonlFiles(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (at: string) => {
    for (const name of readdirSync(at)) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".jsonl")) files.set(relative(dir, path), readFileSync(path, "utf8"));
    }
  };
  walk(dir);
  return files;
}

const ids = (text: string) => text.split("\n").filter(Boolean).map((line) => (JSON.parse(line) as { id: string }).id);
const skip = !hasRedisServer();

describe.skipIf(skip)("a queue coordinator killed mid-run", () => {
  let redis: TestRedis;
  let worker: QueueWorker;
  let reference: Map<string, string>;
  let resumed: Map<string, string>;
  let finishedBeforeKill = 0;
  let resumeExit: { code: number | null; stderr: string };

  beforeAll(async () => {
    redis = await startRedis();
    const finished: string[] = [];
    let killCoordinator = () => {};
    // The worker lives on in this process while its coordinator dies: calls go on being finished into Redis.
    worker = await startQueueWorker({
      url: redis.url,
      concurrency: 1,
      onCallDone: (id) => {
        finished.push(id);
        if (finished.length === 2) killCoordinator();
      },
    });
    const one = tempDir();
    const out = tempDir();
    const oneProcess = cli([...RUN, "--workers", "1", "--out", one]);
    const coordinator = cli([...RUN, "--queue", redis.url, "--out", out]);
    // kill -9 as the worker finishes its second call, with the others still queued or in hand.
    killCoordinator = () => {
      finishedBeforeKill = finished.length;
      coordinator.child.kill("SIGKILL");
    };
    const killed = await coordinator.exited;
    expect(killed.code, killed.stderr).toBeNull();
    resumeExit = await cli([...RUN, "--queue", redis.url, "--out", out, "--resume"]).exited;
    expect((await oneProcess.exited).code).toBe(0);
    reference = jsonlFiles(one);
    resumed = jsonlFiles(out);
  }, 120_000);

  afterAll(async () => {
    await worker?.close();
    redis?.stop();
  });

  it("resumes with the same --queue and finishes the run", () => {
    expect(finishedBeforeKill).toBe(2);
    expect(resumeExit.code, resumeExit.stderr).toBe(0);
  });

  it("holds each call exactly once", () => {
    const calls = ids(resumed.get("conversations.jsonl") ?? "");
    expect(calls).toHaveLength(4);
    expect(new Set(calls).size).toBe(calls.length);
    const forks = ids(resumed.get("forks.jsonl") ?? "");
    expect(new Set(forks).size).toBe(forks.length);
  });

  it("writes every JSONL file byte for byte as a one-process run does", () => {
    expect([...resumed.keys()].sort()).toEqual([...reference.keys()].sort());
    for (const [file, text] of reference) expect(resumed.get(file), file).toBe(text);
  });
});
