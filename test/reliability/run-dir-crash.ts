import { appendFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { vi } from "vitest";
import { RunStore } from "../../sim/index.ts";

/** Thrown where a kill -9 would have stopped the process. */
export class Killed extends Error {
  constructor() {
    super("killed (simulated)");
  }
}

/**
 * Simulates kill -9 in process: the Nth write to a run directory tears (half a JSONL line, or a
 * temporary file left beside an atomic rewrite, as a real kill leaves them) and that store never
 * writes again. Returns how many writes the runs made, to pick kill points from a reference run.
 */
export function installKillSwitch() {
  const doomed = new WeakSet<RunStore>();
  let countdown = Number.POSITIVE_INFINITY;
  let writes = 0;
  let onKill: (() => void) | undefined;
  const proto = RunStore.prototype;
  const original = { append: proto.append, rewrite: proto.rewrite, writeText: proto.writeText, writeManifest: proto.writeManifest };
  const guard = (store: RunStore, tear: () => void) => {
    if (doomed.has(store)) throw new Killed();
    writes++;
    if (--countdown > 0) return;
    doomed.add(store);
    countdown = Number.POSITIVE_INFINITY;
    tear();
    onKill?.();
    throw new Killed();
  };
  vi.spyOn(proto, "append").mockImplementation(function (this: RunStore, file: string, record: unknown) {
    guard(this, () => appendFileSync(this.path(file), JSON.stringify(record).slice(0, 40)));
    original.append.call(this, file, record);
  });
  vi.spyOn(proto, "rewrite").mockImplementation(function (this: RunStore, file: string, records: readonly unknown[]) {
    guard(this, () => leaveTemporary(this.path(file), "half a file"));
    original.rewrite.call(this, file, records);
  });
  vi.spyOn(proto, "writeText").mockImplementation(function (this: RunStore, file: string, text: string) {
    guard(this, () => leaveTemporary(this.path(file), text.slice(0, 10)));
    original.writeText.call(this, file, text);
  });
  vi.spyOn(proto, "writeManifest").mockImplementation(function (this: RunStore, manifest) {
    guard(this, () => leaveTemporary(this.path("manifest.json"), "{"));
    original.writeManifest.call(this, manifest);
  });
  return {
    /** Kill at the nth write from now; `then` runs at that moment (e.g. to abort calls in flight). */
    killAt(nth: number, then?: () => void) {
      countdown = nth;
      onKill = then;
    },
    resetCount() {
      writes = 0;
    },
    get writes() {
      return writes;
    },
  };
}

/** What a kill between writing and renaming leaves: a temporary file of a process that is gone. */
function leaveTemporary(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.tmp-999999`, text);
}

/** Every file under a run directory with its bytes, the manifest's and reports' clocks left out. */
export function runFiles(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (at: string) => {
    for (const name of readdirSync(at).sort()) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) walk(path);
      else out[relative(dir, path)] = withoutClocks(readFileSync(path, "utf8"));
    }
  };
  walk(dir);
  return out;
}

function withoutClocks(text: string): string {
  return text.replace(/"(createdAt|updatedAt)": "[^"]*"/g, '"$1": "…"').replace(/\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?Z?)?/g, "<time>");
}
