import type { ConversationEvent } from "../scenarios/index.ts";
import type { Delivery } from "./client-sender.ts";
import type { ServerMessage } from "./protocol.ts";

/** The longest real gap played between two events at 1×: long dead air is shortened, not skipped. */
export const MAX_GAP_MS = 4000;

/** Real milliseconds to wait before event `next`, from the recorded timing and the speed. */
export function gapBefore(events: readonly ConversationEvent[], next: number, speed: number): number {
  const current = events[next - 1];
  const upcoming = events[next];
  if (!current || !upcoming) return 0;
  // Speech plays for its duration; a tool call waits for its latency; silence lasts as long as it was.
  return Math.min(MAX_GAP_MS, Math.max(0, upcoming.at - current.at)) / speed;
}

export interface PlaybackSink {
  send(message: ServerMessage, delivery: Delivery): boolean;
}

/**
 * One client's replay of one conversation: a position, play/pause, a speed, and a timer that
 * sends the next event when its recorded time comes. The sink may refuse (a slow client): then
 * the event is retried on the next tick instead of piling up in memory.
 */
export class Playback {
  readonly #events: () => readonly ConversationEvent[];
  readonly #sink: PlaybackSink;
  #position = 0;
  #playing = false;
  #speed = 1;
  #timer: NodeJS.Timeout | undefined;

  constructor(events: () => readonly ConversationEvent[], sink: PlaybackSink) {
    this.#events = events;
    this.#sink = sink;
  }

  get position(): number {
    return this.#position;
  }

  state(): Extract<ServerMessage, { type: "state" }> {
    return { type: "state", playing: this.#playing, speed: this.#speed, position: this.#position, total: this.#events().length };
  }

  play(): void {
    if (this.#playing) return;
    this.#playing = true;
    this.#schedule(0);
  }

  pause(): void {
    this.#playing = false;
    this.#clear();
  }

  setSpeed(factor: number): void {
    this.#speed = factor;
  }

  /** Shows everything up to `index` at once, then plays on from there if playing. */
  seek(index: number): void {
    const events = this.#events();
    const target = Math.max(0, Math.min(index, events.length));
    this.#clear();
    // A seek is one picture of the call so far: if the client cannot take all of it, it is told to resync.
    this.#sink.send({ type: "reset", position: target }, "must");
    for (let i = 0; i < target; i++) {
      const event = events[i];
      if (event) this.#sink.send({ type: "event", index: i, event }, "must");
    }
    this.#position = target;
    if (this.#playing) this.#schedule(0);
  }

  step(direction: "forward" | "back"): void {
    this.pause();
    if (direction === "back") this.seek(this.#position - 1);
    else this.#emitNext();
  }

  /** A live conversation grew: keep going if we were waiting at its end. */
  poke(): void {
    if (this.#playing && !this.#timer) this.#schedule(0);
  }

  dispose(): void {
    this.pause();
  }

  #emitNext(): boolean {
    const events = this.#events();
    const event = events[this.#position];
    if (!event) return false;
    if (!this.#sink.send({ type: "event", index: this.#position, event }, "event")) return false;
    this.#position++;
    return true;
  }

  #schedule(delay: number): void {
    this.#clear();
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (!this.#playing) return;
      const events = this.#events();
      if (this.#position >= events.length) return; // wait for poke (live) or stay at the end
      if (!this.#emitNext()) {
        this.#schedule(100); // the client is behind: try again shortly, keep nothing queued
        return;
      }
      this.#sink.send(this.state(), "latest");
      if (this.#position < events.length) this.#schedule(gapBefore(events, this.#position, this.#speed));
    }, delay);
  }

  #clear(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
