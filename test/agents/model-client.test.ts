import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type ChatRequest, createModelClient, type ModelClientOptions, ModelCallError, ResponseCache } from "../../agents/index.ts";
import { VoicesimError } from "../../scenarios/index.ts";
import { type FakeHandler, type FakeOpenAIServer, type FakeReply, startFakeOpenAIServer } from "../helpers/fake-openai-server.ts";

const SECRET = "sk-test-abcdef0123456789SECRET";
const servers: FakeOpenAIServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A fake server and a client for it; `waits` records each backoff instead of sleeping. */
async function setup(replies: FakeReply[] | FakeHandler, extra: Partial<ModelClientOptions> = {}) {
  const server = await startFakeOpenAIServer(replies);
  servers.push(server);
  const waits: number[] = [];
  const client = createModelClient({
    model: "gpt-test",
    baseUrl: server.baseUrl,
    apiKey: SECRET,
    sleep: async (ms) => {
      waits.push(ms);
    },
    ...extra,
  });
  return { server, client, waits };
}

const ask: ChatRequest = { messages: [{ role: "user", content: "hello" }] };
const findCustomer = { type: "function" as const, function: { name: "find_customer", description: "find a customer", parameters: { type: "object", properties: { phone: { type: "string" } } } } };

async function failure(promise: Promise<unknown>): Promise<ModelCallError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelCallError);
  return error as ModelCallError;
}

