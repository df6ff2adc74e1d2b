import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Manifest } from "../../scenarios/index.ts";
import { type FakeOpenAIServer, type RecordedRequest, startFakeOpenAIServer } from "../helpers/fake-openai-server.ts";

let server: FakeOpenAIServer;
const dimensions = ["helpfulness", "correctness", "policy_compliance", "speech_formatting", "tool_usage", "refusal_quality"];

/** One pretend model for every role, answering by the structured output each role asks for. */
function pretend(request: RecordedRequest) {
  const format = request.body.response_format?.json_schema?.name;
  if (format === "scenario_variants") return { content: JSON.stringify({ variants: [] }) };
  if (format === "critique") return { content: JSON.stringify({ flags: [] }) };
  if (format === "rubric") return { content: JSON.stringify({ scores: dimensions.map((dimension) => ({ dimension, score: 4, reason: "Fine." })) }) };
  if (format === "rewrite") return { content: JSON.stringify({ text: "Okay." }) };
  if (format === "caller_turn") {
    const turn = request.body.messages.filter((m) => m.role === "assistant").length;
    return { content: JSON.stringify({ utterance: turn === 0 ? "Hi, I have a question about my bill." : "Thanks, bye.", hang_up: turn >= 1 }) };
  }
  return { content: "Thanks for calling. Let me transfer you to our billing team." };
}

/** `voicesim run` on the clinic pack with every role on the pretend model; resolves to the exit code and stderr. */
async function runWithModels(out: string, cacheDir: string): Promise<{ code: number | null; stderr: string }> {
  return runCli(["run", "scenarios/packs/clinic-booking", "--out", out, "--scenarios", "2", "--rounds", "1", "--candidates", "1", "--forks", "0", "--model", "m", "--judge-model", "j", "--base-url", server.baseUrl, "--cache-dir", cacheDir]);
}

async function runCli(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [resolve("bin/voicesim.mjs"), ...args], { env: { ...process.env, CI: "true", OPENAI_API_KEY: "" } });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const code = await new Promise<number | null>((done) => child.once("exit", done));
  return { code, stderr };
}

const base = mkdtempSync(join(tmpdir(), "voicesim-models-"));
const out = join(base, "run");
const cacheDir = join(base, "shared-cache");
type Outcome = { code: number | null; stderr: string };
let first: Outcome;
/** Requests after the first run; a second run into a new directory over the same --cache-dir; requests after it. */
let askedFirst = 0;
let second: Outcome;
let askedSecond = 0;
const again = join(base, "second-run");
/** A run with the scripted agent and caller, the judge and the rewriter on the model: its requests. */
const rewritten = join(base, "rewritten");
let rewrite: Outcome;
let rewriteRequests: RecordedRequest[] = [];

beforeAll(async () => {
  server = await startFakeOpenAIServer(pretend);
  first = await runWithModels(out, cacheDir);
  askedFirst = server.requests.length;
  second = await runWithModels(again, cacheDir);
  askedSecond = server.requests.length;
  rewrite = await runCli(["run", "scenarios/packs/clinic-booking", "--out", rewritten, "--scenarios", "2", "--rounds", "1", "--candidates", "1", "--forks", "0", "--judge-model", "j", "--rewrite", "model", "--base-url", server.baseUrl]);
  rewriteRequests = server.requests.slice(askedSecond);
}, 120_000);
afterAll(async () => server?.close());

describe("voicesim run with --model and --judge-model", () => {
  it("drives generator, caller, agent, critic and judge through an OpenAI-compatible server, and counts every token", () => {
    expect(first.code, first.stderr).toBe(0);
    const manifest = Manifest.parse(JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")));
    expect(manifest.config).toMatchObject({ agent: "openai:m", caller: "openai:m", judge: "j" });
    expect(JSON.stringify(manifest)).not.toMatch(/sk-|api[_-]?key/i);
    const formats = new Set(server.requests.slice(0, askedFirst).map((r) => r.body.response_format?.json_schema?.name ?? (r.body.tools ? "agent" : "other")));
    expect([...formats]).toEqual(expect.arrayContaining(["scenario_variants", "critique", "caller_turn", "agent", "rubric"]));
    // Every request the server saw is in the run's token account: generator, caller, agent, critic and judge.
    expect(manifest.tokens.modelCalls).toBe(askedFirst);
    expect(manifest.estimatedCostUsd).toBeGreaterThan(0);
    const scores = readFileSync(join(out, "scores.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { judge: string });
    expect(scores.every((s) => s.judge === "openai:j")).toBe(true);
  });

  it("answers a new run directory from a shared --cache-dir without asking the model again", () => {
    expect(askedFirst).toBeGreaterThan(0);
    expect(second.code, second.stderr).toBe(0);
    expect(askedSecond).toBe(askedFirst);
    // The same calls, word for word; only their accounts differ (cached calls instead of model calls).
    const eventsOf = (dir: string) => readFileSync(join(dir, "conversations.jsonl"), "utf8").trim().split("\n").map((line) => (JSON.parse(line) as { events: unknown }).events);
    expect(eventsOf(again)).toEqual(eventsOf(out));
    const manifest = Manifest.parse(JSON.parse(readFileSync(join(again, "manifest.json"), "utf8")));
    expect(manifest.tokens).toMatchObject({ modelCalls: 0 });
    expect(manifest.tokens.cachedCalls).toBe(askedFirst);
  });

  it("counts the model rewriter's tokens, spent at export after the batch totals", () => {
    expect(rewrite.code, rewrite.stderr).toBe(0);
    expect(rewriteRequests.filter((r) => r.body.response_format?.json_schema?.name === "rewrite").length).toBeGreaterThan(0);
    const manifest = Manifest.parse(JSON.parse(readFileSync(join(rewritten, "manifest.json"), "utf8")));
    expect(manifest.tokens.modelCalls).toBe(rewriteRequests.length);
  });
});
