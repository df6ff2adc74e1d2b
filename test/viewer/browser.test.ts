import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Conversation } from "../../scenarios/index.ts";
import { startViewer, type Viewer } from "../../viewer/index.ts";
import { makeSmallRun } from "../helpers/small-run.ts";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);

let viewer: Viewer;
let target: Conversation;

beforeAll(async () => {
  if (!hasChromium) return;
  const runDir = await makeSmallRun();
  const conversations = readFileSync(join(runDir, "conversations.jsonl"), "utf8").trim().split("\n").map((l) => Conversation.parse(JSON.parse(l)));
  // A call that shows everything a reviewer looks for: misheard words and a tool fault.
  const candidates = conversations.filter((c) => c.events.some((e) => e.type === "tool_result" && e.fault) && c.events.some((e) => e.type === "caller_speech" && e.said !== e.heard));
  target = candidates.sort((a, b) => a.events.length - b.events.length)[0] ?? (conversations[0] as Conversation);
  viewer = await startViewer({ runDir });
});
afterAll(async () => viewer?.close());

// Skipped (and named so) only where Debian's chromium is missing; .ci/run installs it.
describe.skipIf(!hasChromium)("the viewer in a real browser (needs Debian chromium at /usr/bin/chromium)", () => {
  it("replays a call at 8×: turns, an ASR difference, a tool fault and the judge panel appear", async () => {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage"],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      await page.goto(viewer.url);
      await page.waitForSelector(`#items li[data-id="${target.id}"]`);
      await page.click(`#items li[data-id="${target.id}"]`);
      await page.waitForSelector("#judge .verdict");
      await page.selectOption("#speed", "8");
      await page.keyboard.press("Space");
      await page.waitForSelector(".bubble.agent");
      await page.waitForSelector(".bubble.caller");
      await page.waitForSelector(".heard .asr", { timeout: 60_000 });
      await page.waitForSelector(".tool.fault", { timeout: 60_000 });
      expect(await page.locator("#judge .check").count()).toBeGreaterThan(5);
      expect(await page.locator("#judge .rubric .score").count()).toBeGreaterThan(3);
      expect(await page.locator("#scenario").innerText()).toContain(target.scenarioId.split(".")[0]?.split("-")[0] ?? "");
      mkdirSync("test-output", { recursive: true });
      await page.screenshot({ path: "test-output/viewer.png" });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