describe("the OpenAI-compatible model client", () => {
  it("sends chat completions through the real client and reads tool calls and usage", async () => {
    const { server, client } = await setup([{ toolCalls: [{ name: "find_customer", arguments: { phone: "3125550147" }, id: "call_abc" }], usage: { prompt: 120, completion: 9 } }]);
    const response = await client.complete({ ...ask, tools: [findCustomer] });
    expect(response).toEqual({ content: "", toolCalls: [{ id: "call_abc", name: "find_customer", arguments: '{"phone":"3125550147"}' }], usage: { promptTokens: 120, completionTokens: 9 }, cached: false });
    expect(server.requests[0]?.path).toBe("/v1/chat/completions");
    expect(server.requests[0]?.body.model).toBe("gpt-test");
    expect(server.requests[0]?.body.tools?.[0]?.function.name).toBe("find_customer");
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${SECRET}`);
  });

  it("sends earlier tool calls and their results back in OpenAI's wire shape", async () => {
    const { server, client } = await setup([{ content: "I found you." }]);
    await client.complete({
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: "my number is 312 555 0147" },
        { role: "assistant", content: "", toolCalls: [{ id: "call_1", name: "find_customer", arguments: '{"phone":"3125550147"}' }] },
        { role: "tool", toolCallId: "call_1", content: '{"customers":[]}' },
      ],
      tools: [findCustomer],
    });
    const sent = server.requests[0]?.body.messages ?? [];
    expect(sent.map((m) => m.role)).toEqual(["system", "user", "assistant", "tool"]);
    expect(sent[2]?.tool_calls).toEqual([{ id: "call_1", type: "function", function: { name: "find_customer", arguments: '{"phone":"3125550147"}' } }]);
    expect(sent[3]).toMatchObject({ tool_call_id: "call_1", content: '{"customers":[]}' });
    // Chat Completions tool messages have no `name`; strict gateways answer 400 to one.
    expect(Object.keys(sent[3] ?? {}).sort()).toEqual(["content", "role", "tool_call_id"]);
  });

  it("passes on tool-call arguments that are not JSON, so the tool can reject them", async () => {
    const { client } = await setup([{ toolCalls: [{ name: "find_customer", arguments: '{"phone": 312', id: "call_bad" }] }]);
    const response = await client.complete({ ...ask, tools: [findCustomer] });
    expect(response.toolCalls).toEqual([{ id: "call_bad", name: "find_customer", arguments: '{"phone": 312' }]);
  });

  it("counts tokens with the tokenizer when the server reports no usage", async () => {
    const { client } = await setup([{ content: "Thanks for calling, how can I help?", usage: null }]);
    const response = await client.complete(ask);
    expect(response.usage.promptTokens).toBeGreaterThan(0);
    expect(response.usage.completionTokens).toBeGreaterThan(5);
  });

  it("asks for structured output with a JSON schema", async () => {
    const { server, client } = await setup([{ content: '{"utterance":"hi","hang_up":false}' }]);
    const response = await client.complete({ ...ask, jsonSchema: { name: "turn", schema: { type: "object" } } });
    expect(server.requests[0]?.body.response_format).toMatchObject({ type: "json_schema", json_schema: { name: "turn", schema: { type: "object" } } });
    expect(JSON.parse(response.content)).toEqual({ utterance: "hi", hang_up: false });
  });

  it("falls back to json_object with the schema in the prompt when the server rejects json_schema, and stays there", async () => {
    const { server, client } = await setup((request) =>
      request.body.response_format?.type === "json_schema" ? { status: 400, message: "response_format type json_schema is not supported", param: "response_format" } : { content: '{"ok":true}' },
    );
    const schema = { name: "answer", schema: { type: "object", properties: { ok: { type: "boolean" } } } };
    const first = await client.complete({ messages: [{ role: "system", content: "You are terse." }, { role: "user", content: "ok?" }], jsonSchema: schema });
    expect(first.content).toBe('{"ok":true}');
    expect(server.requests.map((r) => r.body.response_format?.type)).toEqual(["json_schema", "json_object"]);
    const system = server.requests[1]?.body.messages.filter((m) => m.role === "system") ?? [];
    expect(system).toHaveLength(1);
    expect(system[0]?.content).toContain("You are terse.");
    expect(system[0]?.content).toContain('"ok":{"type":"boolean"}');
    await client.complete({ messages: [{ role: "user", content: "again?" }], jsonSchema: schema });
    expect(server.requests.map((r) => r.body.response_format?.type)).toEqual(["json_schema", "json_object", "json_object"]);
  });

  it("reports an answer that is not JSON under a schema as malformed output, without retrying", async () => {
    const { server, client } = await setup([{ content: "Sure! Here you go: utterance hi" }]);
    const error = await failure(client.complete({ ...ask, jsonSchema: { name: "turn", schema: { type: "object" } } }));
    expect(error.kind).toBe("malformed_output");
    expect(server.requests).toHaveLength(1);
  });
});

describe("retries", () => {
  it("retries a 429 after the server's retry-after, then succeeds", async () => {
    const { server, client, waits } = await setup([{ status: 429, retryAfterSeconds: 2 }, { content: "ok" }]);
    expect((await client.complete(ask)).content).toBe("ok");
    expect(server.requests).toHaveLength(2);
    expect(waits).toEqual([2000]);
  });

  it("prefers retry-after-ms, as OpenAI sends it", async () => {
    const { client, waits } = await setup([{ status: 429, retryAfterMs: 1234, retryAfterSeconds: 2 }, { content: "ok" }]);
    await client.complete(ask);
    expect(waits).toEqual([1234]);
  });

  it("gives up on repeated 500s after maxRetries with a typed error, backing off exponentially", async () => {
    const { server, client, waits } = await setup([{ status: 500, message: "The server had an error while processing your request." }], { maxRetries: 3, retryBaseMs: 100 });
    const error = await failure(client.complete(ask));
    expect(error.kind).toBe("server_error");
    expect(error.status).toBe(500);
    expect(error.attempts).toBe(4);
    expect(error.message).toMatch(/gave up after 4 attempts/);
    expect(error.message).toMatch(/try again later/);
    expect(server.requests).toHaveLength(4);
    // Equal jitter: attempt n waits between half and all of base * 2^n.
    expect(waits).toHaveLength(3);
    waits.forEach((ms, n) => {
      expect(ms).toBeGreaterThanOrEqual(50 * 2 ** n);
      expect(ms).toBeLessThanOrEqual(100 * 2 ** n);
    });
  });

  it("jitters the same way for the same seed, and differently for another", async () => {
    const delays = async (jitterSeed: number) => {
      const { client, waits } = await setup([{ status: 503 }], { maxRetries: 4, retryBaseMs: 1000, jitterSeed });
      await failure(client.complete(ask));
      return waits;
    };
    const first = await delays(7);
    expect(await delays(7)).toEqual(first);
    expect(await delays(8)).not.toEqual(first);
  });

  it("caps a long retry-after at maxRetryDelayMs", async () => {
    const { client, waits } = await setup([{ status: 429, retryAfterSeconds: 3600 }, { content: "ok" }], { maxRetryDelayMs: 5000 });
    await client.complete(ask);
    expect(waits).toEqual([5000]);
  });

  it("treats a slow answer past the timeout as a timeout, retried like the others", async () => {
    const { server, client } = await setup([{ content: "late", delayMs: 1500 }], { timeoutMs: 100, maxRetries: 1 });
    const error = await failure(client.complete(ask));
    expect(error.kind).toBe("timeout");
    expect(error.message).toMatch(/raise --timeout/);
    expect(server.requests).toHaveLength(2);
  });

  it("retries a dropped connection and reports it as a connection error", async () => {
    const { server, client } = await setup([{ dropConnection: true }], { maxRetries: 2 });
    const error = await failure(client.complete(ask));
    expect(error.kind).toBe("connection");
    expect(server.requests).toHaveLength(3);
  });

  it("does not retry a refused key or a bad request", async () => {
    const auth = await setup([{ status: 401, message: `Incorrect API key provided: ${SECRET}. You can find your API key at https://platform.openai.com.`, code: "invalid_api_key" }]);
    const authError = await failure(auth.client.complete(ask));
    expect(authError.kind).toBe("auth");
    expect(authError.message).toMatch(/check OPENAI_API_KEY/);
    expect(auth.server.requests).toHaveLength(1);
    const bad = await setup([{ status: 404, message: "The model `gpt-test` does not exist", code: "model_not_found" }]);
    expect((await failure(bad.client.complete(ask))).kind).toBe("bad_request");
    expect(bad.server.requests).toHaveLength(1);
  });

  it("shows the server's own error words whatever shape its body has (OpenAI, vLLM, a bare string)", async () => {
    const bodies = [
      { raw: JSON.stringify({ error: "Cannot put tools in the first user message when there's no first user message!" }), status: 400, expected: /Cannot put tools in the first user message/ },
      { raw: JSON.stringify({ object: "error", message: "After the optional system message, conversation roles must alternate user/assistant", type: "BadRequestError", param: null, code: 400 }), status: 400, expected: /conversation roles must alternate/ },
      { raw: JSON.stringify({ error: { message: "Invalid parameter: messages with role 'tool' must be a response", type: "invalid_request_error" } }), status: 400, expected: /messages with role 'tool' must be a response/ },
      { raw: "upstream template error: no user message", status: 422, expected: /upstream template error: no user message/ },
    ];
    for (const { raw, status, expected } of bodies) {
      const { client } = await setup([{ raw, status }]);
      const error = await failure(client.complete(ask));
      expect(error.kind).toBe("bad_request");
      expect(error.message).toMatch(expected);
      expect(error.message).not.toMatch(/no body/);
    }
  });
});

