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
