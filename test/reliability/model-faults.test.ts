import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command, CommanderError } from "commander";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { type ChatRequest, createModelClient, createOpenAIAgent, createOpenAICaller, ModelCallError, type ModelClientOptions, redactUrl, secretScrubber } from "../../agents/index.ts";
import { secretForms, secretsInUrl } from "../../scenarios/secrets.ts";
import { backendsFromOptions } from "../../cli/backend-options.ts";
import { modelOptionsHelp } from "../../cli/model-options.ts";
import { Conversation, parsePack } from "../../scenarios/index.ts";
import { simulate } from "../../sim/index.ts";
import { Rng } from "../../tools/index.ts";
import { miniPackInput } from "../fixtures/mini-pack.ts";
import { type Fault, type FaultServer, startFaultServer } from "./fault-server.ts";

// Real waits never happen here: backoff goes through `sleep` (recorded), the attempt deadline
// through `attemptTimer` (ended on cue), HTTP dates against `now`.
const KEY = "sk-test-Zq8vR2mK4pL9xW3nB7cD";
const KEY_FORMS = [KEY, KEY.slice(3), KEY.slice("sk-test-".length)];
const ask: ChatRequest = { messages: [{ role: "user", content: "hello" }] };
const loaded = { ...parsePack(miniPackInput), dir: "test/fixtures", hash: "mini" };

// The client loads the OpenAI SDK on its first request; load it here, so each test's time
// limit measures the fault handling alone.
beforeAll(async () => {
  await import("@langchain/openai");
}, 20_000);

const servers: FaultServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function faultyEndpoint(script: Fault[], extra: Partial<ModelClientOptions> = {}) {
  const server = await startFaultServer(script);
  servers.push(server);
  const waits: number[] = [];
  const client = createModelClient({
    model: "fake-model",
    baseUrl: server.baseUrl,
    apiKey: KEY,
    maxRetries: 6,
    sleep: async (ms) => {
      waits.push(ms);
    },
    // The attempt's time is up exactly when a body stalls: no test sits out a real timeout.
    attemptTimer: (_ms, signal) => server.nextStall(signal),
    ...extra,
  });
  return { server, client, waits };
}

async function failureOf(promise: Promise<unknown>): Promise<ModelCallError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelCallError);
  return error as ModelCallError;
}