describe("aborting", () => {
  it("stops at once when the caller aborts, with no further attempt", async () => {
    const controller = new AbortController();
    const { server, client, waits } = await setup(() => {
      controller.abort();
      return { status: 429, retryAfterSeconds: 60 };
    });
    const error = await client.complete(ask, controller.signal).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(ModelCallError);
    expect(server.requests).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it("stops a request in flight when the client's signal aborts, though the call brought a signal of its own", async () => {
    const run = new AbortController();
    const { server, client } = await setup(() => ({ delayMs: 60_000, content: "too late" }), { signal: run.signal });
    const answer = client.complete(ask, new AbortController().signal).then(
      () => "answered",
      (e: unknown) => e,
    );
    // Aborted once the request has reached the server.
    while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    run.abort(new Error("run interrupted"));
    const error = await answer;
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(ModelCallError);
    expect(server.requests).toHaveLength(1);
  });
});

describe("the API key", () => {
  it("never appears in an error message, even when the server echoes it (whole or masked)", async () => {
    for (const message of [`key ${SECRET} rejected`, "Incorrect API key provided: sk-test-***********************CRET."]) {
      const { client } = await setup([{ status: 401, message }]);
      const error = await failure(client.complete(ask));
      expect(error.message).not.toContain(SECRET);
      expect(error.message).not.toContain("sk-test");
      expect(String(error.stack)).not.toContain(SECRET);
    }
    const { client } = await setup([{ status: 500, message: `upstream exploded near ${SECRET}` }], { maxRetries: 1 });
    expect((await failure(client.complete(ask))).message).not.toContain(SECRET);
  });

  it("comes from OPENAI_API_KEY when not passed; a remote endpoint without one is a config error, loopback needs none", async () => {
    const saved = process.env.OPENAI_API_KEY;
    try {
      delete process.env.OPENAI_API_KEY;
      const error = (() => {
        try {
          createModelClient({ model: "gpt-test", baseUrl: "https://api.example.com/v1" });
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(VoicesimError);
      expect((error as VoicesimError).code).toBe("model_config");
      expect((error as VoicesimError).hint).toMatch(/OPENAI_API_KEY/);
      expect(() => createModelClient({ model: "gpt-test" })).toThrow(VoicesimError);
      process.env.OPENAI_API_KEY = "";
      expect(() => createModelClient({ model: "gpt-test" })).toThrow(VoicesimError);
      expect(() => createModelClient({ model: "llama3", baseUrl: "http://localhost:11434/v1" })).not.toThrow();

      process.env.OPENAI_API_KEY = "sk-from-environment-123456";
      const server = await startFakeOpenAIServer([{ content: "ok" }]);
      servers.push(server);
      await createModelClient({ model: "gpt-test", baseUrl: server.baseUrl }).complete(ask);
      expect(server.requests[0]?.headers.authorization).toBe("Bearer sk-from-environment-123456");
    } finally {
      if (saved === undefined) delete process.env.OPENAI_API_KEY;
      else process.env.OPENAI_API_KEY = saved;
    }
  });
});

describe("the response cache", () => {
  it("answers a repeated request from disk with no request to the server; another sample key asks again", async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), "voicesim-cache-"));
    const { server, client } = await setup([{ content: "first", usage: { prompt: 40, completion: 3 } }, { content: "second", usage: { prompt: 30, completion: 10 } }], { cacheDir });
    expect((await client.complete(ask)).cached).toBe(false);
    expect(await client.complete(ask)).toEqual({ content: "first", toolCalls: [], usage: { promptTokens: 40, completionTokens: 3 }, cached: true });
    expect(server.requests).toHaveLength(1);
    expect((await client.complete({ ...ask, sampleKey: "fork-2" })).content).toBe("second");
    expect(server.requests).toHaveLength(2);
    expect(client.usage?.()).toEqual({ promptTokens: 70, completionTokens: 13, modelCalls: 2, cachedCalls: 1 });
    await ResponseCache.flushAll();
    const text = readFileSync(join(cacheDir, "answers.jsonl"), "utf8");
    expect(text.trim().split("\n")).toHaveLength(2);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain("127.0.0.1");
  });

  it("is shared by clients of other endpoints and keys (neither is part of the request's identity)", async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), "voicesim-cache-"));
    const first = await setup([{ content: "from the first server" }], { cacheDir });
    await first.client.complete(ask);
    const second = await setup([{ content: "from the second server" }], { cacheDir, apiKey: "sk-another-key-000000" });
    expect(await second.client.complete(ask)).toMatchObject({ content: "from the first server", cached: true });
    expect(second.server.requests).toHaveLength(0);
  });

  it("tells apart requests that differ in model, tools, temperature or schema", async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), "voicesim-cache-"));
    const { server, client } = await setup([{ content: "{}" }], { cacheDir });
    await client.complete(ask);
    await client.complete({ ...ask, tools: [findCustomer] });
    await client.complete({ ...ask, temperature: 0.9 });
    await client.complete({ ...ask, jsonSchema: { name: "x", schema: { type: "object" } } });
    const other = createModelClient({ model: "gpt-other", baseUrl: server.baseUrl, apiKey: SECRET, cacheDir });
    await other.complete(ask);
    expect(server.requests).toHaveLength(5);
  });

  it("does not keep failures, so a rerun asks again", async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), "voicesim-cache-"));
    const { server, client } = await setup([{ status: 400, message: "bad" }, { content: "fine" }], { cacheDir });
    await failure(client.complete(ask));
    expect((await client.complete(ask)).content).toBe("fine");
    expect(server.requests).toHaveLength(2);
  });

  it("makes identical requests in flight at once share one call", async () => {
    const { server, client } = await setup([{ content: "shared", delayMs: 100 }]);
    const answers = await Promise.all([client.complete(ask), client.complete(ask), client.complete(ask)]);
    expect(server.requests).toHaveLength(1);
    expect(answers.map((a) => a.content)).toEqual(["shared", "shared", "shared"]);
    expect(answers.map((a) => a.cached)).toEqual([false, true, true]);
    expect(client.usage?.()).toMatchObject({ modelCalls: 1, cachedCalls: 2 });
  });
});

