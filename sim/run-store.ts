import { once } from "node:events";
import {
  closeSync,
  createReadStream,
  existsSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
  writeSync,
  ftruncateSync,
  readSync,
  unlinkSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import type { z } from "zod";
import { fileSystemError, Manifest, makeDirectory, onDisk, VoicesimError } from "../scenarios/index.ts";
import { acquireRunDirLock, type RunDirLock } from "./run-dir-lock.ts";

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
  readonly #lock: RunDirLock;

  private constructor(dir: string, lock: RunDirLock) {
    this.dir = dir;
    this.#lock = lock;
  }

  /**
   * Opens (and creates) a run directory and takes its lock; refuses to mix a new run into an old
   * one unless resuming. `onWarning` hears of a stale lock taken over from a dead process.
   */
  static open(dir: string, { resume = false, onWarning }: { resume?: boolean; onWarning?: (message: string) => void } = {}): RunStore {
    if (existsSync(dir) && !statSync(dir).isDirectory()) throw new VoicesimError("run_dir_conflict", `${dir} exists and is not a directory`, { hint: "choose another --out" });
    makeDirectory(dir);
    const lock = acquireRunDirLock(dir);
    try {
      const hasRun = existsSync(join(dir, RUN_FILES.manifest)) || onDisk("read", dir, () => readdirSync(dir)).some((f) => f.endsWith(".jsonl"));
      if (hasRun && !resume) {
        throw new VoicesimError("run_dir_conflict", `${dir} already holds a run`, {
          hint: "add --resume to continue it, or choose another --out",
        });
      }
    } catch (error) {
      lock.release();
      throw error;
    }
    // Holding the lock, any temporary file here is a dead writer's (a kill between write and rename).
    removeTemporaryFiles(dir);
    const owner = lock.tookOverFrom;
    if (owner) onWarning?.(`took over the lock of ${dir} from process ${owner.pid} (since ${owner.startedAt}), which is no longer running`);
    return new RunStore(dir, lock);
  }

  path(file: string): string {
    return join(this.dir, file);
  }

  /** Appends one record as a JSON line. */
  append(file: string, record: unknown): void {
    const fd = this.#fd(file);
    const line = `${JSON.stringify(record)}\n`;
    onDisk("write", this.path(file), () => writeSync(fd, line));
  }

  /** Forces appended lines to disk (at stage ends; not per line, which would be slow). */
  flush(): void {
    for (const [file, fd] of this.#fds) onDisk("write", this.path(file), () => fsyncSync(fd));
  }

  /** Closes the files and releases the lock; the last thing a writer does, also after a failure. */
  close(): void {
    for (const fd of this.#fds.values()) {
      try {
        closeSync(fd);
      } catch {
        // a descriptor that cannot close (its disk is gone) must not keep the lock held
      }
    }
    this.#fds.clear();
    this.#lock.release();
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

  /** The run's manifest; an empty or garbled one is a typed error that says what to do. */
  readManifest(): Manifest | undefined {
    const path = this.path(RUN_FILES.manifest);
    if (!existsSync(path)) return undefined;
    return parseManifest(path, onDisk("read", path, () => readFileSync(path, "utf8")));
  }

  /**
   * Drops the records of a JSONL file that `isDropped` picks (atomically); e.g. the failed calls a
   * resume retries. Returns how many went.
   */
  async drop<S extends z.ZodType>(file: string, schema: S, isDropped: (record: z.infer<S>) => boolean): Promise<number> {
    const all = await this.readAll(file, schema);
    const kept = all.filter((record) => !isDropped(record));
    if (kept.length < all.length) this.rewrite(file, kept);
    return all.length - kept.length;
  }

  #fd(file: string): number {
    let fd = this.#fds.get(file);
    if (fd === undefined) {
      const path = this.path(file);
      makeDirectory(dirname(path));
      onDisk("write", path, () => cutTornTail(path));
      fd = onDisk("write", path, () => openSync(path, "a"));
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

/**
 * Writes a whole file so that a reader sees the old or the new one, never a part: a temporary file
 * beside it, then renamed. A failure (a full disk) removes the temporary file. Not synced: a kill
 * keeps the page cache, and a sync per rewrite costs every run more than a power cut is worth.
 */
function writeAtomic(path: string, text: string): void {
  makeDirectory(dirname(path));
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (error) {
    try {
      unlinkSync(tmp);
    } catch {
      // never created, or already renamed
    }
    throw fileSystemError(error, "write", path);
  }
}

/** Removes `<file>.tmp-<pid>` leftovers of writeAtomic in the run directory and its dataset folders. */
function removeTemporaryFiles(dir: string): void {
  const walk = (at: string, depth: number) => {
    for (const entry of onDisk("read", at, () => readdirSync(at, { withFileTypes: true }))) {
      const path = join(at, entry.name);
      if (entry.isDirectory() && depth < 2 && entry.name !== RUN_FILES.cache) walk(path, depth + 1);
      else if (entry.isFile() && /\.tmp-\d+$/.test(entry.name)) onDisk("remove", path, () => unlinkSync(path));
    }
  };
  walk(dir, 0);
}

/** Reads manifest.json text: empty, not JSON or not a manifest each get their own message. */
export function parseManifest(path: string, text: string): Manifest {
  const hint = `restore ${path} from a backup, or move it away and start a new run with another --out`;
  if (!text.trim()) throw new VoicesimError("run_dir_corrupt", `${path} is empty`, { hint });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new VoicesimError("run_dir_corrupt", `${path} is not valid JSON (${error instanceof Error ? error.message : String(error)})`, { hint });
  }
  const parsed = Manifest.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new VoicesimError("run_dir_corrupt", `${path} is not a voicesim manifest: ${issue?.path.join(".") || "(top)"}: ${issue?.message ?? "invalid"}`, { hint });
  }
  return parsed.data;
}
