import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createScriptedAgent, createScriptedCaller } from "../../agents/index.ts";
import { type LoadedPack, loadPack } from "../../scenarios/index.ts";
import { simulate, type SimulateRunOptions } from "../../sim/index.ts";
import { runCli } from "../helpers/run-cli.ts";

const tempDir = () => mkdtempSync(join(tmpdir(), "voicesim-resume-"));
const PACK = "scenarios/packs/collections";

function options(out: string, extra: Partial<SimulateRunOptions> = {}): SimulateRunOptions {
  return {
    out,
    perScenario: 3,
    concurrency: 3,
    seed: 21,
    backends: { caller: createScriptedCaller(), agent: createScriptedAgent() },
    flawRate: 0.2,
    resume: false,
    ...extra,
  };
}

// A SIGKILL can tear the last line; the run ignores it on resume, and so does this count.
const ids = (file: string) =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.endsWith("}"))
    .flatMap((line) => {
      try {
        return [(JSON.parse(line) as { id: string }).id];
      } catch {
        return [];
      }
    });

describe("a killed or aborted run", () => {
  let loaded: LoadedPack;
  let reference: string;
  beforeAll(async () => {
    loaded = await loadPack(PACK);
    const out = tempDir();
    await simulate(loaded, options(out));
    reference = readFileSync(join(out, "conversations.jsonl"), "utf8");
  });

  it("resumes after an in-process abort to the same conversations as an uninterrupted run", async () => {
    const out = tempDir();
    const controller = new AbortController();
    const first = await simulate(loaded, {
      ...options(out, { signal: controller.signal }),
      onProgress: (event) => {
        if (event.type === "conversation" && event.done >= 10) controller.abort();
      },
    });
    expect(first.batch.aborted).toBe(true);
    const partial = ids(join(out, "conversations.jsonl"));
    expect(partial.length).toBeGreaterThanOrEqual(10);
    expect(partial.length).toBeLessThan(57);
    expect(first.manifest.finished).toBe(false);

    const second = await simulate(loaded, options(out, { resume: true }));
    expect(second.batch.resumed).toBe(partial.length);
    expect(second.batch.simulated).toBe(57 - partial.length);
    expect(readFileSync(join(out, "conversations.jsonl"), "utf8")).toBe(reference);
    expect(second.manifest.finished).toBe(true);
  });

  it("resumes after SIGKILL of the CLI, ignoring a torn last line, with nothing lost or duplicated", async () => {
    const out = tempDir();
    const file = join(out, "conversations.jsonl");
    const bin = resolve("bin/voicesim.mjs");
    const args = ["simulate", PACK, "--per-scenario", "3", "--concurrency", "3", "--seed", "21", "--flaw-rate", "0.2", "--out", out];
    const child = spawn(process.execPath, [bin, ...args], { stdio: "ignore", env: { ...process.env, CI: "true" } });
    await new Promise<void>((done, fail) => {
      const timer = setInterval(() => {
        if (existsSync(file) && statSync(file).size > 40_000) {
          clearInterval(timer);
          child.kill("SIGKILL");
          done();
        }
      }, 20);
      child.on("exit", () => {
        clearInterval(timer);
        fail(new Error("the run finished before it could be killed"));
      });
    });
    await new Promise((done) => child.once("exit", done));
    const before = ids(file);
    expect(before.length).toBeLessThan(57);

    const resumed = runCli([...args, "--resume"]);
    expect(resumed.code).toBe(0);
    const after = ids(file);
    expect(new Set(after).size).toBe(after.length);
    expect(after).toEqual(expect.arrayContaining(before));
    expect(readFileSync(file, "utf8")).toBe(reference);
  });

  it("stops cleanly on Ctrl-C (SIGINT), says how to continue, and resumes", async () => {
    const out = tempDir();
    const file = join(out, "conversations.jsonl");
    const args = ["simulate", PACK, "--per-scenario", "3", "--concurrency", "3", "--seed", "21", "--flaw-rate", "0.2", "--out", out];
    const child = spawn(process.execPath, [resolve("bin/voicesim.mjs"), ...args], { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, CI: "true" } });
    let stderr = "";
    child.stderr?.on("data", (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
    await new Promise<void>((done) => {
      const timer = setInterval(() => {
        if (existsSync(file) && statSync(file).size > 5_000) {
          clearInterval(timer);
          child.kill("SIGINT");
          done();
        }
      }, 20);
    });
    expect(await exited, stderr).toBe(130);
    expect(stderr).toMatch(/--resume --out/);
    expect(readFileSync(join(out, "manifest.json"), "utf8")).toMatch(/"finished": false/);
    expect(runCli([...args, "--resume"]).code).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(reference);
  });

  it("refuses to mix a new run into an existing one, and says how to continue", async () => {
    const out = tempDir();
    await simulate(loaded, options(out, { perScenario: 1 }));
    const result = runCli(["simulate", PACK, "--per-scenario", "1", "--out", out]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/already holds a run/);
    expect(result.stderr).toMatch(/--resume/);
  });
});
