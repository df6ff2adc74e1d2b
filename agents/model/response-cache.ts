import { createHash, type Hash } from "node:crypto";
import { type FileHandle, mkdir, open, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { z } from "zod";
import type { ChatRequest, ChatResponse } from "./model-client.ts";

/** The one file of a cache folder: one answer per line, appended, never rewritten. */
export const CACHE_FILE = "answers.jsonl";

/** A stored answer, checked where it enters: a line from an older version or a torn write is a miss. */
const StoredAnswer = z.object({
  key: z.string(),
  content: z.string(),
  toolCalls: z.array(z.object({ id: z.string(), name: z.string(), arguments: z.string() })),
  usage: z.object({ promptTokens: z.number().int().nonnegative(), completionTokens: z.number().int().nonnegative() }),
});
type StoredAnswer = z.infer<typeof StoredAnswer>;

/**
 * Every model answer, keyed by a hash of the whole request (model, messages, tools, parameters,
 * sample key): a rerun with the same seed costs nothing, and a crashed run keeps every answer it
 * already paid for. One append-only JSONL file per folder with the index in memory, read once;
 * answers are appended in the background, batched, so a request never waits on the disk (a
 * synchronous mkdir/write/rename per answer was a sixth of a model call's CPU). The folder can be
 * shared by runs (`--cache-dir`). A later line for the same key wins; a torn last line is skipped.
 * Only the answer and the request's hash are stored: never the API key, the base URL or the
 * request (which may hold caller PII).
 */
export class ResponseCache {
  static readonly #open = new Map<string, ResponseCache>();
  readonly #path: string;
  #index: Promise<Map<string, StoredAnswer>> | undefined;
  /** The file ended without a newline when read (a killed writer): the next append starts a line. */
  #tornTail = false;
  #queue: string[] = [];
  #writing: Promise<void> | undefined;
  /** Open while answers keep coming: an mkdir, open and close per answer cost more than the write. */
  #file: FileHandle | undefined;
  #hasFolder = false;
  #idleClose: NodeJS.Timeout | undefined;

  /** A cache over `dir` with its own view of the file; `ResponseCache.open` shares one per folder. */
  constructor(dir: string) {
    this.#path = join(dir, CACHE_FILE);
  }

  /** The process's cache for a folder: clients of one folder share the index and the writer. */
  static open(dir: string): ResponseCache {
    const path = resolve(dir);
    let cache = ResponseCache.#open.get(path);
    if (!cache) {
      cache = new ResponseCache(path);
      ResponseCache.#open.set(path, cache);
    }
    return cache;
  }

  /** Waits until every answer handed to any open cache is on disk. */
  static async flushAll(): Promise<void> {
    await Promise.all([...ResponseCache.#open.values()].map((cache) => cache.flush()));
  }

  static keyOf(model: string, request: ChatRequest): string {
    // The hash of JSON.stringify({model, messages, tools, temperature, maxTokens, jsonSchema,
    // sampleKey}) with nulls for what is absent, fed piece by piece so what repeats request after
    // request is serialised and hashed once: the tool schemas (the same array for every request
    // of an agent) and a long first system prompt (the same for every turn of a call), whose
    // hashed prefix is copied. Keys must stay byte for byte what they were: `--cache-dir`
    // folders outlive versions.
    const hash = hashThroughMessages(model, request.messages);
    hash.update(`,"tools":`);
    hash.update(request.tools ? jsonOfTools(request.tools) : "null");
    hash.update(
      `,"temperature":${JSON.stringify(request.temperature ?? null)},"maxTokens":${JSON.stringify(request.maxTokens ?? null)},"jsonSchema":${JSON.stringify(request.jsonSchema ?? null)},"sampleKey":${JSON.stringify(request.sampleKey ?? null)}}`,
    );
    return hash.digest("hex");
  }

  async get(key: string): Promise<ChatResponse | undefined> {
    const stored = (await this.#load()).get(key);
    return stored ? { content: stored.content, toolCalls: stored.toolCalls, usage: stored.usage, cached: true } : undefined;
  }

  /** Remembers an answer now and appends it to the file in the background. */
  set(key: string, response: ChatResponse): void {
    const stored: StoredAnswer = { key, content: response.content, toolCalls: response.toolCalls, usage: response.usage };
    void this.#load().then((index) => index.set(key, stored));
    this.#queue.push(`${JSON.stringify(stored)}\n`);
    this.#drain();
  }

  /** Waits until the answers handed to this cache are on disk. */
  async flush(): Promise<void> {
    while (this.#writing) await this.#writing;
  }

  #load(): Promise<Map<string, StoredAnswer>> {
    this.#index ??= readFile(this.#path, "utf8").then(
      (text) => {
        this.#tornTail = text.length > 0 && !text.endsWith("\n");
        const index = new Map<string, StoredAnswer>();
        for (const line of text.split("\n")) {
          if (!line) continue;
          try {
            const parsed = StoredAnswer.safeParse(JSON.parse(line));
            if (parsed.success) index.set(parsed.data.key, parsed.data);
          } catch {
            // torn or foreign: ask the model again, and the new answer is appended
          }
        }
        return index;
      },
      (error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT") return new Map<string, StoredAnswer>();
        throw error;
      },
    );
    return this.#index;
  }

  #drain(): void {
    if (this.#writing) return;
    clearTimeout(this.#idleClose);
    this.#writing = this.#writeQueued().finally(() => {
      this.#writing = undefined;
      if (this.#queue.length > 0) this.#drain();
      else this.#closeWhenIdle();
    });
  }

  async #writeQueued(): Promise<void> {
    await this.#load().catch(() => undefined);
    if (!this.#hasFolder) {
      await mkdir(join(this.#path, ".."), { recursive: true });
      this.#hasFolder = true;
    }
    this.#file ??= await open(this.#path, "a");
    try {
      while (this.#queue.length > 0) {
        let chunk = this.#queue.splice(0).join("");
        if (this.#tornTail) {
          chunk = `\n${chunk}`;
          this.#tornTail = false;
        }
        // O_APPEND and whole lines: writers of one folder in other processes never split a line.
        await this.#file.appendFile(chunk);
      }
    } catch (error) {
      // A failed write (a full disk, a folder removed) starts over from the folder next time.
      this.#hasFolder = false;
      await this.#closeFile();
      throw error;
    }
  }

  /** A quiet second closes the file; the timer never keeps a finished process alive. */
  #closeWhenIdle(): void {
    this.#idleClose = setTimeout(() => void this.#closeFile(), IDLE_CLOSE_MS);
    this.#idleClose.unref();
  }

  async #closeFile(): Promise<void> {
    const file = this.#file;
    this.#file = undefined;
    await file?.close().catch(() => undefined);
  }
}

const IDLE_CLOSE_MS = 1_000;

const toolsJson = new WeakMap<object, string>();

/** A tool list's JSON, remembered per array: agents pass the same list with every request. */
function jsonOfTools(tools: NonNullable<ChatRequest["tools"]>): string {
  let json = toolsJson.get(tools);
  if (json === undefined) {
    json = JSON.stringify(tools);
    toolsJson.set(tools, json);
  }
  return json;
}

/** A system prompt this long is worth a remembered hash state; short ones are cheaper to hash again. */
const PREFIX_MIN_LENGTH = 1_000;
const PREFIXES_KEPT = 256;
/** Per model, per system prompt: the hash state after `{"model":…,"messages":[<that message>`. */
const prefixes = new Map<string, Map<string, Hash>>();

/** A hash fed `{"model":<model>,"messages":<messages as JSON>`, the prefix copied when known. */
function hashThroughMessages(model: string, messages: ChatRequest["messages"]): Hash {
  const first = messages[0];
  if (!first || !isPlainSystemMessage(first) || first.content.length < PREFIX_MIN_LENGTH) {
    return createHash("sha256").update(`{"model":${JSON.stringify(model)},"messages":${JSON.stringify(messages)}`);
  }
  let ofModel = prefixes.get(model);
  if (!ofModel) {
    ofModel = new Map();
    prefixes.set(model, ofModel);
  }
  let prefix = ofModel.get(first.content);
  if (!prefix) {
    prefix = createHash("sha256").update(`{"model":${JSON.stringify(model)},"messages":[${JSON.stringify(first)}`);
    // Prompts carry the call's date, so a long batch meets many; forget all when full.
    if (ofModel.size >= PREFIXES_KEPT) ofModel.clear();
    ofModel.set(first.content, prefix);
  }
  const hash = prefix.copy();
  // JSON.stringify of an array is its elements' JSON joined by commas in brackets.
  for (let i = 1; i < messages.length; i++) hash.update(`,${JSON.stringify(messages[i])}`);
  return hash.update("]");
}

/**
 * `{role: "system", content}` with exactly those keys in that order, so its JSON is determined
 * by its content and the remembered prefix is the same bytes JSON.stringify would give.
 */
function isPlainSystemMessage(message: ChatRequest["messages"][number]): boolean {
  if (message.role !== "system") return false;
  let index = 0;
  for (const key in message) {
    if (key !== (index === 0 ? "role" : index === 1 ? "content" : "")) return false;
    index++;
  }
  return index === 2;
}
