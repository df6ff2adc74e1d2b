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

/**
 * Rewrites a conversations file in the given id order, first line per id, dropping lines the
 * schema rejects, as the batch's end needs. Streamed: one pass reads each line once to index it
 * (id, byte offset, length) and a second copies the lines in order from their offsets, so memory
 * holds the index, not the run (holding every parsed call was the peak of a 10k-call batch).
 */
export async function writeConversationsInOrder(path: string, order: ReadonlyMap<string, number>, tmpPath: string): Promise<void> {
  const index = await indexLines(path);
  const rank = (id: string) => order.get(id) ?? Number.MAX_SAFE_INTEGER;
  // A stable sort keeps file order among ids outside `order`, as before.
  index.sort((a, b) => rank(a.id) - rank(b.id));
  const input = existsSync(path) ? openSync(path, "r") : undefined;
  const output = openSync(tmpPath, "w");
  try {
    let buffer = Buffer.alloc(64 * 1024);
    for (const line of index) {
      if (!input) break;
      if (buffer.length < line.length + 1) buffer = Buffer.alloc(line.length + 1);
      readSync(input, buffer, 0, line.length, line.offset);
      if (line.verbatim) {
        buffer[line.length] = 0x0a;
        writeSync(output, buffer, 0, line.length + 1);
      } else {
        const parsed = Conversation.parse(JSON.parse(buffer.toString("utf8", 0, line.length)));
        writeSync(output, `${JSON.stringify(parsed)}\n`);
      }
    }
  } finally {
    if (input !== undefined) closeSync(input);
    closeSync(output);
  }
}

async function indexLines(path: string): Promise<LineAt[]> {
  const index: LineAt[] = [];
  if (!existsSync(path)) return index;
  const seen = new Set<string>();
  let pending: Buffer[] = [];
  let pendingLength = 0;
  let lineStart = 0;
  let position = 0;
  const finishLine = (line: Buffer, offset: number) => {
    if (line.length === 0) return;
    let value: unknown;
    try {
      value = JSON.parse(line.toString("utf8"));
    } catch {
      return; // a torn line from a killed writer
    }
    const parsed = Conversation.safeParse(value);
    if (!parsed.success || seen.has(parsed.data.id)) return;
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
  if (pendingLength > 0) finishLine(Buffer.concat(pending), lineStart);
  return index;
}
