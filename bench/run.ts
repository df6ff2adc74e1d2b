// Benchmarks: conversations per second of the engine, scripted and against a slow model server.
// Run with `npm run bench`; results are printed and written to bench/results.json.
import { mkdtempSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { createModelClient, createOpenAIAgent, createOpenAICaller, createScriptedAgent, createScriptedCaller } from "../agents/index.ts";
import { loadPack } from "../scenarios/index.ts";
import { simulate } from "../sim/index.ts";
import { startFakeOpenAIServer } from "../test/helpers/fake-openai-server.ts";

interface Result {
  name: string;
  conversations: number;
  seconds: number;
  perSecond: number;
  notes: string;
}

const results: Result[] = [];

async function timed(name: string, notes: string, run: () => Promise<number>) {
  const started = performance.now();
  const conversations = await run();
  const seconds = (performance.now() - started) / 1000;
  const result = { name, conversations, seconds: Number(seconds.toFixed(2)), perSecond: Number((conversations / seconds).toFixed(1)), notes };
  results.push(result);
  console.log(`${name}: ${conversations} conversations in ${result.seconds}s = ${result.perSecond}/s (${notes})`);
}

const loaded = await loadPack("scenarios/packs/collections");
const scenarios = loaded.pack.scenarios.length;

await timed("scripted, 200 conversations", `collections pack, concurrency 4, ${cpus().length} cores`, async () => {
  const perScenario = Math.ceil(200 / scenarios);
  const out = mkdtempSync(join(tmpdir(), "voicesim-bench-"));
  const result = await simulate(loaded, {
    out,
    scenarioIds: loaded.pack.scenarios.map((s) => s.id),
    perScenario,
    concurrency: 4,
    seed: 1,
    backends: { caller: createScriptedCaller(), agent: createScriptedAgent() },
    flawRate: 0.2,
    resume: false,
  });
  return result.batch.total;
});

// A pretend model that answers after 200 ms: the agent greets, the caller ends after three turns.
const server = await startFakeOpenAIServer((request) => {
  const body = request.body;
  if (body.response_format) {
    const turn = body.messages.filter((m) => m.role === "assistant").length;
    return { delayMs: 200, content: JSON.stringify({ utterance: turn < 3 ? "I'd like to check my balance, please." : "Thanks, bye.", hang_up: turn >= 3 }) };
  }
  return { delayMs: 200, content: "Thanks for calling. Could I have the phone number on your account?" };
});
try {
  await timed("fake OpenAI server, 200 ms latency, concurrency 32", "collections pack, LLM agent and caller through @langchain/openai, no cache", async () => {
    const client = createModelClient({ model: "bench-model", baseUrl: server.baseUrl, timeoutMs: 10_000 });
    const out = mkdtempSync(join(tmpdir(), "voicesim-bench-"));
    const result = await simulate(loaded, {
      out,
      perScenario: Math.ceil(200 / scenarios),
      concurrency: 32,
      seed: 1,
      backends: { caller: createOpenAICaller({ client }), agent: createOpenAIAgent({ client, tools: loaded.tools.map((t) => t.openAISchema()) }) },
      flawRate: 0,
      resume: false,
    });
    return result.batch.total;
  });
} finally {
  await server.close();
}

writeFileSync("bench/results.json", `${JSON.stringify({ node: process.version, date: new Date().toISOString(), results }, null, 2)}\n`);
