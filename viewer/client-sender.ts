import type { ServerMessage } from "./protocol.ts";

/** The part of a `ws` WebSocket the sender needs (so tests can play a slow client). */
export interface SocketLike {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string): void;
}

/**
 * How a message may be treated when its client is behind:
 * - `event`: refused; the playback keeps its position and offers it again later (nothing queues).
 * - `latest`: only the newest one matters (playback state); kept and sent once the client drains.
 * - `must`: dropped, and the client is told to `resync` once it has drained.
 */
export type Delivery = "event" | "latest" | "must";

export interface ClientSenderOptions {
  /** Above this many unsent bytes the client counts as slow. */
  highWaterBytes?: number;
  /** How often a slow client's buffer is looked at. */
  drainCheckMs?: number;
}

const OPEN = 1;

/**
 * One client's outgoing messages, bounded: we only hand `ws` a message while the socket's own
 * buffer is under the high-water mark, so a client that stops reading costs at most that much
 * memory and never delays anyone else (every client has its own sender and timers).
 */
export class ClientSender {
  readonly #socket: SocketLike;
  readonly #highWater: number;
  readonly #drainCheckMs: number;
  #pendingLatest: ServerMessage | undefined;
  #mustResync = false;
  #dropped = 0;
  #drainTimer: NodeJS.Timeout | undefined;

  constructor(socket: SocketLike, options: ClientSenderOptions = {}) {
    this.#socket = socket;
    this.#highWater = options.highWaterBytes ?? 1024 * 1024;
    this.#drainCheckMs = options.drainCheckMs ?? 100;
  }

  /** Messages thrown away because the client was behind (for tests and diagnostics). */
  get dropped(): number {
    return this.#dropped;
  }

  get isBehind(): boolean {
    return this.#socket.bufferedAmount > this.#highWater;
  }

  send(message: ServerMessage, delivery: Delivery = "must"): boolean {
    if (this.#socket.readyState !== OPEN) return false;
    if (!this.isBehind && !this.#mustResync) {
      this.#socket.send(JSON.stringify(message));
      return true;
    }
    if (delivery === "latest") this.#pendingLatest = message;
    else if (delivery === "must") {
      this.#mustResync = true;
      this.#dropped++;
    }
    this.#watchDrain();
    return false;
  }

  dispose(): void {
    if (this.#drainTimer) clearInterval(this.#drainTimer);
    this.#drainTimer = undefined;
  }

  #watchDrain(): void {
    this.#drainTimer ??= setInterval(() => {
      if (this.#socket.readyState !== OPEN) return this.dispose();
      // Wait until half the high-water mark is free, so we do not flap at the edge.
      if (this.#socket.bufferedAmount > this.#highWater / 2) return;
      this.dispose();
      if (this.#mustResync) {
        this.#mustResync = false;
        this.#socket.send(JSON.stringify({ type: "resync", reason: `you fell behind; ${this.#dropped} message(s) were dropped` } satisfies ServerMessage));
      }
      const latest = this.#pendingLatest;
      this.#pendingLatest = undefined;
      if (latest) this.#socket.send(JSON.stringify(latest));
    }, this.#drainCheckMs);
    this.#drainTimer.unref();
  }
}
