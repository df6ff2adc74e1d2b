import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { z } from "zod";
import type { ChatRequest, ChatResponse } from "./model-client.ts";

/** A stored answer, checked where it enters: a file from an older version or a torn write is a miss. */
const StoredResponse = z.object({
  content: z.string(),
  toolCalls: z.array(z.object({ id: z.string(), name: z.string(), arguments: z.string() })),
  usage: z.object({ promptTokens: z.number().int().nonnegative(), completionTokens: z.number().int().nonnegative() }),
});

/**
 * Every model answer, keyed by a hash of the whole request (model, messages, tools, parameters,
 * sample key), one small JSON file each under the run's cache folder: a rerun with the same seed
 * costs nothing, and a crashed run keeps every answer it already paid for. One file per entry
 * (rather than one JSONL) so concurrent writers never interleave and a lookup reads one file.
 * The key and base URL are not part of the request hashed, and nothing secret is stored.
 */
export class ResponseCache {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
  }

  static keyOf(model: string, request: ChatRequest): string {
    const canonical = JSON.stringify({
      model,
      messages: request.messages,
      tools: request.tools ?? null,
      temperature: request.temperature ?? null,
      maxTokens: request.maxTokens ?? null,
      jsonSchema: request.jsonSchema ?? null,
      sampleKey: request.sampleKey ?? null,
    });
    return createHash("sha256").update(canonical).digest("hex");
  }

  get(key: string): ChatResponse | undefined {
    const path = this.#path(key);
    if (!existsSync(path)) return undefined;
    try {
      const stored = StoredResponse.safeParse(JSON.parse(readFileSync(path, "utf8")));
      return stored.success ? { ...stored.data, cached: true } : undefined;
    } catch {
      return undefined; // unreadable: ask the model again, and the new answer replaces it
    }
  }

  set(key: string, response: ChatResponse): void {
    const path = this.#path(key);
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    // Only the answer: never the key, the base URL or the request (which may hold caller PII).
    writeFileSync(tmp, JSON.stringify({ content: response.content, toolCalls: response.toolCalls, usage: response.usage }));
    renameSync(tmp, path);
  }

  #path(key: string): string {
    return join(this.#dir, key.slice(0, 2), `${key}.json`);
  }
}
