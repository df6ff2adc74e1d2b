import type { Redis, RedisOptions } from "ioredis";
import { VoicesimError } from "../../../scenarios/index.ts";

/** A Redis URL with any password or user name masked, fit for messages and logs. */
export function scrubRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username || parsed.password) {
      parsed.username = parsed.username ? "***" : "";
      parsed.password = parsed.password ? "***" : "";
    }
    return parsed.toString().replace(/\/$/, "");
  } catch {
    return url.replace(/\/\/[^@/]*@/, "//***@");
  }
}

/** redis://server:port[/db] or rediss://…; anything else is a user mistake. */
export function parseRedisUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new VoicesimError("bad_option", `--queue ${scrubRedisUrl(url)} is not a URL`, { hint: "give redis://server:port[/db], e.g. redis://127.0.0.1:6379" });
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
    throw new VoicesimError("bad_option", `--queue ${scrubRedisUrl(url)} is not a redis:// URL`, { hint: "give redis://server:port[/db], e.g. redis://127.0.0.1:6379" });
  }
  return parsed;
}

/**
 * Connects and pings once, failing within `timeoutMs` with the (scrubbed) URL in the message,
 * instead of retrying forever as ioredis does by default. BullMQ needs `maxRetriesPerRequest:
 * null` on the connections it blocks on; once connected, reconnects are fine.
 */
export async function connectRedis(url: string, { timeoutMs = 3000 }: { timeoutMs?: number } = {}): Promise<Redis> {
  parseRedisUrl(url);
  const { Redis } = await import("ioredis");
  let connected = false;
  const options: RedisOptions = {
    lazyConnect: true,
    maxRetriesPerRequest: null,
    connectTimeout: timeoutMs,
    // Before the first connection a failure is final; afterwards, back off and try again.
    retryStrategy: (times) => (connected ? Math.min(times * 200, 2000) : null),
  };
  const client = new Redis(url, options);
  let lastError: Error | undefined;
  client.on("error", (error: Error) => {
    // Reported by connect() below or retried by the strategy; an unhandled 'error' event would crash.
    lastError = error;
  });
  try {
    await client.connect();
    await client.ping();
    connected = true;
    return client;
  } catch (error) {
    client.disconnect();
    // ioredis rejects with "Connection is closed"; the socket's own error says why (ECONNREFUSED, ENOTFOUND).
    const cause = lastError ?? error;
    throw new VoicesimError("queue_unavailable", `cannot reach Redis at ${scrubRedisUrl(url)}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      hint: "start Redis (e.g. `redis-server` or `docker compose -f docs/compose.yaml up redis`) or fix --queue",
    });
  }
}
