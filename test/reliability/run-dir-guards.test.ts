import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type AgentBackend, createScriptedAgent, createScriptedCaller } from "../../agents/index.ts";
import { fileSystemError, type LoadedPack, loadPack, VoicesimError } from "../../scenarios/index.ts";
import { RunStore, type SimulateRunOptions, simulate } from "../../sim/index.ts";
import { startFakeOpenAIServer } from "../helpers/fake-openai-server.ts";

const PACK = "scenarios/packs/clinic-booking";
const SCENARIOS = ["book-flu-quiet-caller", "cancel-followup-easy"];
const tempDir = () => mkdtempSync(join(tmpdir(), "voicesim-guards-"));

/** The scripted agent behind a switch: while `down`, every request fails as a dead model server's would. */
function outageAgent() {
  const scripted = createScriptedAgent();
  const state = { down: true, requests: 0 };
  const agent: AgentBackend = {
    id: scripted.id,
    async nextStep(view, rng) {
      state.requests++;
      if (state.down) {
        const error = new Error("connection refused (gave up after 3 attempts)");
        error.name = "ModelCallError";
        throw error;
      }
      return scripted.nextStep(view, rng);
    },
  };
  return { agent, state };
}

function options(out: string, extra: Partial<SimulateRunOptions> = {}): SimulateRunOptions {
  return {
    out,
    scenarioIds: SCENARIOS,
    perScenario: 1,
    concurrency: 2,
    seed: 7,
    backends: { caller: createScriptedCaller(), agent: createScriptedAgent() },
    flawRate: 0.2,
    resume: false,
    ...extra,
  };
}

/** Runs the CLI without blocking this process (a fake server here must answer it). */
function cli(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [resolve("bin/voicesim.mjs"), ...args], { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, CI: "true", OPENAI_API_KEY: "" } });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  return new Promise((done) => child.once("exit", (code) => done({ code, stderr })));
}

let loaded: LoadedPack;
let reference: string;
// The two CLI runs (a second writer refused; a batch where every call failed) run side by side.
let lockedOut: string;
let secondWriter: { code: number | null; stderr: string };
let allFailed: { code: number | null; stderr: string };
beforeAll(async () => {
  lockedOut = tempDir();
  const holder = RunStore.open(lockedOut);
  const server = await startFakeOpenAIServer(() => ({ status: 401, message: "invalid api key" }));
  try {
    const failing = ["simulate", PACK, "--scenarios", SCENARIOS[0] ?? "", "--per-scenario", "2", "--model", "m", "--base-url", server.baseUrl, "--caller-model", "scripted", "--out", join(tempDir(), "run")];
    const spawned = Promise.all([cli(["simulate", PACK, "--scenarios", SCENARIOS.join(","), "--out", lockedOut, "--resume"]), cli(failing)]);
    loaded = await loadPack(PACK);
    const out = tempDir();
    await simulate(loaded, options(out));
    reference = readFileSync(join(out, "conversations.jsonl"), "utf8");
    [secondWriter, allFailed] = await spawned;
  } finally {
    holder.close();
    await server.close();
  }
});