describe("a model server that misbehaves", () => {
  it("has a stalled body cut off by the attempt's deadline and retried, and the stalled connection closed", { timeout: 2000 }, async () => {
    const { server, client, waits } = await faultyEndpoint([{ kind: "stall" }, { kind: "answer", content: "back again" }]);
    const answer = await client.complete(ask);
    expect(answer.content).toBe("back again");
    expect(server.requests).toHaveLength(2);
    expect(waits).toHaveLength(1);
    await expect.poll(() => server.abandonedStalls, { timeout: 500, interval: 10 }).toBe(1);

    const stuck = await faultyEndpoint([{ kind: "stall" }], { maxRetries: 2, timeoutMs: 3000 });
    const error = await failureOf(stuck.client.complete(ask));
    expect(error.kind).toBe("timeout");
    expect(error.attempts).toBe(3);
    expect(error.message).toMatch(/raise --timeout/);
    expect(error.message).toMatch(/within 3000 ms/);
  });

  it("retries a truncated JSON body like other transient faults, and names it when it persists", { timeout: 2000 }, async () => {
    const { server, client } = await faultyEndpoint([{ kind: "truncated" }, { kind: "truncated" }, { kind: "answer", content: "whole" }]);
    expect((await client.complete(ask)).content).toBe("whole");
    expect(server.requests).toHaveLength(3);

    const torn = await faultyEndpoint([{ kind: "truncated" }], { maxRetries: 3 });
    const error = await failureOf(torn.client.complete(ask));
    expect(error.kind).toBe("incomplete_response");
    expect(error.attempts).toBe(4);
    expect(error.message).toMatch(/cut off/);
    expect(torn.server.requests).toHaveLength(4);
  });

  it("gets through one of every transient fault in a row, waiting as each one asks", { timeout: 2000 }, async () => {
    const faults: Fault[] = [
      { kind: "reset" },
      { kind: "reset_mid_body" },
      { kind: "server_error", status: 503 },
      { kind: "truncated" },
      { kind: "stall" },
      { kind: "rate_limited", retryAfter: { ms: 1234 } },
      { kind: "html", status: 502, title: "502 Bad Gateway" },
      { kind: "empty_choices", error: { message: "upstream overloaded", code: 503 } },
      { kind: "answer", content: "finally" },
    ];
    const { server, client, waits } = await faultyEndpoint(faults, { maxRetries: 8, retryBaseMs: 100, maxRetryDelayMs: 10_000 });
    const answer = await client.complete(ask);
    expect(answer.content).toBe("finally");
    expect(server.requests).toHaveLength(faults.length);
    expect(waits).toHaveLength(faults.length - 1);
    expect(waits[5]).toBe(1234);
    // Exponential backoff elsewhere: attempt n waits within [half, all] of 100·2^n.
    waits.forEach((ms, n) => {
      if (n !== 5) expect(ms).toBeGreaterThanOrEqual(Math.min(10_000, 100 * 2 ** n) / 2);
    });
  });

  it("honours retry-after in seconds, in milliseconds and as an HTTP date, capped at the longest wait", { timeout: 2000 }, async () => {
    const now = () => Date.parse("2026-03-10T15:00:00Z");
    const { client, waits } = await faultyEndpoint(
      [
        { kind: "rate_limited", retryAfter: { seconds: 2 } },
        { kind: "rate_limited", retryAfter: { ms: 1500 } },
        { kind: "rate_limited", retryAfter: { date: "Tue, 10 Mar 2026 15:00:30 GMT" } },
        { kind: "rate_limited", retryAfter: { seconds: 3600 } },
        { kind: "rate_limited", retryAfter: { date: "Tue, 10 Mar 2026 18:00:00 GMT" } },
        { kind: "answer", content: "ok" },
      ],
      { now, maxRetryDelayMs: 40_000 },
    );
    expect((await client.complete(ask)).content).toBe("ok");
    expect(waits).toEqual([2000, 1500, 30_000, 40_000, 40_000]);
  });

  it("reports an empty choices list and an HTML page as what they are, with the server's own error, not as an unreachable server", { timeout: 2000 }, async () => {
    const cases: Array<{ fault: Fault; kind: string; words: RegExp }> = [
      { fault: { kind: "empty_choices" }, kind: "unexpected_response", words: /no choices \(an empty list\)/ },
      { fault: { kind: "empty_choices", error: { message: "content blocked by upstream policy" } }, kind: "unexpected_response", words: /content blocked by upstream policy/ },
      { fault: { kind: "html", status: 200, title: "Open WebUI" }, kind: "unexpected_response", words: /HTML page \("Open WebUI"\).*--base-url/ },
    ];
    for (const { fault, kind, words } of cases) {
      const { server, client } = await faultyEndpoint([fault]);
      const error = await failureOf(client.complete(ask));
      expect(error.kind).toBe(kind);
      expect(error.message).toMatch(words);
      expect(error.message).not.toMatch(/could not reach/);
      // Asking again would get the same page: one request, no retries.
      expect(server.requests).toHaveLength(1);
    }
    const gateway = await faultyEndpoint([{ kind: "html", status: 502, title: "502 Bad Gateway" }], { maxRetries: 1 });
    const error = await failureOf(gateway.client.complete(ask));
    expect(error.kind).toBe("server_error");
    expect(error.message).toMatch(/HTML page \("502 Bad Gateway"\)/);
    expect(error.message).not.toMatch(/<html|<!DOCTYPE/i);
  });
});

