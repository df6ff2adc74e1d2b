import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as voicesim from "../index.ts";

describe("the library entry", () => {
  it("runs a pack to a dataset from a script, as the README shows", async () => {
    const pack = await voicesim.loadPack("scenarios/packs/collections");
    const backends = { caller: voicesim.createScriptedCaller(), agent: voicesim.createScriptedAgent() };
    const out = join(mkdtempSync(join(tmpdir(), "voicesim-lib-")), "run");
    const result = await voicesim.runPipeline(pack, { out, seed: 1, scenarios: 4, candidates: 1, forks: 0, rounds: 1, concurrency: 2, flawRate: 0, backends, resume: false });
    expect(result.sftRows).toBeGreaterThan(0);
    expect(readFileSync(join(out, "dataset/sft.jsonl"), "utf8").trim().split("\n")).toHaveLength(result.sftRows);
    for (const name of ["simulate", "simulateConversation", "startViewer", "defineTool", "createModelClient", "RunStore", "createWebSocketAgent", "createHttpAgent", "compareAgents", "compareRunDirs"]) expect(voicesim).toHaveProperty(name);
  });
});
