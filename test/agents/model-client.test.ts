import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createModelClient, ModelCallError } from "../../agents/index.ts";
import { VoicesimError } from "../../scenarios/index.ts";
import { type FakeOpenAIServer, type FakeReply, startFakeOpenAIServer } from "../helpers/fake-openai-server.ts";

const SECRET = "sk-test-abcdef0123456789SECRET";
let server: FakeOpenAIServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function client(replies: FakeReply[] | ((i: number) => FakeReply), extra: { cacheDir?: string; timeoutMs?: number; maxRetries?: number } = {}) {
  server = await startFakeOpenAIServer(Array.isArray(replies) ? replies : (_r, i) => replies(i));
  return createModelClient({ model: "gpt-test", baseUrl: server.baseUrl, apiKey: SECRET, retryBaseMs: 5, ...extra });
}

const ask = { messages: [{ role: "user" as const, content: "hello" }] };

describe("the OpenAI-compatible model client", () => {
  it("sends chat completions through the real client and reads tool calls and usage", async () => {
    const c = await client([{ content: "", toolCalls: [{ name: "find_customer", arguments: { phone: "3125550147" } }], usage: { prompt: 120, completion: 9 } }]);
    const tools = [{ type: "function" as const, function: { name: "find_customer", description: "find", parameters: { type: "object", properties: { phone: { type: "string" } } } } }];
    const response = await c.complete({ ...ask, tools });
    expect(response.toolCalls).toEqual([{ id: expect.any(String), name: "find_customer", arguments: '{"phone":"3125550147"}' }]);
    expect(response.usage).toEqual({ promptTokens: 120, completionTokens: 9 });
    expect(server?.requests[0]?.path).toBe("/v1/chat/completions");
    expect(server?.requests[0]?.body.tools?.[0]?.function.name).toBe("find_customer");
    expect(server?.requests[0]?.headers.authorization).toBe(`Bearer ${SECRET}`);
  });

  it("asks for structured output with a JSON schema", async () => {
    const c = await client([{ content: '{"utterance":"hi","hang_up":false}' }]);
    await c.complete({ ...ask, jsonSchema: { name: "turn", schema: { type: "object" } } });
    expect(server?.requests[0]?.body.response_format).toMatchObject({ type: "json_schema", json_schema: { name: "turn" } });
  });

  it("retries a 429, honouring retry-after, then succeeds", async () => {
    const c = await client([{ status: 429, retryAfterSeconds: 0.2 }, { content: "ok" }]);
    const started = performance.now();
    expect((await c.complete(ask)).content).toBe("ok");
    expect(server?.requests).toHaveLength(2);
    expect(performance.now() - started).toBeGreaterThanOrEqual(150);
  });

  it("gives up on repeated 500s with a typed error that never shows the key", async () => {
    const c = await client(() => ({ status: 500, message: `upstream exploded near ${SECRET}` }), { maxRetries: 2 });
    const error = await c.complete(ask).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelCallError);
    expect((error as ModelCallError).kind).toBe("server_error");
    expect((error as Error).message).toMatch(/gave up after 3 attempts/);
    expect((error as Error).message).not.toContain(SECRET);
    expect(server?.requests).toHaveLength(3);
  });

  it("treats a slow answer past the timeout as a timeout", async () => {
    const c = await client(() => ({ content: "late", delayMs: 800 }), { timeoutMs: 150, maxRetries: 1 });
    const error = await c.complete(ask).catch((e: unknown) => e);
    expect((error as ModelCallError).kind).toBe("timeout");
  });

  it("answers a repeated request from the cache with no request to the server, and keeps no key on disk", async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), "voicesim-cache-"));
    const c = await client([{ content: "first" }, { content: "second" }], { cacheDir });
    expect((await c.complete(ask)).cached).toBe(false);
    const again = await c.complete(ask);
    expect(again).toMatchObject({ content: "first", cached: true });
    expect(server?.requests).toHaveLength(1);
    expect((await c.complete({ ...ask, sampleKey: "fork-2" })).content).toBe("second");
    // What the client spent: two calls to the server, one answer from the cache.
    expect(c.usage?.()).toMatchObject({ modelCalls: 2, cachedCalls: 1 });
    expect(c.usage?.().promptTokens).toBeGreaterThan(0);
    const files = readdirSync(cacheDir, { recursive: true }).map(String).filter((f) => f.endsWith(".json"));
    expect(files).toHaveLength(2);
    for (const file of files) expect(readFileSync(join(cacheDir, file), "utf8")).not.toContain(SECRET);
  });

  it("refuses to start without a key for a remote endpoint, and needs none on loopback", () => {
    const saved = process.env.OPENAI_API_KEY;
    delete process.env.OPENAI_API_KEY;
    try {
      expect(() => createModelClient({ model: "gpt-test", baseUrl: "https://api.example.com/v1" })).toThrow(VoicesimError);
      expect(() => createModelClient({ model: "llama3", baseUrl: "http://127.0.0.1:11434/v1" })).not.toThrow();
    } finally {
      if (saved !== undefined) process.env.OPENAI_API_KEY = saved;
    }
  });
});