describe("secrets", () => {
  /** Every file under a folder, as text. */
  const filesUnder = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? filesUnder(path) : [readFileSync(path, "utf8")];
    });
  const callsIn = (out: string) =>
    readFileSync(join(out, "conversations.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => Conversation.parse(JSON.parse(line)));

  it("keep the key, in every form a server echoes it, out of conversations, the cache and error messages", { timeout: 3000 }, async () => {
    // The agent's model echoes the key without its sk- prefix, then refuses it by name; the
    // caller's model (asked for JSON) plays along.
    const server = await startFaultServer((request): Fault => {
      const turns = request.body.messages.filter((m) => m.role === "assistant").length;
      if (request.body.response_format) return { kind: "answer", content: JSON.stringify({ utterance: "I'd like to book a cleaning.", hang_up: false, goal_met: false, dtmf: null }) };
      return turns < 2 ? { kind: "echo_key" } : { kind: "server_error", status: 401, message: `Incorrect API key provided: ${KEY_FORMS[turns % 3]}.` };
    });
    servers.push(server);
    const out = mkdtempSync(join(tmpdir(), "voicesim-faults-"));
    const client = createModelClient({ model: "fake-model", baseUrl: server.baseUrl, apiKey: KEY, cacheDir: join(out, "cache") });
    const backends = { caller: createOpenAICaller({ client }), agent: createOpenAIAgent({ client, tools: [] }) };
    await simulate(loaded, { out, perScenario: 1, concurrency: 1, seed: 2, backends, flawRate: 0, resume: false });
    const calls = callsIn(out);
    expect(calls).toHaveLength(1);
    // The echo reached the transcript, scrubbed; the refusal is the recorded failure, scrubbed.
    expect(calls[0]?.events.some((e) => e.type === "agent_speech" && e.said === "Your account key is [redacted], and how can I help?")).toBe(true);
    expect(calls[0]?.status).toBe("failed");
    expect(calls[0]?.error).toMatch(/Incorrect API key provided: \[redacted\]/);
    const everything = filesUnder(out).join("\n");
    expect(everything.length).toBeGreaterThan(1000);
    for (const form of KEY_FORMS) expect(everything).not.toContain(form);
  });

  it("keep credentials in --base-url out of the manifest, conversations and errors, while still sending them", { timeout: 3000 }, async () => {
    const server = await startFaultServer([{ kind: "echo_credentials" }]);
    servers.push(server);
    const password = "hunter2-Secret";
    const token = "q-Secret-778899";
    const baseUrl = `${server.baseUrl.replace("http://", `http://voice:${password}@`)}?api_key=${token}&api-version=2024-10-21`;
    const out = mkdtempSync(join(tmpdir(), "voicesim-faults-"));
    const { backends, config } = await backendsFromOptions({ model: "fake-model", baseUrl, timeout: 5000 }, { cacheDir: join(out, "cache"), tools: loaded.tools });
    await simulate(loaded, { out, perScenario: 1, concurrency: 1, seed: 2, backends, config, flawRate: 0, resume: false });
    // The credentials were used: as Basic auth (fetch refuses user:pass URLs) and in the query.
    expect(server.requests[0]?.headers.authorization).toBe(`Basic ${Buffer.from(`voice:${password}`).toString("base64")}`);
    expect(server.requests[0]?.path).toContain(`api_key=${token}`);
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")) as { config: { baseUrl: string } };
    expect(manifest.config.baseUrl).toBe(`${server.baseUrl.replace("http://", "http://redacted@")}?api_key=redacted&api-version=2024-10-21`);
    const [call] = callsIn(out);
    expect(call?.error).toMatch(/cannot route .*api_key=.*authorization: Basic/);
    const everything = filesUnder(out).join("\n");
    for (const secret of [password, token, Buffer.from(`voice:${password}`).toString("base64")]) expect(everything).not.toContain(secret);
  });
});

describe("redaction", () => {
  it("finds a key's echoed forms and a URL's credentials, and prints the URL without them", () => {
    expect(secretForms("sk-proj-Abc123_def456")).toEqual(["sk-proj-Abc123_def456", "proj-Abc123_def456", "Abc123_def456"]);
    const url = "https://gw:p%40ss-word@llm.example.com/v1?api_key=k-998877&api-version=2024-10-21&token=t-112233";
    expect(secretsInUrl(url)).toEqual(expect.arrayContaining(["gw", "p@ss-word", "k-998877", "t-112233", Buffer.from("gw:p@ss-word").toString("base64")]));
    expect(redactUrl(url)).toBe("https://redacted@llm.example.com/v1?api_key=redacted&api-version=2024-10-21&token=redacted");
    expect(redactUrl("http://127.0.0.1:11434/v1")).toBe("http://127.0.0.1:11434/v1");
    const scrub = secretScrubber([KEY, ...secretsInUrl(url)]);
    expect(scrub(`key ${KEY.slice(3)}, url https://gw:p%40ss-word@llm.example.com/v1?api_key=k-998877`)).toBe("key [redacted], url https://redacted@llm.example.com/v1?api_key=[redacted]");
  });
});

