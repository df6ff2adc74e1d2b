import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { CALL_CONNECTED_NOTE } from "../../agents/index.ts";
import { OpenAIPreferenceRow, OpenAISftRow, TrlPreferenceRow, TrlSftRow } from "../../scenarios/index.ts";
import { TEMPLATE_RULES, type TemplateFamily, type TemplateRow, templateMessage } from "../helpers/chat-template-rules.ts";
import { makeSmallRun } from "../helpers/small-run.ts";

type ExportKind = "OpenAI SFT" | "OpenAI preference" | "TRL SFT" | "TRL preference";
const KINDS: ExportKind[] = ["OpenAI SFT", "OpenAI preference", "TRL SFT", "TRL preference"];

function lines(path: string): unknown[] {
  return readFileSync(path, "utf8").trim().split("\n").filter(Boolean).map((line) => JSON.parse(line) as unknown);
}

/** Every exported row of a run as template input; a preference row gives two (prompt + each side). */
function templateRows(runDir: string): Record<ExportKind, TemplateRow[]> {
  const dataset = join(runDir, "dataset");
  return {
    "OpenAI SFT": lines(join(dataset, "sft.jsonl")).map((v) => {
      const row = OpenAISftRow.parse(v);
      return { messages: row.messages.map(templateMessage), tools: row.tools };
    }),
    "OpenAI preference": lines(join(dataset, "dpo.jsonl")).flatMap((v) => {
      const row = OpenAIPreferenceRow.parse(v);
      return [row.preferred_output, row.non_preferred_output].map((output) => ({ messages: [...row.input.messages, ...output].map(templateMessage), tools: row.input.tools ?? [] }));
    }),
    "TRL SFT": lines(join(dataset, "trl/sft.jsonl")).map((v) => {
      const row = TrlSftRow.parse(v);
      return { messages: row.messages.map(templateMessage), tools: row.tools };
    }),
    "TRL preference": lines(join(dataset, "trl/preference.jsonl")).flatMap((v) => {
      const row = TrlPreferenceRow.parse(v);
      return [row.chosen, row.rejected].map((output) => ({ messages: [...row.prompt, ...output].map(templateMessage), tools: row.tools }));
    }),
  };
}

function problems(rows: readonly TemplateRow[], family: TemplateFamily): string[] {
  return rows.flatMap((row, i) => TEMPLATE_RULES[family](row).map((p) => `row ${i}: ${p}`));
}

const spoken = (row: TemplateRow) => row.messages.flatMap((m) => (m.role === "assistant" && m.content ? [m.content] : [])).join(" | ");

describe("exported rows against the structural rules of real chat templates", () => {
  let joined: Record<ExportKind, TemplateRow[]>;
  let split: Record<ExportKind, TemplateRow[]>;

  beforeAll(async () => {
    // The same seed twice: rows exported as they are, and with speech split from tool calls.
    const [joinedRun, splitRun] = await Promise.all([makeSmallRun(), makeSmallRun({ splitToolSpeech: true })]);
    joined = templateRows(joinedRun);
    split = templateRows(splitRun);
  }, 180_000);

  it("exports rows of every kind, with tool calls and a closing end_call among them", () => {
    for (const kind of KINDS) expect(joined[kind].length, kind).toBeGreaterThan(0);
    const calls = joined["OpenAI SFT"].flatMap((row) => row.messages.flatMap((m) => m.toolCalls.map((c) => c.name)));
    expect(calls.length).toBeGreaterThan(10);
    expect(calls).toContain("end_call");
    for (const row of joined["OpenAI SFT"]) expect(row.messages[1]).toMatchObject({ role: "user", content: CALL_CONNECTED_NOTE });
  });

  for (const kind of KINDS) {
    it(`${kind}: Mistral and Qwen templates accept every row as exported`, () => {
      expect(problems(joined[kind], "mistral")).toEqual([]);
      expect(problems(joined[kind], "qwen")).toEqual([]);
    });

    it(`${kind}: with splitToolSpeech, Hermes and Llama 3.1 templates render every row with nothing dropped`, () => {
      expect(problems(split[kind], "hermes")).toEqual([]);
      expect(problems(split[kind], "llama3.1")).toEqual([]);
      expect(problems(split[kind], "qwen")).toEqual([]);
      // Splitting moves speech, it never loses any: the same words in the same order.
      expect(split[kind].map(spoken)).toEqual(joined[kind].map(spoken));
    });
  }

  it("without splitToolSpeech, Hermes and Llama 3.1 would drop speech said beside a tool call (why the option exists)", () => {
    expect(problems(joined["OpenAI SFT"], "hermes").some((p) => /text beside tool calls/.test(p))).toBe(true);
    expect(problems(joined["OpenAI SFT"], "llama3.1").some((p) => /text beside tool calls/.test(p))).toBe(true);
  });

  it("tool-call ids are the same in the OpenAI and TRL exports", () => {
    const ids = (rows: TemplateRow[]) => rows.map((row) => row.messages.flatMap((m) => [...m.toolCalls.map((c) => c.id), ...(m.toolCallId ? [m.toolCallId] : [])]));
    expect(ids(joined["TRL SFT"])).toEqual(ids(joined["OpenAI SFT"]));
    expect(ids(joined["TRL preference"])).toEqual(ids(joined["OpenAI preference"]));
  });
});

describe("the template rules themselves", () => {
  const tools = [{ type: "function", function: { name: "find_customer" } }];
  const user = (content: string) => ({ role: "user", content, toolCalls: [] });
  const assistant = (content: string | null, ...ids: string[]) => ({ role: "assistant", content, toolCalls: ids.map((id) => ({ id, name: "find_customer" })) });
  const tool = (toolCallId: string) => ({ role: "tool", content: "{}", toolCalls: [], toolCallId });

  it("catch what the templates reject: no first user turn, broken alternation, short ids, two calls at once, orphan results, no tools", () => {
    expect(TEMPLATE_RULES["llama3.1"]({ messages: [{ role: "system", content: "s", toolCalls: [] }, assistant("Hi")], tools })).toContain("first message after the system one is assistant, not user");
    expect(TEMPLATE_RULES.mistral({ messages: [user("hi"), assistant("a"), assistant("b")], tools }).join()).toMatch(/alternate/);
    expect(TEMPLATE_RULES.mistral({ messages: [user("hi"), assistant(null, "call_2_0"), tool("call_2_0")], tools }).join()).toMatch(/nine alphanumerics/);
    expect(TEMPLATE_RULES["llama3.1"]({ messages: [user("hi"), assistant(null, "abcdefghi", "bcdefghij"), tool("abcdefghi"), tool("bcdefghij")], tools }).join()).toMatch(/one at a time/);
    expect(TEMPLATE_RULES.qwen({ messages: [user("hi"), tool("abcdefghi")], tools }).join()).toMatch(/does not follow an assistant tool call/);
    expect(TEMPLATE_RULES.hermes({ messages: [user("hi"), assistant("Let me look.", "abcdefghi"), tool("abcdefghi")], tools }).join()).toMatch(/dropped/);
    expect(TEMPLATE_RULES.qwen({ messages: [user("hi"), assistant("Let me look.", "abcdefghi"), tool("bcdefghij")], tools }).join()).toMatch(/not a call of message 1/);
    expect(TEMPLATE_RULES.qwen({ messages: [user("hi")], tools: [] })).toContain("no tools given");
    expect(TEMPLATE_RULES.qwen({ messages: [user("hi"), assistant("Let me look.", "abcdefghi"), tool("abcdefghi"), assistant("Found you.")], tools })).toEqual([]);
  });
});
