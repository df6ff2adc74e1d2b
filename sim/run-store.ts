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

/** See RunStore.replacement: append records, then commit (rename into place) or abort. */
export interface FileReplacement {
  append(record: unknown): void;
  commit(): void;
  abort(): void;
}

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

  /** Streams the valid records of a JSONL file; a torn or invalid last line is skipped. `wantsId`: see readJsonl. */
  async *read<S extends z.ZodType>(file: string, schema: S, wantsId?: (id: string) => boolean): AsyncGenerator<z.infer<S>> {
    yield* readJsonl(this.path(file), schema, wantsId);
  }

  async readAll<S extends z.ZodType>(file: string, schema: S): Promise<Array<z.infer<S>>> {
    const out: Array<z.infer<S>> = [];
    for await (const record of this.read(file, schema)) out.push(record);
    return out;
  }

  /** Replaces a whole file atomically (write then rename), e.g. to put lines in canonical order. */
  /**
   * Puts a JSONL file in `compare` order, keeping the first record of each `key` (when given), and
   * rewrites it only when it is not so already: out of order, a duplicate, or a torn or invalid
   * line, or one that is not what the schema reads back.
   */
  async putInOrder<S extends z.ZodType>(file: string, schema: S, compare: (a: z.infer<S>, b: z.infer<S>) => number, key?: (record: z.infer<S>) => string): Promise<void> {
    const counts = { skipped: 0 };
    const records: Array<z.infer<S>> = [];
    const seen = new Set<string>();
    let isInOrder = true;
    for await (const { record, isVerbatim } of this.readChecked(file, schema, counts)) {
      const id = key?.(record);
      if (id !== undefined && seen.has(id)) {
        isInOrder = false;
        continue;
      }
      if (id !== undefined) seen.add(id);
      const previous = records.at(-1);
      if (!isVerbatim || (previous !== undefined && compare(previous, record) > 0)) isInOrder = false;
      records.push(record);
    }
    if (isInOrder && counts.skipped === 0) return;
    records.sort(compare);
    this.rewrite(file, records);
  }

  rewrite(file: string, records: readonly unknown[]): void {
    this.#closeFd(file);
    writeAtomic(this.path(file), records.map((r) => `${JSON.stringify(r)}\n`).join(""));
  }

  /**
   * Replaces a whole file by one written by `write` to a temporary path (then renamed), for
   * rewrites streamed from the old file rather than built in memory. A failure removes the
   * temporary file.
   */
  async rewriteWith(file: string, write: (tmpPath: string) => Promise<void>): Promise<void> {
    this.#closeFd(file);
    await replaceFile(this.path(file), write);
  }

  /**
   * A whole-file replacement written record by record to a temporary file and renamed into place
   * by `commit`: an export streams its rows instead of holding them all to join into one string.
   */
  replacement(file: string): FileReplacement {
    this.#closeFd(file);
    const path = this.path(file);
    const tmp = temporaryPath(path);
    const fd = onDisk("write", tmp, () => openSync(tmp, "w"));
    let pending: string[] = [];
    let pendingLength = 0;
    let isOpen = true;
    const drain = () => {
      if (pending.length === 0) return;
      const text = pending.join("");
      pending = [];
      pendingLength = 0;
      onDisk("write", tmp, () => writeSync(fd, text));
    };
    const close = () => {
      if (!isOpen) return;
      isOpen = false;
      closeSync(fd);
    };
    return {
      append(record: unknown) {
        const line = `${JSON.stringify(record)}\n`;
        pending.push(line);
        pendingLength += line.length;
        if (pendingLength >= 256 * 1024) drain();
      },
      commit() {
        try {
          drain();
          close();
          renameSync(tmp, path);
        } catch (error) {
          throw failedReplace(error, tmp, path);
        }
      },
      abort() {
        close();
        failedReplace(undefined, tmp, path);
      },
    };
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
   * resume retries. Streamed, and the file is left alone when nothing goes. Returns how many went.
   */
  async drop<S extends z.ZodType>(file: string, schema: S, isDropped: (record: z.infer<S>) => boolean): Promise<number> {
    let dropped = 0;
    for await (const { record } of this.readChecked(file, schema)) if (isDropped(record)) dropped++;
    if (dropped === 0) return 0;
    await this.rewriteWith(file, async (tmp) => {
      const out = openSync(tmp, "w");
      try {
        for await (const { record } of this.readChecked(file, schema)) if (!isDropped(record)) writeSync(out, `${JSON.stringify(record)}\n`);
      } finally {
        closeSync(out);
      }
    });
    return dropped;
  }

  /**
   * The records at the given spans of a JSONL file, read by offset without scanning the rest; for
   * lines this process just checked against their schema (a batch's canonical rewrite), so they
   * are not parsed against it again.
   */
  readSpans<T>(file: string, spans: Iterable<{ offset: number; length: number }>): T[] {
    const path = this.path(file);
    const records: T[] = [];
    const fd = onDisk("read", path, () => openSync(path, "r"));
    try {
      let buffer = Buffer.alloc(64 * 1024);
      for (const span of spans) {
        if (buffer.length < span.length) buffer = Buffer.alloc(span.length);
        onDisk("read", path, () => readSync(fd, buffer, 0, span.length, span.offset));
        records.push(JSON.parse(buffer.toString("utf8", 0, span.length)) as T);
      }
    } finally {
      closeSync(fd);
    }
    return records;
  }

  /**
   * The valid records of a JSONL file in file order, each with where its line sits (byte offset and
   * length without the newline), so a reader can hold a small index and come back for a record,
   * and whether the line is exactly what the schema reads back (then JSON.parse alone reads it).
   */
  async *readIndexed<S extends z.ZodType>(file: string, schema: S): AsyncGenerator<{ record: z.infer<S>; offset: number; length: number; isVerbatim: boolean }> {
    const path = this.path(file);
    if (!existsSync(path)) return;
    for await (const { line, offset } of jsonlLinesAt(path)) {
      const text = line.toString("utf8");
      const parsed = parseLine(text, schema);
      if (parsed.success) yield { record: parsed.data, offset, length: line.length, isVerbatim: JSON.stringify(parsed.data) === text };
    }
  }

  /**
   * The valid records of a JSONL file, each with whether its line is exactly what the schema reads
   * back (a rewrite is needed otherwise), and `skipped` lines counted in `counts`.
   */
  async *readChecked<S extends z.ZodType>(file: string, schema: S, counts?: { skipped: number }): AsyncGenerator<{ record: z.infer<S>; isVerbatim: boolean }> {
    const path = this.path(file);
    if (!existsSync(path)) return;
    for await (const line of jsonlLines(path)) {
      const parsed = parseLine(line, schema);
      if (parsed.success) yield { record: parsed.data, isVerbatim: JSON.stringify(parsed.data) === line };
      else if (counts) counts.skipped++;
    }
  }

  #closeFd(file: string): void {
    const fd = this.#fds.get(file);
    if (fd !== undefined) {
      closeSync(fd);
      this.#fds.delete(file);
    }
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

/**
 * Streams valid records from a JSONL file (missing file = none). With `wantsId`, a line whose
 * record opens with `{"id":"…"` (as every line this store writes for an id-keyed record does)
 * and whose id is not wanted is passed over unparsed: a pipeline round reading its own calls
 * need not parse every earlier round's.
 */
export async function* readJsonl<S extends z.ZodType>(path: string, schema: S, wantsId?: (id: string) => boolean): AsyncGenerator<z.infer<S>> {
  if (!existsSync(path)) return;
  for await (const line of jsonlLines(path)) {
    if (wantsId) {
      const id = leadingId(line);
      if (id !== undefined && !wantsId(id)) continue;
    }
    const parsed = parseLine(line, schema);
    if (parsed.success) yield parsed.data;
  }
}

/** One JSONL line read by a schema; a torn line from a killed writer is a failure, not a throw. */
function parseLine<S extends z.ZodType>(line: string, schema: S): { success: true; data: z.infer<S> } | { success: false } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { success: false };
  }
  const parsed = schema.safeParse(value);
  return parsed.success ? { success: true, data: parsed.data } : { success: false };
}

