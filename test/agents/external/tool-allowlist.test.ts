import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScriptedAgent, createScriptedCaller, resolveBackends } from "../../../agents/index.ts";
import { DEFAULT_LIMITS, simulateConversation } from "../../../sim/index.ts";
import { builtinTools } from "../../../tools/index.ts";
import { linesCaller } from "../../helpers/backend-doubles.ts";
import { miniPack } from "../../fixtures/mini-pack.ts";

const tools = builtinTools.filter((t) => miniPack.agent.tools.includes(t.name)).map((t) => t.openAISchema());
const persona = miniPack.personas[0]!;
const quietPersona = { ...persona, asr: { wer: 0, bargeInRate: 0, silenceRate: 0 }, style: { ...persona.style, disfluencyRate: 0 } };
// book_appointment fails on its first call in this scenario: a withheld tool must not use up that fault.
const scenario = { ...miniPack.scenarios[0]!, faultPlan: [{ tool: "book_appointment", nth: 1, times: 1, kind: "server_error" as const }] };

/** An HTTP agent that reaches for a tool it was not given, then carries on with what it has. */
let server: Server;
let url = "";
beforeAll(async () => {
  server = createServer((req, res) => {
    let text = "";
    req.on("data", (chunk) => {
      text += chunk;
    });
    req.on("end", () => {
      const body = JSON.parse(text) as { messages: Array<{ role: string; content: string | null }> };
      const answer = (value: unknown) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(value));
      const last = body.messages.at(-1);
      if (body.messages.length === 1) return answer({ content: "Hello, how can I help?" });
      if (last?.role === "tool") return answer({ content: `That did not work: ${last.content}` });
      if (body.messages.filter((m) => m.role === "tool").length === 0) {
        return answer({ tool_calls: [{ function: { name: "book_appointment", arguments: { slot_id: "s1", customer_id: "c1" } } }] });
      }
      return answer({ content: "Goodbye.", end_call: true });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/agent`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("an agent file's tools: list", () => {
  it("is an allowlist: a tool the agent was not given does not run, the agent gets unknown_tool in the tool log, and the call goes on", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "voicesim-allowlist-")), "agents.yaml");
    writeFileSync(file, `agents:\n  narrow:\n    url: ${url}\n    tools: [search_slots]\n`);
    const { agent } = resolveBackends({ caller: "scripted", agent: `${file}#narrow`, tools, env: {} }, { createScriptedAgent, createScriptedCaller });
    expect(agent.allowedTools).toEqual(["search_slots"]);
    const { conversation } = await simulateConversation({
      conversationId: "book-easy#0",
      seed: 7,
      pack: miniPack,
      scenario,
      persona: quietPersona,
      tools: builtinTools,
      caller: linesCaller(["I'd like to book a cleaning.", "OK."]),
      agent,
      flaws: [],
      limits: DEFAULT_LIMITS,
      names: ["Maria Lopez"],
    });
    expect(conversation.status).not.toBe("failed");
    expect(conversation.toolLog).toHaveLength(1);
    const [record] = conversation.toolLog;
    expect(record).toMatchObject({ tool: "book_appointment", outcome: { ok: false, error: { code: "unknown_tool", message: "book_appointment is not one of the tools this agent was given" } } });
    expect(record?.fault).toBeUndefined();
    // Nothing was booked, and the agent heard the error and spoke on.
    expect(conversation.worldChanges).toEqual([]);
    const said = conversation.events.filter((e) => e.type === "agent_speech").map((e) => e.said);
    expect(said[1]).toMatch(/^That did not work: .*unknown_tool/);
    expect(said.at(-1)).toBe("Goodbye.");
  });
});
