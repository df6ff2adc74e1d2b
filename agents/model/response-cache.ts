import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { ChatRequest, ChatResponse } from "./model-client.ts";

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
      const stored = JSON.parse(readFileSync(path, "utf8")) as ChatResponse;
      return { ...stored, cached: true };
    } catch {
      return undefined; // a half-written entry from a kill: ask the model again
    }
  }

  set(key: string, response: ChatResponse): void {
    const path = this.#path(key);
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ ...response, cached: false }));
    renameSync(tmp, path);
  }

  #path(key: string): string {
    return join(this.#dir, key.slice(0, 2), `${key}.json`);
  }
}
