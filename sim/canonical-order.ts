import { closeSync, createReadStream, existsSync, openSync, readSync, writeSync } from "node:fs";
import { Conversation } from "../scenarios/index.ts";

/** Where one conversation's line sits in the file. */
interface LineAt {
  id: string;
  offset: number;
  length: number;
  /** The line is exactly what the schema reads back (else the parsed form is written). */
  verbatim: boolean;
}

/** Byte offset and length (without its newline) of a line in conversations.jsonl. */
export interface LineSpan {
  offset: number;
  length: number;
}

/**
 * Puts a conversations file in the given id order, first line per id, dropping lines the schema
 * rejects, as the batch's end needs; returns where each line of `order` sits afterwards, so the
 * round's readers go straight to their lines. Streamed: one pass reads each line once to index it
 * (id, byte offset, length) and, only when the file is not already canonical (order, no
 * duplicates, torn or invalid lines, every line as the schema writes it), a second copies the
 * lines in order through `replace`. Memory holds the index, not the run.
 */
export async function putConversationsInOrder(
  path: string,
  order: ReadonlyMap<string, number>,
  replace: (write: (tmpPath: string) => Promise<void>) => Promise<void>,
): Promise<Map<string, LineSpan>> {
  const { lines, isClean } = await indexLines(path);
  const sorted = inOrder(lines, order);
  const isCanonical = isClean && sorted.every((line, i) => line === lines[i] && line.verbatim);
  if (isCanonical) return new Map(sorted.filter((line) => order.has(line.id)).map((line) => [line.id, { offset: line.offset, length: line.length }]));
  await replace((tmpPath) => copyInOrder(path, sorted, tmpPath));
  return spansAfterCopy(sorted, order);
}

/**
 * Writes a conversations file to `tmpPath` in the given id order, first line per id, dropping
 * lines the schema rejects (see putConversationsInOrder, which also skips a rewrite not needed).
 */
export async function writeConversationsInOrder(path: string, order: ReadonlyMap<string, number>, tmpPath: string): Promise<void> {
  await copyInOrder(path, inOrder((await indexLines(path)).lines, order), tmpPath);
}

function inOrder(lines: readonly LineAt[], order: ReadonlyMap<string, number>): LineAt[] {
  const rank = (id: string) => order.get(id) ?? Number.MAX_SAFE_INTEGER;
  // A stable sort keeps file order among ids outside `order`, as before.
  return [...lines].sort((a, b) => rank(a.id) - rank(b.id));
}

/** Where the lines of `order` sit in the file copyInOrder wrote from `sorted` (one line each, in that order). */
function spansAfterCopy(sorted: readonly LineAt[], order: ReadonlyMap<string, number>): Map<string, LineSpan> {
  const spans = new Map<string, LineSpan>();
  let offset = 0;
  for (const line of sorted) {
    if (order.has(line.id)) spans.set(line.id, { offset, length: line.length });
    offset += line.length + 1;
  }
  return spans;
}

async function copyInOrder(path: string, sorted: LineAt[], tmpPath: string): Promise<void> {
  const input = existsSync(path) ? openSync(path, "r") : undefined;
  const output = openSync(tmpPath, "w");
  try {
    let buffer = Buffer.alloc(64 * 1024);
    for (const line of sorted) {
      if (!input) break;
      if (buffer.length < line.length + 1) buffer = Buffer.alloc(line.length + 1);
      readSync(input, buffer, 0, line.length, line.offset);
      if (line.verbatim) {
        buffer[line.length] = 0x0a;
        writeSync(output, buffer, 0, line.length + 1);
      } else {
        const text = JSON.stringify(Conversation.parse(JSON.parse(buffer.toString("utf8", 0, line.length))));
        writeSync(output, `${text}\n`);
        // What the line is now, for the spans handed back.
        line.length = Buffer.byteLength(text);
        line.verbatim = true;
      }
    }
  } finally {
    if (input !== undefined) closeSync(input);
    closeSync(output);
  }
}

/** Every valid first line per id; `isClean` when no line was dropped (torn, invalid, a repeat). */
async function indexLines(path: string): Promise<{ lines: LineAt[]; isClean: boolean }> {
  const index: LineAt[] = [];
  let isClean = true;
  if (!existsSync(path)) return { lines: index, isClean };
  const seen = new Set<string>();
  let pending: Buffer[] = [];
  let pendingLength = 0;
  let lineStart = 0;
  let position = 0;
  const finishLine = (line: Buffer, offset: number) => {
    if (line.length === 0) {
      isClean = false;
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(line.toString("utf8"));
    } catch {
      isClean = false;
      return; // a torn line from a killed writer
    }
    const parsed = Conversation.safeParse(value);
    if (!parsed.success || seen.has(parsed.data.id)) {
      isClean = false;
      return;
    }
    seen.add(parsed.data.id);
    index.push({ id: parsed.data.id, offset, length: line.length, verbatim: JSON.stringify(parsed.data) === line.toString("utf8") });
  };
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    let from = 0;
    for (let at = chunk.indexOf(0x0a); at !== -1; at = chunk.indexOf(0x0a, from)) {
      const piece = chunk.subarray(from, at);
      const line = pendingLength > 0 ? Buffer.concat([...pending, piece]) : piece;
      finishLine(line, lineStart);
      pending = [];
      pendingLength = 0;
      lineStart = position + at + 1;
      from = at + 1;
    }
    if (from < chunk.length) {
      pending.push(chunk.subarray(from));
      pendingLength += chunk.length - from;
    }
    position += chunk.length;
  }
  if (pendingLength > 0) {
    // A last line without its newline: a torn write, or a file someone edited; rewritten either way.
    isClean = false;
    finishLine(Buffer.concat(pending), lineStart);
  }
  return { lines: index, isClean };
}
