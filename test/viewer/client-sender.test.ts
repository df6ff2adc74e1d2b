import { describe, expect, it } from "vitest";
import { ClientSender, type ServerMessage, type SocketLike } from "../../viewer/index.ts";

/** A socket whose unsent buffer we set by hand: a client that stopped reading. */
class FakeSocket implements SocketLike {
  readyState = 1;
  bufferedAmount = 0;
  readonly sent: ServerMessage[] = [];
  send(data: string): void {
    this.sent.push(JSON.parse(data) as ServerMessage);
  }
}

const state = (position: number): ServerMessage => ({ type: "state", playing: true, speed: 1, position, total: 10 });
const error = (message: string): ServerMessage => ({ type: "error", message });
const waitForDrainCheck = () => new Promise((resolve) => setTimeout(resolve, 60));

describe("a client's bounded sender", () => {
  it("sends at once while the client keeps up", () => {
    const socket = new FakeSocket();
    const sender = new ClientSender(socket, { highWaterBytes: 1000, drainCheckMs: 10 });
    expect(sender.send(error("a"))).toBe(true);
    expect(sender.send(state(1), "latest")).toBe(true);
    expect(socket.sent).toHaveLength(2);
  });

  it("hands nothing to a slow client: events are refused, state coalesced, the rest dropped and a resync promised", async () => {
    const socket = new FakeSocket();
    const sender = new ClientSender(socket, { highWaterBytes: 1000, drainCheckMs: 10 });
    socket.bufferedAmount = 5000;
    for (let i = 0; i < 1000; i++) {
      expect(sender.send({ type: "reset", position: i }, "event")).toBe(false);
      expect(sender.send(state(i), "latest")).toBe(false);
      expect(sender.send(error(`x${i}`), "must")).toBe(false);
    }
    await waitForDrainCheck();
    expect(socket.sent).toEqual([]);
    expect(sender.dropped).toBe(1000);
    // Half drained is not enough: no flapping at the mark.
    socket.bufferedAmount = 800;
    await waitForDrainCheck();
    expect(socket.sent).toEqual([]);
    socket.bufferedAmount = 0;
    await waitForDrainCheck();
    expect(socket.sent).toEqual([{ type: "resync", reason: expect.stringContaining("1000") }, state(999)]);
    sender.dispose();
  });

  it("does not promise a resync when only events and state were held back", async () => {
    const socket = new FakeSocket();
    const sender = new ClientSender(socket, { highWaterBytes: 1000, drainCheckMs: 10 });
    socket.bufferedAmount = 5000;
    sender.send({ type: "reset", position: 0 }, "event");
    sender.send(state(3), "latest");
    socket.bufferedAmount = 0;
    await waitForDrainCheck();
    expect(socket.sent).toEqual([state(3)]);
    sender.dispose();
  });

  it("sends nothing to a closed socket", () => {
    const socket = new FakeSocket();
    socket.readyState = 3;
    expect(new ClientSender(socket).send(error("late"))).toBe(false);
    expect(socket.sent).toEqual([]);
  });
});
