import WebSocket from "ws";
import { VoicesimError } from "../../scenarios/index.ts";
import { shownUrl } from "./shown-url.ts";

/**
 * Checks, before a batch starts, that something answers at an external agent's address, so a
 * dead endpoint fails once with its URL instead of failing every call. A WebSocket agent sees a
 * connection that closes before session.start; an HTTP agent sees a HEAD request (any status will do).
 */
export async function probeAgentEndpoint(url: string, timeoutMs = 3_000): Promise<void> {
  const hint = "start your agent first, or check the address and port";
  if (/^wss?:/i.test(url)) {
    await new Promise<void>((resolve, reject) => {
      const socket = new WebSocket(url, { handshakeTimeout: timeoutMs });
      socket.once("open", () => {
        socket.close(1000, "probe");
        resolve();
      });
      socket.once("error", (error) => reject(new VoicesimError("bad_option", `no agent answers at ${shownUrl(url)}: ${error.message}`, { hint })));
    });
    return;
  }
  try {
    await fetch(url, { method: "HEAD", signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const e = error as Error & { cause?: { code?: string } };
    throw new VoicesimError("bad_option", `no agent answers at ${shownUrl(url)}: ${e.cause?.code ?? e.message}`, { hint });
  }
}