describe("the run directory lock", () => {
  it("refuses a second writer, naming the process that holds it; free again once released", async () => {
    const out = tempDir();
    const holder = RunStore.open(out);
    const refused = await simulate(loaded, options(out, { resume: true })).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(VoicesimError);
    expect((refused as VoicesimError).code).toBe("run_dir_locked");
    expect((refused as VoicesimError).message).toMatch(new RegExp(`is in use by process ${process.pid}`));
    holder.close();
    await expect(simulate(loaded, options(out, { resume: true }))).resolves.toMatchObject({ batch: { simulated: 2 } });
  });

  it("makes a second voicesim process exit 1 with a one-line refusal and a hint, no stack", () => {
    expect(secondWriter.code, secondWriter.stderr).toBe(1);
    expect(secondWriter.stderr).toMatch(new RegExp(`^voicesim: ${lockedOut} is in use by process ${process.pid} \\(since [^)]+\\)\\nhint: wait for it to finish`));
    expect(secondWriter.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("resuming with other settings", () => {
  it("refuses another --seed or --per-scenario, naming each difference, and changes nothing", async () => {
    const out = tempDir();
    await simulate(loaded, options(out));
    const before = readdirSync(out).map((f) => [f, readFileSync(join(out, f), "utf8")]);
    const refused = await simulate(loaded, options(out, { resume: true, seed: 8, perScenario: 2 })).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(VoicesimError);
    expect((refused as VoicesimError).message).toMatch(/holds a run made with other settings: seed was 7, now 8; perScenario was 1, now 2/);
    expect((refused as VoicesimError).hint).toMatch(/manifest\.json/);
    expect(readdirSync(out).map((f) => [f, readFileSync(join(out, f), "utf8")])).toEqual(before);
  });
});

describe("failed calls on resume", () => {
  it("records an outage as failed calls, keeps them with retryFailed: false, and retries them by default into the uninterrupted run's file", async () => {
    const out = tempDir();
    const { agent, state } = outageAgent();
    const down = await simulate(loaded, options(out, { backends: { caller: createScriptedCaller(), agent } }));
    expect(down.batch).toMatchObject({ total: 2, failed: 2 });
    expect(down.batch.firstFailure).toMatch(/connection refused/);

    state.down = false;
    state.requests = 0;
    const kept = await simulate(loaded, options(out, { resume: true, retryFailed: false, backends: { caller: createScriptedCaller(), agent } }));
    expect(kept.batch).toMatchObject({ simulated: 0, failed: 2 });
    expect(state.requests).toBe(0);

    const retried = await simulate(loaded, options(out, { resume: true, backends: { caller: createScriptedCaller(), agent } }));
    expect(retried.batch).toMatchObject({ simulated: 2, failed: 0, retriedIds: ["book-flu-quiet-caller#0", "cancel-followup-easy#0"] });
    expect(readFileSync(join(out, "conversations.jsonl"), "utf8")).toBe(reference);
  });

  it("makes the CLI exit 1 when every call failed, with the first error and how to retry", () => {
    expect(allFailed.code, allFailed.stderr).toBe(1);
    expect(allFailed.stderr).toMatch(/voicesim: all 2 calls failed; the first: .*401/);
    expect(allFailed.stderr).toMatch(/--resume`: failed calls are simulated again/);
    expect(allFailed.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("disk and manifest trouble", () => {
  it("turns a full disk into a one-line error with a hint, and leaves no temporary file", async () => {
    const out = tempDir();
    symlinkSync("/dev/full", join(out, `manifest.json.tmp-${process.pid}`));
    const failed = await simulate(loaded, options(out)).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(VoicesimError);
    expect((failed as VoicesimError).message).toBe(`cannot write ${join(out, "manifest.json")}: no space left on the device (ENOSPC)`);
    expect((failed as VoicesimError).hint).toMatch(/free some space, then continue with --resume/);
    expect(readdirSync(out).filter((f) => f.includes(".tmp-"))).toEqual([]);

    const store = RunStore.open(tempDir());
    symlinkSync("/dev/full", store.path("rows.jsonl"));
    expect(() => store.append("rows.jsonl", { id: "a" })).toThrow(/no space left on the device/);
    store.close();
  });

  it("names permission and read-only failures with what to do", () => {
    const denied = fileSystemError(Object.assign(new Error("EACCES: permission denied, open 'x'"), { code: "EACCES" }), "write", "runs/x/scores.jsonl");
    expect(denied).toBeInstanceOf(VoicesimError);
    expect((denied as VoicesimError).message).toBe("cannot write runs/x/scores.jsonl: permission denied (EACCES)");
    const readOnly = fileSystemError(Object.assign(new Error("EROFS"), { code: "EROFS" }), "write", "runs/x/manifest.json") as VoicesimError;
    expect(readOnly.message).toBe("cannot write runs/x/manifest.json: the file system is read-only (EROFS)");
    expect(readOnly.hint).toMatch(/writable disk/);
    const bug = new TypeError("not a file-system error");
    expect(fileSystemError(bug, "write", "x")).toBe(bug);
  });

  it("refuses an --out where directories cannot be made (/proc) at once, instead of spinning", async () => {
    const failed = await simulate(loaded, options("/proc/voicesim-run/x")).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(VoicesimError);
    expect((failed as VoicesimError).message).toBe("cannot create /proc/voicesim-run/x: /proc does not accept new directories");
  });

  it.each([
    ["empty", "", /manifest\.json is empty/],
    ["garbled", '{"name": "run", "comm', /manifest\.json is not valid JSON/],
    ["not a manifest", '{"hello": 1}', /manifest\.json is not a voicesim manifest: name: /],
  ])("names an %s manifest.json instead of failing with a stack", async (_kind, text, message) => {
    const out = tempDir();
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, "manifest.json"), text);
    const failed = await simulate(loaded, options(out, { resume: true })).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(VoicesimError);
    expect((failed as VoicesimError).message).toMatch(message);
    expect((failed as VoicesimError).hint).toMatch(/restore .* or move it away/);
  });
});
