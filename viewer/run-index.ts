import { EventEmitter } from "node:events";
import { closeSync, existsSync, openSync, readSync, type Stats, statSync } from "node:fs";
import { join } from "node:path";
import { type z } from "zod";
import { Conversation, ForkedReplies, Reject, ScenarioRecord, Score } from "../scenarios/index.ts";
import type { LiveEventChunk } from "../sim/index.ts";
import { ForkPair, type ListFacets, type ListFilters, type ListItem } from "./protocol.ts";

const READ_CHUNK_BYTES = 1024 * 1024;
// Bytes before the read offset kept to recognise the file on the next look: a rewrite that shifts
// lines changes them, an append does not.
const TAIL_BYTES = 4096;

/** How far a JSONL file has been read, and what it looked like then. */
interface FileCursor {
  offset: number;
  /** Bytes after the last newline, waiting for the rest of their line. */
  pending: Buffer;
  ino: number;
  dev: number;
  mtimeMs: number;
  ctimeMs: number;
  /** The last bytes before `offset`, as read. */
  tail: Buffer;
}

/**
 * What the viewer knows of a run directory, kept current by polling the JSONL files (fs.watch
 * misses appends on some filesystems) and reading only the bytes added since the last look; a torn
 * last line waits for the next poll. A file rewritten since (a finished batch puts its lines in
 * order, by write-then-rename) is read again from the top, whatever its size. Live events from an
 * engine in the same process come in through `live()`.
 */
export class RunIndex extends EventEmitter {
  readonly dir: string;
  readonly conversations = new Map<string, Conversation>();
  readonly scenarios = new Map<string, ScenarioRecord>();
  readonly scores = new Map<string, Score>();
  readonly rejects = new Map<string, Reject[]>();
  readonly forks = new Map<string, ForkedReplies[]>();
  /** Which reply of a fork the export preferred, by fork id. */
  readonly pairs = new Map<string, ForkPair>();
  /** Conversations being simulated right now, with their events so far. */
  readonly inProgress = new Map<string, LiveEventChunk["event"][]>();
  readonly #cursors = new Map<string, FileCursor>();
  #timer: NodeJS.Timeout | undefined;

  constructor(dir: string) {
    super();
    this.dir = dir;
    this.refresh();
  }