const LEADING_ID = /^\{"id":("(?:[^"\\]|\\.)*")/;

/** The id of a line that starts `{"id":"…"`, else undefined (then the line is parsed whole). */
export function leadingId(line: string): string | undefined {
  const quoted = LEADING_ID.exec(line)?.[1];
  if (quoted === undefined) return undefined;
  try {
    return JSON.parse(quoted) as string;
  } catch {
    return undefined;
  }
}

/** The non-blank lines of a file, streamed. */
async function* jsonlLines(path: string): AsyncGenerator<string> {
  const stream = createReadStream(path, { encoding: "utf8" });
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of lines) if (line.trim()) yield line;
  } finally {
    lines.close();
    stream.destroy();
    if (!stream.closed) await once(stream, "close").catch(() => undefined);
  }
}

/** The non-blank lines of a file with their byte offsets, streamed in chunks (a line is a Buffer: offsets count bytes). */
export async function* jsonlLinesAt(path: string): AsyncGenerator<{ line: Buffer; offset: number }> {
  let pending: Buffer[] = [];
  let lineStart = 0;
  let position = 0;
  const isBlank = (line: Buffer) => line.every((byte) => byte === 0x20 || byte === 0x09 || byte === 0x0d);
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    let from = 0;
    for (let at = chunk.indexOf(0x0a); at !== -1; at = chunk.indexOf(0x0a, from)) {
      const piece = chunk.subarray(from, at);
      const line = pending.length > 0 ? Buffer.concat([...pending, piece]) : piece;
      if (!isBlank(line)) yield { line, offset: lineStart };
      pending = [];
      lineStart = position + at + 1;
      from = at + 1;
    }
    if (from < chunk.length) pending.push(chunk.subarray(from));
    position += chunk.length;
  }
  if (pending.length > 0) {
    const line = Buffer.concat(pending);
    if (!isBlank(line)) yield { line, offset: lineStart };
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
  const tmp = temporaryPath(path);
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (error) {
    throw failedReplace(error, tmp, path);
  }
}

/** writeAtomic for a file written by `write` at the temporary path (streamed, not held as text). */
async function replaceFile(path: string, write: (tmpPath: string) => Promise<void>): Promise<void> {
  const tmp = temporaryPath(path);
  try {
    await write(tmp);
    renameSync(tmp, path);
  } catch (error) {
    throw failedReplace(error, tmp, path);
  }
}

/** `<file>.tmp-<pid>` beside the file (its folder made): what RunStore.open sweeps after a kill. */
function temporaryPath(path: string): string {
  makeDirectory(dirname(path));
  return `${path}.tmp-${process.pid}`;
}

function failedReplace(error: unknown, tmp: string, path: string): unknown {
  try {
    unlinkSync(tmp);
  } catch {
    // never created, or already renamed
  }
  return fileSystemError(error, "write", path);
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
