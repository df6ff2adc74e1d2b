import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeConversationsInOrder } from "../../sim/canonical-order.ts";

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
});
