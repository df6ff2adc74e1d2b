import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createScriptedAgent, createScriptedCaller } from "../../agents/index.ts";
import { Conversation, loadPack } from "../../scenarios/index.ts";
import { simulate } from "../../sim/index.ts";

const SCENARIOS = ["mailing-address-easy", "mailing-address-keypad-hard"];

/** The collections pack with its TypeScript tool replaced by one that misbehaves as `body` says. */
async function packWithTool(body: string) {
  const dir = join(mkdtempSync(join(tmpdir(), "voicesim-codes-")), "pack");
  cpSync("scenarios/packs/collections", dir, { recursive: true });
  writeFileSync(
    join(dir, "tools.mts"),
    `export function tools({ defineTool, toolOk, toolFail, z }) {
  return [
    defineTool({
      name: "get_mailing_address",
      description: "The address where checks are mailed.",
      args: z.object({ account_id: z.string().optional() }),
      run(args, ctx) { ${body} },
    }),
  ];
}
`,
  );
  return loadPack(dir);
}

async function simulateMailing(body: string) {
  const loaded = await packWithTool(body);
  const out = join(mkdtempSync(join(tmpdir(), "voicesim-codes-run-")), "run");
  const { batch } = await simulate(loaded, {
    out,
    scenarioIds: SCENARIOS,
    perScenario: 2,
    concurrency: 2,
    seed: 3,
    backends: { caller: createScriptedCaller(), agent: createScriptedAgent() },
    flawRate: 0,
    resume: false,
  });
  const lines = readFileSync(join(out, "conversations.jsonl"), "utf8").trim().split("\n");
  const conversations = lines.map((line) => Conversation.parse(JSON.parse(line)));
  return { batch, conversations };
}

describe("a pack tool that fails with a code outside the fixed list", () => {
  it.each([
    ["returns", `return toolFail("account_locked", "the account is locked");`],
    ["throws", `throw Object.assign(new Error("the account is locked"), { code: "account_locked" });`],
    ["returns a non-answer", `return { ok: false, error: { code: 42 } };`],
    ["returns a promise", `return Promise.resolve(toolOk({ address: "x" }));`],
  ])("%s: every call is still written, with the failure recorded as a tool failure", async (_how, body) => {
    const { batch, conversations } = await simulateMailing(body);
    expect(conversations.map((c) => c.id).sort()).toEqual(SCENARIOS.flatMap((s) => [`${s}#0`, `${s}#1`]).sort());
    expect(batch.simulated).toBe(4);
    expect(conversations.filter((c) => c.status === "completed").length + batch.failed).toBe(batch.simulated);
    const results = conversations.flatMap((c) => c.events.filter((e) => e.type === "tool_result" && e.tool === "get_mailing_address"));
    expect(results.length).toBeGreaterThan(0);
    // Every answer of the broken tool is a failure from the fixed list, and says what the tool did.
    for (const result of results) {
      if (result.type !== "tool_result" || result.fault) continue;
      expect(result.outcome.ok).toBe(false);
      if (!result.outcome.ok) expect(result.outcome.error.code).toBe("server_error");
    }
  });
});

describe("a retryable failure that lasts", () => {
  it("is retried once, then answered with the step's own onError line for that code", async () => {
    const loaded = await packWithTool(`return { ok: false, error: { code: "timeout", message: "the address service timed out", retryable: true } };`);
    // The same pack, with the mailing-address step saying what to do on a timeout.
    const intent = loaded.pack.agent.intents.find((i) => i.tools.includes("get_mailing_address"));
    const step = intent?.steps?.[0];
    if (!step) throw new Error("the collections pack lost its mailing-address step");
    step.onError = { ...step.onError, timeout: "Our address lookup is down right now; the address is also printed on your statement." };
    const out = join(mkdtempSync(join(tmpdir(), "voicesim-codes-run-")), "run");
    await simulate(loaded, {
      out,
      scenarioIds: ["mailing-address-easy"],
      perScenario: 1,
      concurrency: 1,
      seed: 3,
      backends: { caller: createScriptedCaller(), agent: createScriptedAgent() },
      flawRate: 0,
      resume: false,
    });
    const [call] = readFileSync(join(out, "conversations.jsonl"), "utf8").trim().split("\n").map((line) => Conversation.parse(JSON.parse(line)));
    const lookups = call?.events.filter((e) => e.type === "tool_call" && e.tool === "get_mailing_address") ?? [];
    expect(lookups).toHaveLength(2);
    const said = call?.events.flatMap((e) => (e.type === "agent_speech" ? [e.said] : [])).join(" ") ?? "";
    expect(said).toContain("Our address lookup is down right now");
    expect(said).not.toContain("our system isn't responding");
  });
});
