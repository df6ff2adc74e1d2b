import WebSocket from "ws";
import type { ServerMessage } from "../../viewer/index.ts";

export type Received<T extends ServerMessage["type"]> = { at: number; message: Extract<ServerMessage, { type: T }> };

/** A real `ws` client that records what arrives (with arrival time) and can wait for a kind of message. */
export async function wsClient(viewerUrl: string) {
  const socket = new WebSocket(`${viewerUrl.replace(/^http/, "ws")}ws`);
  const inbox: Array<{ at: number; message: ServerMessage }> = [];
  const waiters: Array<() => void> = [];
  socket.on("message", (data) => {
    inbox.push({ at: performance.now(), message: JSON.parse(data.toString()) as ServerMessage });
    for (const wake of waiters.splice(0)) wake();
  });
  await new Promise((resolve, reject) => {
    socket.once("open", resolve);
    socket.once("error", reject);
  });

  /** The first message of `type` (matching `predicate`); it and everything before it leave the inbox. */
  async function next<T extends ServerMessage["type"]>(type: T, predicate: (m: Extract<ServerMessage, { type: T }>) => boolean = () => true, timeoutMs = 20_000): Promise<Received<T>> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const found = inbox.findIndex((entry) => entry.message.type === type && predicate(entry.message as Extract<ServerMessage, { type: T }>));
      if (found >= 0) {
        const [entry] = inbox.splice(0, found + 1).slice(-1);
        return entry as Received<T>;
      }
      if (performance.now() > deadline) throw new Error(`no ${type} message within ${timeoutMs} ms; got ${inbox.map((e) => e.message.type).join(", ")}`);
      await new Promise<void>((wake) => {
        waiters.push(wake);
        setTimeout(wake, 200);
      });
    }
  }

  return {
    socket,
    inbox,
    next,
    send: (message: unknown) => socket.send(typeof message === "string" ? message : JSON.stringify(message)),
    close: () => socket.close(),
  };
}
