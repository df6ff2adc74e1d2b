import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { VoicesimError } from "../../scenarios/index.ts";
import { RunStore } from "../../sim/run-store.ts";

const Row = z.object({ id: z.string(), n: z.number() });
const tempDir = () => mkdtempSync(join(tmpdir(), "voicesim-store-"));

describe("RunStore", () => {
  it("appends one JSON line per record and reads them back in order", async () => {
    const store = RunStore.open(join(tempDir(), "run"));
    store.append("rows.jsonl", { id: "a", n: 1 });
    store.append("rows.jsonl", { id: "b", n: 2 });
    expect(await store.readAll("rows.jsonl", Row)).toEqual([
      { id: "a", n: 1 },
      { id: "b", n: 2 },
    ]);
    store.close();
  });

  it("ignores a torn last line and cuts it off before the next append", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "rows.jsonl"), '{"id":"a","n":1}\n{"id":"b","n":');
    const store = RunStore.open(dir, { resume: true });
    expect(await store.readAll("rows.jsonl", Row)).toEqual([{ id: "a", n: 1 }]);
    store.append("rows.jsonl", { id: "c", n: 3 });
    store.close();
    expect(readFileSync(join(dir, "rows.jsonl"), "utf8")).toBe('{"id":"a","n":1}\n{"id":"c","n":3}\n');
  });

  it("skips lines that do not fit the schema instead of failing the read", async () => {
    const dir = tempDir();
    appendFileSync(join(dir, "rows.jsonl"), '{"id":"a","n":1}\n{"oops":true}\n{"id":"b","n":2}\n');
    const store = RunStore.open(dir, { resume: true });
    expect((await store.readAll("rows.jsonl", Row)).map((r) => r.id)).toEqual(["a", "b"]);
  });

  it("refuses to start a new run in a directory that holds one, unless resuming", () => {
    const dir = tempDir();
    const first = RunStore.open(dir);
    first.append("conversations.jsonl", { id: "x" });
    first.close();
    expect(() => RunStore.open(dir)).toThrow(VoicesimError);
    expect(() => RunStore.open(dir, { resume: true }).close()).not.toThrow();
  });

  it("reads records with the byte offsets of their lines, so one can be read back alone (multi-byte text, torn and invalid lines skipped)", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "rows.jsonl"), '{"id":"é€","n":1}\n{"oops":true}\n{"id":"b", "n":2}\n\n{"id":"c","n":3}\n{"id":"d","n":');
    const store = RunStore.open(dir, { resume: true });
    const indexed = [];
    for await (const entry of store.readIndexed("rows.jsonl", Row)) indexed.push(entry);
    expect(indexed.map((e) => [e.record.id, e.isVerbatim])).toEqual([
      ["é€", true],
      ["b", false],
      ["c", true],
    ]);
    expect(store.readSpans("rows.jsonl", indexed.slice().reverse())).toEqual([
      { id: "c", n: 3 },
      { id: "b", n: 2 },
      { id: "é€", n: 1 },
    ]);
    store.close();
  });

  it("replaces a file record by record only when committed, and leaves it as it was when aborted", async () => {
    const dir = tempDir();
    const store = RunStore.open(dir);
    store.append("rows.jsonl", { id: "old", n: 0 });
    const aborted = store.replacement("rows.jsonl");
    aborted.append({ id: "x", n: 9 });
    aborted.abort();
    expect(readFileSync(join(dir, "rows.jsonl"), "utf8")).toBe('{"id":"old","n":0}\n');
    const replacement = store.replacement("rows.jsonl");
    for (let n = 0; n < 5000; n++) replacement.append({ id: `r${n}`, n });
    expect(readFileSync(join(dir, "rows.jsonl"), "utf8")).toBe('{"id":"old","n":0}\n');
    replacement.commit();
    const rows = await store.readAll("rows.jsonl", Row);
    expect(rows).toHaveLength(5000);
    expect(rows.at(-1)).toEqual({ id: "r4999", n: 4999 });
    store.append("rows.jsonl", { id: "after", n: 1 });
    expect((await store.readAll("rows.jsonl", Row)).at(-1)?.id).toBe("after");
    store.close();
  });

  it("rewrites a file atomically with the given records", async () => {
    const store = RunStore.open(tempDir());
    store.append("rows.jsonl", { id: "b", n: 2 });
    store.append("rows.jsonl", { id: "a", n: 1 });
    store.rewrite("rows.jsonl", [
      { id: "a", n: 1 },
      { id: "b", n: 2 },
    ]);
    store.append("rows.jsonl", { id: "c", n: 3 });
    expect((await store.readAll("rows.jsonl", Row)).map((r) => r.id)).toEqual(["a", "b", "c"]);
  });
});