describe("the response cache on disk", () => {
  it("keys a request by the hash of its whole canonical JSON, as earlier versions did (cache folders outlive versions)", async () => {
    const { createHash } = await import("node:crypto");
    const tools = [{ type: "function" as const, function: { name: "look_up", description: "Finds a record.", parameters: { type: "object", properties: { id: { type: "string" } }, required: ["id"] } } }];
    const longPrompt = `You are "the agent".\n${"Say numbers in words. \u2028 ".repeat(80)}`;
    const requests: ChatRequest[] = [
      ask,
      { messages: [{ role: "user", content: "hi \"there\" \u00e9" }], tools, temperature: 0.3, sampleKey: "agent:7" },
      { messages: [{ role: "assistant", content: "", toolCalls: [{ id: "a", name: "look_up", arguments: "{}" }] }], maxTokens: 5, jsonSchema: { name: "x", schema: { type: "object" }, strict: true } },
      // A long system prompt's hashed prefix is remembered: the same prompt with other turns after
      // it, alone, in another key order, and with an absent field must all still hash their JSON.
      { messages: [{ role: "system", content: longPrompt }, { role: "user", content: "one" }], tools },
      { messages: [{ role: "system", content: longPrompt }, { role: "user", content: "one" }, { role: "assistant", content: "", toolCalls: [{ id: "b", name: "look_up", arguments: "{\"id\":\"7\"}" }] }, { role: "tool", toolCallId: "b", content: "{}" }], tools },
      { messages: [{ role: "system", content: longPrompt }] },
      { messages: [{ content: longPrompt, role: "system" } as ChatRequest["messages"][number], { role: "user", content: "one" }] },
      { messages: [{ role: "system", content: longPrompt, toolCallId: undefined } as unknown as ChatRequest["messages"][number], { role: "user", content: "one" }] },
    ];
    for (const request of requests) {
      const canonical = JSON.stringify({ model: "m", messages: request.messages, tools: request.tools ?? null, temperature: request.temperature ?? null, maxTokens: request.maxTokens ?? null, jsonSchema: request.jsonSchema ?? null, sampleKey: request.sampleKey ?? null });
      // Twice: the second time the tool list's JSON is remembered.
      expect(ResponseCache.keyOf("m", request)).toBe(createHash("sha256").update(canonical).digest("hex"));
      expect(ResponseCache.keyOf("m", request)).toBe(createHash("sha256").update(canonical).digest("hex"));
    }
  });

  it("treats a torn or foreign line as a miss, appends the new answer on a line of its own, and a later line wins", async () => {
    const { writeFileSync } = await import("node:fs");
    const cacheDir = mkdtempSync(join(tmpdir(), "voicesim-cache-"));
    const key = ResponseCache.keyOf("gpt-test", ask);
    writeFileSync(join(cacheDir, "answers.jsonl"), `${JSON.stringify({ key, content: 42 })}\n{"key": "${key}", "content": "torn`);
    const { server, client } = await setup([{ content: "second" }, { content: "third" }], { cacheDir });
    expect(await client.complete(ask)).toMatchObject({ content: "second", cached: false });
    expect(await client.complete(ask)).toMatchObject({ content: "second", cached: true });
    await ResponseCache.flushAll();
    // A fresh reader (another process) finds the answer: the torn line did not swallow it.
    expect(await new ResponseCache(cacheDir).get(key)).toMatchObject({ content: "second", cached: true });
    writeFileSync(join(cacheDir, "answers.jsonl"), `${JSON.stringify({ key, content: "later", toolCalls: [], usage: { promptTokens: 1, completionTokens: 1 } })}\n`, { flag: "a" });
    expect(await new ResponseCache(cacheDir).get(key)).toMatchObject({ content: "later" });
    expect(server.requests).toHaveLength(1);
  });

  it("keeps every answer, one line each, whether the file stayed open between answers or was closed after a quiet second", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const cacheDir = mkdtempSync(join(tmpdir(), "voicesim-cache-"));
      const cache = new ResponseCache(join(cacheDir, "nested"));
      const answer = (content: string) => ({ content, toolCalls: [], usage: { promptTokens: 1, completionTokens: 1 }, cached: false });
      cache.set("a", answer("one"));
      await cache.flush();
      cache.set("b", answer("two"));
      await cache.flush();
      // A quiet second: the file is closed, and the next answer opens it again.
      await vi.advanceTimersByTimeAsync(1_000);
      cache.set("c", answer("three"));
      await cache.flush();
      const lines = readFileSync(join(cacheDir, "nested", "answers.jsonl"), "utf8").split("\n").filter(Boolean);
      expect(lines.map((line) => JSON.parse(line).content)).toEqual(["one", "two", "three"]);
      expect(await new ResponseCache(join(cacheDir, "nested")).get("c")).toMatchObject({ content: "three", cached: true });
    } finally {
      vi.useRealTimers();
    }
  });
});
