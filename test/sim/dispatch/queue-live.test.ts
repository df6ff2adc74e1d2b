import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScriptedAgent, createScriptedCaller } from "../../../agents/index.ts";
import { type LoadedPack, loadPack } from "../../../scenarios/index.ts";
import { createQueueExecutor, type LiveEventChunk, type QueueExecutor, type QueueWorker, SCRIPTED_RECIPE, simulate, startQueueWorker } from "../../../sim/index.ts";
import { startViewer, type Viewer } from "../../../viewer/index.ts";
import { hasRedisServer, startRedis, type TestRedis } from "../../helpers/redis-server.ts";
import { wsClient } from "../../viewer/ws-client.ts";

const tempDir = () => mkdtempSync(join(tmpdir(), "voicesim-queue-live-"));
const skip = !hasRedisServer();

describe.skipIf(skip)("a queued run shown live (--queue … --view)", () => {
  let redis: TestRedis;
  let loaded: LoadedPack;
  let worker: QueueWorker;
  let executor: QueueExecutor;
  let viewer: Viewer;
  let client: Awaited<ReturnType<typeof wsClient>>;
  const live: LiveEventChunk[] = [];
  /** Calls whose live events reached the coordinator before the batch recorded them. */
  const seenBeforeWritten = new Set<string>();
  const written: string[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    loaded = await loadPack("scenarios/packs/collections");
    worker = await startQueueWorker({ url: redis.url, concurrency: 2 });
    const out = tempDir();
    executor = await createQueueExecutor({ url: redis.url, out, seed: 3, pack: { dir: loaded.dir, hash: loaded.hash }, backends: SCRIPTED_RECIPE });
    // The viewer follows no files here: whatever it shows came through the live events.
    viewer = await startViewer({ runDir: tempDir(), follow: false });
    client = await wsClient(viewer.url);
    client.send({ type: "list" });
    await client.next("list");
    await simulate(loaded, {
      out,
      scenarioIds: loaded.pack.scenarios.slice(0, 2).map((s) => s.id),
      perScenario: 1,
      concurrency: 2,
      seed: 3,
      backends: { caller: createScriptedCaller(), agent: createScriptedAgent() },
      flawRate: 0,
      resume: false,
      executor,
      onEvent: (chunk) => {
        live.push(chunk);
        if (!written.includes(chunk.conversationId)) seenBeforeWritten.add(chunk.conversationId);
        viewer.publish(chunk);
      },
      onProgress: (event) => {
        if (event.type === "conversation") written.push(event.conversation.id);
      },
    });
  }, 60_000);

  afterAll(async () => {
    client?.close();
    await viewer?.close();
    await executor?.close();
    await worker?.close();
    redis?.stop();
  });

  it("streams every event of each call from the queue worker, in order, before the call is written", () => {
    expect(written).toHaveLength(2);
    expect([...seenBeforeWritten].sort()).toEqual([...written].sort());
    for (const id of written) {
      const indices = live.filter((c) => c.conversationId === id).map((c) => c.index);
      expect(indices.length).toBeGreaterThan(3);
      expect(indices).toEqual(indices.map((_, i) => i));
    }
  });

  it("shows the queued calls to a viewer client as live calls", async () => {
    const added = await client.next("conversation_added", (m) => m.item.id === written[0]);
    expect(added.message.item).toMatchObject({ id: written[0], live: true });
  });
});
