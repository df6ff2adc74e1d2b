import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import type { ChatRequest, ChatResponse, ModelClient } from "../../../agents/index.ts";
import { KEY_PREFIX } from "./queue-job.ts";

const CACHE_TTL_SECONDS = 30 * 24 * 3600;

export interface SharedLimits {
  /** Requests per window across every worker on this Redis; 0 for none. */
  requestsPerWindow: number;
  /** Prompt plus completion tokens per window across every worker; 0 or absent for none. */
  tokensPerWindow?: number;
  /** Default one minute. */
  windowMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * A model client whose answers are cached in Redis (a rerun on any machine costs no model call)
 * and whose requests count against one window shared by every worker, so ten workers stay under
 * a provider's quota together. Cache hits do not count against the limit.
 */
export function sharedModelClient(inner: ModelClient, redis: Redis, endpoint: string, limits: SharedLimits): ModelClient {
  const windowMs = limits.windowMs ?? 60_000;
  const now = limits.now ?? Date.now;
  const sleep = limits.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const endpointKey = createHash("sha256").update(`${endpoint}\n${inner.id}`).digest("hex").slice(0, 16);
  const usage = { promptTokens: 0, completionTokens: 0, modelCalls: 0, cachedCalls: 0 };

  const tokensKey = (window: number) => `${KEY_PREFIX}:tokens:${endpointKey}:${window}`;
  const awaitTurn = async () => {
    const tokenLimit = limits.tokensPerWindow ?? 0;
    for (;;) {
      const window = Math.floor(now() / windowMs);
      const nextWindow = () => sleep((window + 1) * windowMs - now() + 5);
      // Tokens are known only after an answer, so the window closes once it is spent, not before.
      if (tokenLimit > 0 && Number((await redis.get(tokensKey(window))) ?? 0) >= tokenLimit) {
        await nextWindow();
        continue;
      }
      if (limits.requestsPerWindow <= 0) return;
      const key = `${KEY_PREFIX}:rate:${endpointKey}:${window}`;
      const count = await redis.incr(key);
      if (count === 1) await redis.pexpire(key, windowMs * 2);
      if (count <= limits.requestsPerWindow) return;
      await nextWindow();
    }
  };
  const spend = async (tokens: number) => {
    if (!limits.tokensPerWindow) return;
    const key = tokensKey(Math.floor(now() / windowMs));
    await redis.incrby(key, tokens);
    await redis.pexpire(key, windowMs * 2);
  };

  return {
    id: inner.id,
    async complete(request: ChatRequest, signal?: AbortSignal): Promise<ChatResponse> {
      const key = `${KEY_PREFIX}:cache:${createHash("sha256").update(JSON.stringify([endpoint, inner.id, request])).digest("hex")}`;
      const hit = await redis.get(key);
      if (hit !== null) {
        usage.cachedCalls++;
        return { ...(JSON.parse(hit) as Omit<ChatResponse, "cached">), cached: true };
      }
      await awaitTurn();
      const response = await inner.complete(request, signal);
      usage.modelCalls++;
      usage.promptTokens += response.usage.promptTokens;
      usage.completionTokens += response.usage.completionTokens;
      await spend(response.usage.promptTokens + response.usage.completionTokens);
      const { cached: _cached, ...stored } = response;
      await redis.set(key, JSON.stringify(stored), "EX", CACHE_TTL_SECONDS);
      return response;
    },
    usage: () => ({ ...usage }),
  };
}