describe("options and answers the client must agree on", () => {
  it("refuses a --timeout that is not a whole number of milliseconds, at the command line", () => {
    const parse = (value: string) => modelOptionsHelp(new Command().exitOverride().configureOutput({ writeErr: () => {} })).parse(["--timeout", value], { from: "user" }).opts();
    expect(parse("2500").timeout).toBe(2500);
    for (const bad of ["abc", "0", "-5", "1.5", ""]) expect(() => parse(bad)).toThrow(CommanderError);
    expect(() => parse("abc")).toThrow(/--timeout takes a whole number/);
    expect(() => createModelClient({ model: "m", baseUrl: "http://127.0.0.1:9/v1", timeoutMs: Number.NaN })).toThrow(/positive number of milliseconds/);
  });

  it("reads keypad keys out of any dtmf string the caller's schema allows, instead of failing the call", { timeout: 2000 }, async () => {
    const answers = ["4 1 5-2", "none", "*72#", "four one five"];
    const server = await startFaultServer((_request, index) => ({ kind: "answer", content: JSON.stringify({ utterance: "", hang_up: false, goal_met: false, dtmf: answers[index] ?? null }) }));
    servers.push(server);
    const caller = createOpenAICaller({ client: createModelClient({ model: "fake-model", baseUrl: server.baseUrl, maxRetries: 0 }) });
    const scenario = loaded.pack.scenarios[0];
    const persona = loaded.pack.personas.find((p) => p.id === scenario?.persona);
    if (!scenario || !persona) throw new Error("the mini pack has a scenario and its persona");
    const keys: Array<string | undefined> = [];
    for (let turn = 1; turn <= answers.length; turn++) {
      const reply = await caller.nextTurn({ pack: loaded.pack, scenario, persona, events: [], turn, memory: null }, new Rng(turn));
      keys.push(reply.dtmf);
    }
    expect(keys).toEqual(["4152", undefined, "*72#", "415"]);
    // One request per turn: no answer was refused and asked for again.
    expect(server.requests).toHaveLength(answers.length);
  });
});

describe("stopping a run", () => {
  it("ends a model call's 30 s retry wait at once when the run is aborted", { timeout: 2000 }, async () => {
    const server = await startFaultServer([{ kind: "rate_limited", retryAfter: { seconds: 30 } }]);
    servers.push(server);
    const controller = new AbortController();
    let abortedAt = 0;
    const waits: Array<{ ms: number; released: boolean }> = [];
    const client = createModelClient({
      model: "fake-model",
      baseUrl: server.baseUrl,
      // A wait that only an abort ends; Ctrl-C comes while the client sits in it.
      sleep: (ms, signal) =>
        new Promise((_resolve, reject) => {
          const wait = { ms, released: false };
          waits.push(wait);
          signal?.addEventListener("abort", () => {
            wait.released = true;
            reject(signal.reason);
          });
          setImmediate(() => {
            abortedAt = performance.now();
            controller.abort(new Error("Ctrl-C"));
          });
        }),
    });
    const out = mkdtempSync(join(tmpdir(), "voicesim-faults-"));
    const result = await simulate(loaded, {
      out,
      perScenario: 1,
      concurrency: 1,
      seed: 2,
      backends: { caller: createOpenAICaller({ client }), agent: createOpenAIAgent({ client, tools: [] }) },
      flawRate: 0,
      resume: false,
      signal: controller.signal,
    });
    const stoppedAfterMs = performance.now() - abortedAt;
    expect(result.batch.aborted).toBe(true);
    expect(waits).toEqual([{ ms: 30_000, released: true }]);
    expect(stoppedAfterMs).toBeLessThan(500);
    expect(server.requests).toHaveLength(1);
  });

  it("ends the retry wait of a client made with the run's signal, in stages that pass no signal of their own", { timeout: 2000 }, async () => {
    const server = await startFaultServer([{ kind: "rate_limited", retryAfter: { seconds: 30 } }]);
    servers.push(server);
    const run = new AbortController();
    let released = false;
    const client = createModelClient({
      model: "fake-model",
      baseUrl: server.baseUrl,
      signal: run.signal,
      sleep: (_ms, signal) =>
        new Promise((_resolve, reject) => {
          signal?.addEventListener("abort", () => {
            released = true;
            reject(signal.reason);
          });
          setImmediate(() => run.abort(new Error("Ctrl-C")));
        }),
    });
    // A judge or generator asks with no signal; the run's Ctrl-C still ends the wait.
    await expect(client.complete(ask)).rejects.toThrow("Ctrl-C");
    expect(released).toBe(true);
    expect(server.requests).toHaveLength(1);
  });
});
