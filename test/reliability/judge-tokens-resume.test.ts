import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createModelClient, createScriptedAgent, createScriptedCaller } from "../../agents/index.ts";
import { createLLMCritic, createLLMJudge, type RunPipelineOptions, rejudgeRun, runPipeline, type StageEvent } from "../../pipeline/index.ts";
import { type LoadedPack, loadPack } from "../../scenarios/index.ts";
import { type FakeOpenAIServer, startFakeOpenAIServer } from "../helpers/fake-openai-server.ts";
import { installKillSwitch, Killed } from "./run-dir-crash.ts";

const rubric = JSON.stringify({
  scores: ["helpfulness", "correctness", "policy_compliance", "speech_formatting", "tool_usage", "refusal_quality"].map((dimension) => ({ dimension, score: 4, reason: `${dimension} was fine.` })),
});

type Manifest = Awaited<ReturnType<typeof runPipeline>>["manifest"];
const tempDir = () => mkdtempSync(join(tmpdir(), "voicesim-tokens-"));
const lines = (dir: string, file: string) => readFileSync(join(dir, file), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

describe("judge and critic tokens of a run killed while judging and resumed", () => {
  const killSwitch = installKillSwitch();
  let server: FakeOpenAIServer;
  let loaded: LoadedPack;
  let reference: Manifest;
  let resumed: { out: string; manifest: Manifest; killed: boolean; requestsBeforeResume: number };

  // A fresh model client per run, as each process has its own; the cache folder is the run's, as the CLI's is.
  const options = (out: string, resume: boolean): RunPipelineOptions => {
    const client = createModelClient({ model: "grader", baseUrl: server.baseUrl, retryBaseMs: 1, cacheDir: join(out, "..", "cache") });
    return {
      out,
      seed: 5,
      scenarios: 2,
      candidates: 1,
      forks: 0,
      rounds: 1,
      concurrency: 2,
      flawRate: 0.25,
      backends: { caller: createScriptedCaller(), agent: createScriptedAgent() },
      critic: createLLMCritic(client),
      judge: createLLMJudge(client),
      resume,
    };
  };

  beforeAll(async () => {
    // Answers by what was asked; usage is the fake's estimate from the request, so the same request costs the same.
    server = await startFakeOpenAIServer((request) => ({ content: request.body.response_format?.json_schema?.name === "rubric" ? rubric : JSON.stringify({ flags: [] }) }));
    loaded = await loadPack("scenarios/packs/clinic-booking");
    reference = (await runPipeline(loaded, options(join(tempDir(), "run"), false))).manifest;

    const out = join(tempDir(), "run");
    const controller = new AbortController();
    let killed = false;
    const onStage = (event: StageEvent) => {
      // The second score line tears: every call of the round was judged, one score reached the disk.
      if (event.stage === "judge r1" && event.type === "start") killSwitch.killAt(2, () => {
        killed = true;
        controller.abort();
      });
    };
    await expect(runPipeline(loaded, { ...options(out, false), signal: controller.signal, onStage })).rejects.toThrow(Killed);
    writeFileSync(join(out, ".lock"), JSON.stringify({ pid: 999_999_999, machine: hostname(), startedAt: "2026-01-01T00:00:00.000Z" }));
    const requestsBeforeResume = server.requests.length;
    resumed = { out, manifest: (await runPipeline(loaded, options(out, true))).manifest, killed, requestsBeforeResume };
    // `voicesim judge` on a copy of the resumed run, twice: the second time every answer is in the cache.
    const copy = `${out}-rejudged`;
    cpSync(out, copy, { recursive: true });
    for (let i = 0; i < 2; i++) {
      const client = createModelClient({ model: "grader", baseUrl: server.baseUrl, retryBaseMs: 1, cacheDir: join(out, "..", "cache") });
      rejudged.push((await rejudgeRun(copy, loaded, { judge: createLLMJudge(client) })).manifest.tokens);
    }
  });
  const rejudged: Manifest["tokens"][] = [];

  it("adds what a re-judge's scores cost, the same whether the answers came from the model or the cache", () => {
    const [first, second] = rejudged;
    expect(first?.prompt).toBeGreaterThan(resumed.manifest.tokens.prompt);
    expect((second?.prompt ?? 0) - (first?.prompt ?? 0)).toBe((first?.prompt ?? 0) - resumed.manifest.tokens.prompt);
  });
  afterAll(() => server?.close());

  it("asks the model nothing again: the resumed process gets the judge's answers from the cache", () => {
    expect(resumed.killed).toBe(true);
    expect(lines(resumed.out, "scores.jsonl").length).toBeGreaterThan(1);
    expect(server.requests.length).toBe(resumed.requestsBeforeResume);
  });

  it("reports the same tokens and calls in manifest.json as the uninterrupted run", () => {
    expect(reference.tokens.prompt).toBeGreaterThan(0);
    expect(resumed.manifest.tokens.prompt).toBe(reference.tokens.prompt);
    expect(resumed.manifest.tokens.completion).toBe(reference.tokens.completion);
    // Answers the killed process paid for come from the cache now: counted as cache hits, not lost.
    expect(resumed.manifest.tokens.modelCalls + resumed.manifest.tokens.cachedCalls).toBe(reference.tokens.modelCalls + reference.tokens.cachedCalls);
    expect(resumed.manifest.tokens.cachedCalls).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(join(resumed.out, "manifest.json"), "utf8")).tokens).toEqual(resumed.manifest.tokens);
  });

  it("keeps what each verdict and score cost beside it, which is what the totals sum", () => {
    const scored = lines(resumed.out, "scores.jsonl");
    const critiqued = lines(resumed.out, "scenarios.jsonl");
    const sum = (usages: unknown[]) => usages.reduce<number>((n, u) => n + ((u as { promptTokens: number } | undefined)?.promptTokens ?? 0), 0);
    const judgePrompt = sum(scored.map((s) => s.usage));
    const criticPrompt = sum(critiqued.map((r) => (r.critique as { usage?: unknown } | undefined)?.usage));
    expect(scored.map((s) => s.judge)).toEqual(scored.map(() => "openai:grader"));
    expect(scored.every((s) => (s.usage as { promptTokens: number }).promptTokens > 0)).toBe(true);
    expect(criticPrompt).toBeGreaterThan(0);
    // Scripted caller and agent spend no prompt tokens: the whole prompt figure is the critic's and the judge's.
    expect(judgePrompt + criticPrompt).toBe(resumed.manifest.tokens.prompt);
  });
});
