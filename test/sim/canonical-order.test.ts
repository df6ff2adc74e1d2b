import { mkdtempSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { putConversationsInOrder, writeConversationsInOrder } from "../../sim/canonical-order.ts";

const lines = readFileSync("test/fixtures/runs/small/conversations.jsonl", "utf8").split("\n").filter(Boolean);
const idOf = (line: string) => (JSON.parse(line) as { id: string }).id;

describe("the end-of-batch rewrite of conversations.jsonl", () => {
  it("writes the calls in item order, first line per id, skipping torn and invalid lines, byte for byte", async () => {
    expect(lines.length).toBeGreaterThan(2);
    const dir = mkdtempSync(join(tmpdir(), "voicesim-order-"));
    const path = join(dir, "conversations.jsonl");
    const reversed = [...lines].reverse();
    const [first] = reversed as [string];
    // A later duplicate of a call, a line the schema rejects, a line that is not JSON, a torn tail.
    const duplicate = JSON.stringify({ ...JSON.parse(first), endReason: "error" });
    const scrambled = [...reversed, duplicate, '{"id":"not-a-call"}', "{not json", ""].join("\n");
    writeFileSync(path, `${scrambled}${first.slice(0, 40)}`);
    const order = new Map(lines.map((line, index) => [idOf(line), index]));
    await writeConversationsInOrder(path, order, join(dir, "out.jsonl"));
    expect(readFileSync(join(dir, "out.jsonl"), "utf8")).toBe(lines.map((line) => `${line}\n`).join(""));
  });

  it("keeps lines whose id is not in the order after the ordered ones, in file order", async () => {
    const dir = mkdtempSync(join(tmpdir(), "voicesim-order-"));
    const path = join(dir, "conversations.jsonl");
    writeFileSync(path, `${lines.join("\n")}\n`);
    const last = lines.at(-1) as string;
    await writeConversationsInOrder(path, new Map([[idOf(last), 0]]), join(dir, "out.jsonl"));
    expect(readFileSync(join(dir, "out.jsonl"), "utf8")).toBe([last, ...lines.slice(0, -1)].map((line) => `${line}\n`).join(""));
  });

  it("leaves a file already in order alone, and says where each call's line is before and after a rewrite", async () => {
    const dir = mkdtempSync(join(tmpdir(), "voicesim-order-"));
    const path = join(dir, "conversations.jsonl");
    const canonical = lines.map((line) => `${line}\n`).join("");
    writeFileSync(path, canonical);
    const order = new Map(lines.map((line, index) => [idOf(line), index]));
    let rewrites = 0;
    const replace = async (write: (tmp: string) => Promise<void>) => {
      rewrites++;
      await write(join(dir, "out.jsonl"));
      renameSync(join(dir, "out.jsonl"), path);
    };
    const lineAt = (span: { offset: number; length: number } | undefined) => readFileSync(path).subarray(span?.offset, (span?.offset ?? 0) + (span?.length ?? 0)).toString("utf8");
    const spans = await putConversationsInOrder(path, order, replace);
    expect(rewrites).toBe(0);
    expect(lines.map((line) => lineAt(spans.get(idOf(line))))).toEqual(lines);
    writeFileSync(path, `${[...lines].reverse().join("\n")}\n`);
    const after = await putConversationsInOrder(path, order, replace);
    expect(rewrites).toBe(1);
    expect(readFileSync(path, "utf8")).toBe(canonical);
    expect(lines.map((line) => lineAt(after.get(idOf(line))))).toEqual(lines);
  });
});
