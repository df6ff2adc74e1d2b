import { once } from "node:events";
import {
  closeSync,
  createReadStream,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
  writeSync,
  ftruncateSync,
  readSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import type { z } from "zod";
import { Manifest, VoicesimError } from "../scenarios/index.ts";

/** The files of a run directory (DESIGN.md). */
export const RUN_FILES = {
  manifest: "manifest.json",
  scenarios: "scenarios.jsonl",
  conversations: "conversations.jsonl",
  forks: "forks.jsonl",
  scores: "scores.jsonl",
  rejects: "rejects.jsonl",
  sft: "dataset/sft.jsonl",
  dpo: "dataset/dpo.jsonl",
  reportHtml: "report.html",
  reportMd: "report.md",
  cache: "cache",
} as const;

/**
 * The one writer of a run directory. JSONL files are append-only, one record per line, each line
 * written with a single write(2) so a kill leaves at most one torn last line; that line is
 * ignored on read and cut off before the next append, never fatal.
 */
export class RunStore {
  readonly dir: string;
  readonly #fds = new Map<string, number>();

  private constructor(dir: string) {
    this.dir = dir;
  }

  /** Opens (and creates) a run directory; refuses to mix a new run into an old one unless resuming. */
  static open(dir: string, { resume = false }: { resume?: boolean } = {}): RunStore {
    if (existsSync(dir)) {
      if (!statSync(dir).isDirectory()) throw new VoicesimError("run_dir_conflict", `${dir} exists and is not a directory`);
      const hasRun = existsSync(join(dir, RUN_FILES.manifest)) || readdirSync(dir).some((f) => f.endsWith(".jsonl"));
      if (hasRun && !resume) {
        throw new VoicesimError("run_dir_conflict", `${dir} already holds a run`, {
          hint: "add --resume to continue it, or choose another --out",
        });
      }
    }
    mkdirSync(dir, { recursive: true });
    return new RunStore(dir);
  }

  path(file: string): string {
    return join(this.dir, file);
  }

  /** Appends one record as a JSON line. */
  append(file: string, record: unknown): void {
    const fd = this.#fd(file);
    writeSync(fd, `${JSON.stringify(record)}\n`);
  }

  /** Forces appended lines to disk (at stage ends; not per line, which would be slow). */
  flush(): void {
    for (const fd of this.#fds.values()) fsyncSync(fd);
  }

  close(): void {
    for (const fd of this.#fds.values()) closeSync(fd);
    this.#fds.clear();
  }

  /** Streams the valid records of a JSONL file; a torn or invalid last line is skipped. */
  async *read<S extends z.ZodType>(file: string, schema: S): AsyncGenerator<z.infer<S>> {
    yield* readJsonl(this.path(file), schema);
  }

  async readAll<S extends z.ZodType>(file: string, schema: S): Promise<Array<z.infer<S>>> {
    const out: Array<z.infer<S>> = [];
    for await (const record of this.read(file, schema)) out.push(record);
    return out;
  }

  /** Replaces a whole file atomically (write then rename), e.g. to put lines in canonical order. */
  rewrite(file: string, records: readonly unknown[]): void {
    const fd = this.#fds.get(file);
    if (fd !== undefined) {
      closeSync(fd);
      this.#fds.delete(file);
    }
    writeAtomic(this.path(file), records.map((r) => `${JSON.stringify(r)}\n`).join(""));
  }

  /**
   * Replaces a whole file by one written by `write` to a temporary path (then renamed), for
   * rewrites streamed from the old file rather than built in memory.
   */
  async rewriteWith(file: string, write: (tmpPath: string) => Promise<void>): Promise<void> {
    const fd = this.#fds.get(file);
    if (fd !== undefined) {
      closeSync(fd);
      this.#fds.delete(file);
    }
    const path = this.path(file);
    const tmp = `${path}.tmp-${process.pid}`;
    await write(tmp);
    renameSync(tmp, path);
  }

  writeText(file: string, text: string): void {
    writeAtomic(this.path(file), text);
  }

  writeManifest(manifest: Manifest): void {
    writeAtomic(this.path(RUN_FILES.manifest), `${JSON.stringify(Manifest.parse(manifest), null, 2)}\n`);
  }

  readManifest(): Manifest | undefined {
    const path = this.path(RUN_FILES.manifest);
    if (!existsSync(path)) return undefined;
    return Manifest.parse(JSON.parse(readFileSync(path, "utf8")));
  }

  #fd(file: string): number {
    let fd = this.#fds.get(file);
    if (fd === undefined) {
      const path = this.path(file);
      mkdirSync(dirname(path), { recursive: true });
      cutTornTail(path);
      fd = openSync(path, "a");
      this.#fds.set(file, fd);
    }
    return fd;
  }
}

/** Streams valid records from a JSONL file (missing file = none). */
export async function* readJsonl<S extends z.ZodType>(path: string, schema: S): AsyncGenerator<z.infer<S>> {
  if (!existsSync(path)) return;
  const stream = createReadStream(path, { encoding: "utf8" });
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of lines) {
      if (!line.trim()) continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        continue; // a torn line from a killed writer
      }
      const parsed = schema.safeParse(value);
      if (parsed.success) yield parsed.data;
    }
  } finally {
    lines.close();
    stream.destroy();
    if (!stream.closed) await once(stream, "close").catch(() => undefined);
  }
}

/** A file that does not end in a newline lost its last line to a kill: drop that fragment. */
function cutTornTail(path: string): void {
  if (!existsSync(path)) return;
  const size = statSync(path).size;
  if (size === 0) return;
  const fd = openSync(path, "r+");
  try {
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, size - 1);
    if (last[0] === 0x0a) return;
    // Walk back to the previous newline in chunks.
    const chunk = Buffer.alloc(64 * 1024);
    let end = size;
    while (end > 0) {
      const start = Math.max(0, end - chunk.length);
      const length = end - start;
      readSync(fd, chunk, 0, length, start);
      const index = chunk.subarray(0, length).lastIndexOf(0x0a);
      if (index >= 0) {
        ftruncateSync(fd, start + index + 1);
        return;
      }
      end = start;
    }
    ftruncateSync(fd, 0);
  } finally {
    closeSync(fd);
  }
}

function writeAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}
