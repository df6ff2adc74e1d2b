import { existsSync, mkdirSync } from "node:fs";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startViewer, type Viewer } from "../../viewer/index.ts";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
// The fixture call with everything a reviewer looks for: a misheard date, a barge-in, a timeout, a K=3 fork.
const TARGET = "book-flu-asr#0";

let viewer: Viewer | undefined;
beforeAll(async () => {
  if (hasChromium) viewer = await startViewer({ runDir: "test/fixtures/runs/small", follow: false });
});
afterAll(async () => viewer?.close());

// Skipped (and named so) only where Debian's chromium is missing; .ci/run installs it.
describe.skipIf(!hasChromium)("the viewer in a real browser (skipped: needs Debian chromium at /usr/bin/chromium)", () => {
  it("replays a call at 8×: turns, an ASR difference, a barge-in, a tool fault, the judge panel and the forks appear", async () => {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage"],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      page.on("console", (message) => {
        if (message.type() === "error") errors.push(message.text());
      });
      await page.goto(viewer?.url ?? "");
      await page.waitForSelector(`#items li[data-id="${TARGET}"]`);
      expect(await page.locator("#items li").count()).toBe(4);
      expect(await page.locator("#counts").innerText()).toContain("4 of 4 calls");
      await page.click(`#items li[data-id="${TARGET}"]`);
      await page.waitForSelector(`#items li.active[data-id="${TARGET}"]`);
      await page.waitForSelector("#judge .verdict.accept");
      await page.selectOption("#speed", "8");
      await page.keyboard.press("Space");
      await page.waitForSelector("#transcript .bubble.agent");
      await page.waitForSelector("#transcript .bubble.caller");
      // "fifteenth" was heard as "fiftieth": the heard line marks the word.
      await page.waitForSelector(".heard mark.asr", { timeout: 60_000 });
      expect(await page.locator(".heard mark.asr").first().innerText()).toContain("fiftieth");
      await page.waitForSelector("#transcript .tool.fault", { timeout: 60_000 });
      expect(await page.locator("#transcript .tool.fault").first().innerText()).toContain("timeout");
      await page.waitForSelector("#transcript .fork-point", { timeout: 60_000 });
      await page.waitForSelector("#transcript .bubble.agent del.unheard", { timeout: 60_000 });
      await page.waitForSelector("#transcript .end", { timeout: 60_000 });
      await page.waitForSelector("#world .change");
      expect(await page.locator("#judge .check").count()).toBe(5);
      expect(await page.locator("#judge .dim .score").count()).toBe(5);
      expect(await page.locator("#scenario").innerText()).toContain("maria-busy-parent");
      expect(await page.locator("#forks .reply").count()).toBe(3);
      expect(await page.locator("#forks .reply.preferred").count()).toBe(1);
      mkdirSync("test-output", { recursive: true });
      await page.screenshot({ path: "test-output/viewer.png" });

      // j moves to the next call; a failed check jumps to the event it points at.
      await page.keyboard.press("j");
      await page.waitForSelector('#items li.active[data-id="pay-waive-fee#0"]');
      await page.click('#items li[data-id="cancel-quiet-slow#0"]');
      await page.waitForSelector("#judge .verdict.reject");
      await page.click("#judge .check.fail >> nth=1");
      await page.waitForSelector("#transcript .bubble.flagged");
      await page.waitForSelector("#transcript .gap.caller");
      await page.screenshot({ path: "test-output/viewer-rejected.png" });

      // The forked replies side by side.
      await page.click(`#items li[data-id="${TARGET}"]`);
      await page.waitForSelector("#forks .compare-open");
      await page.click("#forks .compare-open");
      await page.waitForSelector("#compare .columns .reply.preferred");
      await page.screenshot({ path: "test-output/viewer-forks.png" });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