  /** Reads whatever was appended since the last call. */
  refresh(): void {
    this.#readNew("scenarios.jsonl", ScenarioRecord, (r) => this.scenarios.set(r.scenario.id, r));
    this.#readNew("scores.jsonl", Score, (s) => {
      const previous = this.scores.get(s.conversationId);
      // A rewritten file is read again: only a score that changed is news.
      if (previous && JSON.stringify(previous) === JSON.stringify(s)) return;
      this.scores.set(s.conversationId, s);
      if (this.conversations.has(s.conversationId)) this.emit("updated", s.conversationId);
    });
    // Files whose lines add up (several per id) start again empty when rewritten, or they would count twice.
    this.#readNew("rejects.jsonl", Reject, (r) => this.rejects.set(r.id, [...(this.rejects.get(r.id) ?? []), r]), () => this.rejects.clear());
    this.#readNew("dataset/pairs.jsonl", ForkPair, (p) => this.pairs.set(p.forkId, p));
    this.#readNew("forks.jsonl", ForkedReplies, (f) => this.forks.set(f.conversationId, [...(this.forks.get(f.conversationId) ?? []), f]), () => this.forks.clear());
    this.#readNew("conversations.jsonl", Conversation, (c) => this.finished(c));
  }

  /** A complete conversation: a line of conversations.jsonl, or a live call that just ended. */
  finished(conversation: Conversation): void {
    const isKnown = this.conversations.has(conversation.id);
    const wasLive = this.inProgress.delete(conversation.id);
    this.conversations.set(conversation.id, conversation);
    if (wasLive) this.emit("updated", conversation.id);
    else if (!isKnown) this.emit("conversation", conversation.id);
  }

  follow(intervalMs = 500): void {
    this.#timer ??= setInterval(() => this.refresh(), intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** An event from an engine running in this process (`voicesim run --view`). */
  live(chunk: LiveEventChunk): void {
    // A late event of a call already written out changes nothing.
    if (this.conversations.has(chunk.conversationId)) return;
    const events = this.inProgress.get(chunk.conversationId) ?? [];
    const isNew = events.length === 0;
    events[chunk.index] = chunk.event;
    this.inProgress.set(chunk.conversationId, events);
    if (isNew) this.emit("conversation", chunk.conversationId);
    this.emit("live", chunk);
  }

  item(id: string): ListItem | undefined {
    const conversation = this.conversations.get(id);
    const scenarioId = conversation?.scenarioId ?? id.replace(/#\d+$/, "");
    const record = this.scenarios.get(scenarioId);
    const score = this.scores.get(id);
    const events = conversation?.events ?? this.inProgress.get(id);
    if (!events) return undefined;
    const rejects = this.rejects.get(id) ?? [];
    return {
      id,
      scenarioId,
      title: record?.scenario.title ?? scenarioId,
      persona: record?.scenario.persona ?? "",
      intent: record?.scenario.goal.intent ?? "",
      difficulty: record?.scenario.difficulty ?? "",
      verdict: score?.verdict ?? "unjudged",
      score: score?.weightedScore ?? null,
      rejectedAt: rejects[0]?.stage ?? null,
      faults: [...new Set(events.flatMap((e) => (e?.type === "tool_result" && e.fault ? [e.fault] : [])))],
      endReason: conversation?.endReason ?? "in progress",
      durationMs: conversation?.timing.durationMs ?? 0,
      live: !conversation,
    };
  }

  /** Value counts over every call of the run (not just the filtered ones), for the filter menus. */
  facets(items: readonly ListItem[] = this.list()): ListFacets {
    const count = (values: string[]) => {
      const counts: Record<string, number> = {};
      for (const value of values.filter(Boolean).sort()) counts[value] = (counts[value] ?? 0) + 1;
      return counts;
    };
    return {
      verdict: count(items.map((i) => i.verdict)),
      stage: count(items.flatMap((i) => (i.rejectedAt ? [i.rejectedAt] : []))),
      intent: count(items.map((i) => i.intent)),
      fault: count(items.flatMap((i) => i.faults)),
      persona: count(items.map((i) => i.persona)),
    };
  }

  list(filters: ListFilters = {}): ListItem[] {
    const ids = [...this.conversations.keys(), ...[...this.inProgress.keys()].filter((id) => !this.conversations.has(id))];
    const text = filters.text?.toLowerCase();
    return ids
      .map((id) => this.item(id))
      .filter((item): item is ListItem => item !== undefined)
      .filter((item) => {
        if (filters.verdict && item.verdict !== filters.verdict) return false;
        if (filters.stage && item.rejectedAt !== filters.stage) return false;
        if (filters.intent && item.intent !== filters.intent) return false;
        if (filters.persona && item.persona !== filters.persona) return false;
        if (filters.fault && !item.faults.includes(filters.fault)) return false;
        if (filters.minScore !== undefined && (item.score ?? 0) < filters.minScore) return false;
        if (filters.maxScore !== undefined && (item.score ?? 5) > filters.maxScore) return false;
        if (text) {
          const events = this.conversations.get(item.id)?.events ?? [];
          const haystack = `${item.id} ${item.title} ${events.map((e) => (e.type === "agent_speech" || e.type === "caller_speech" ? e.said : "")).join(" ")}`.toLowerCase();
          if (!haystack.includes(text)) return false;
        }
        return true;
      });
  }

  #readNew<S extends z.ZodType>(file: string, schema: S, add: (value: z.infer<S>) => void, restart?: () => void): void {
    const path = join(this.dir, file);
    if (!existsSync(path)) return;
    const stats = statSync(path);
    const size = stats.size;
    let cursor = this.#cursors.get(file);
    if (cursor && isRewritten(path, cursor, stats)) {
      cursor = undefined;
      restart?.();
    }
    let offset = cursor?.offset ?? 0;
    if (cursor && size === offset) return;
    const fd = openSync(path, "r");
    try {
      // Read in bounded chunks so a large run never needs one buffer the size of the file.
      const buffer = Buffer.alloc(Math.max(1, Math.min(READ_CHUNK_BYTES, size - offset)));
      // Bytes after the last newline wait for the next read; split there, a multi-byte character never breaks.
      let pending = cursor?.pending ?? Buffer.alloc(0);
      let tail = cursor?.tail ?? Buffer.alloc(0);
      while (offset < size) {
        const read = readSync(fd, buffer, 0, Math.min(buffer.length, size - offset), offset);
        if (read === 0) break;
        offset += read;
        const fresh = buffer.subarray(0, read);
        tail = Buffer.from(Buffer.concat([tail, fresh]).subarray(-TAIL_BYTES));
        const data = Buffer.concat([pending, fresh]);
        const lastNewline = data.lastIndexOf(0x0a);
        pending = Buffer.from(data.subarray(lastNewline + 1));
        if (lastNewline < 0) continue;
        for (const line of data.subarray(0, lastNewline).toString("utf8").split("\n")) {
          if (!line.trim()) continue;
          try {
            const parsed = schema.safeParse(JSON.parse(line));
            if (parsed.success) add(parsed.data);
          } catch {
            // a line that is not JSON (garbage in the file): skip it, the rest still counts
          }
        }
      }
      this.#cursors.set(file, { offset, pending, tail, ino: stats.ino, dev: stats.dev, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs });
    } finally {
      closeSync(fd);
    }
  }
}

/**
 * Whether a file is no longer the one the cursor read. JSONL files here only grow by appends, so
 * another inode (rewritten by rename), fewer bytes, the same size but modified since (rewritten in
 * place), or more bytes but not the same ones before the offset (a longer rewrite) all mean "read
 * it again from the top". Comparing sizes alone missed a rewrite of equal or greater size
 * and read on from a stale offset, mid-line, losing calls.
 */
function isRewritten(path: string, cursor: FileCursor, stats: Stats): boolean {
  if (stats.ino !== cursor.ino || stats.dev !== cursor.dev) return true;
  if (stats.size < cursor.offset) return true;
  if (stats.size === cursor.offset) return stats.mtimeMs !== cursor.mtimeMs || stats.ctimeMs !== cursor.ctimeMs;
  // It grew: an append keeps the bytes already read; checked whatever the clock says, as
  // coarse file times (one second on some filesystems) can hide a rewrite.
  const fd = openSync(path, "r");
  try {
    const now = Buffer.alloc(cursor.tail.length);
    const read = readSync(fd, now, 0, now.length, cursor.offset - cursor.tail.length);
    return read !== now.length || !now.equals(cursor.tail);
  } finally {
    closeSync(fd);
  }
}
