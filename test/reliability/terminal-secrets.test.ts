import { describe, expect, it } from "vitest";
import { terminalScrubber } from "../../cli/print-error.ts";

describe("what the CLI prints on an error", () => {
  it("never shows the key (whole, unprefixed or URL-encoded) nor a --base-url password", () => {
    const key = "sk-proj-Abc123def456ghi789";
    const scrub = terminalScrubber(["node", "voicesim", "run", "p", "--base-url", "http://bob:hunter22secret@10.0.0.5:8000/v1?api_key=qq99zz88yy"], { OPENAI_API_KEY: key });
    const printed = scrub(
      `server answered 401 for key ${key} (Abc123def456ghi789, ${encodeURIComponent(key)}) at http://bob:hunter22secret@10.0.0.5:8000/v1?api_key=qq99zz88yy; stack at fetch (node:internal)`,
    );
    for (const secret of [key, "Abc123def456ghi789", "hunter22secret", "qq99zz88yy"]) expect(printed).not.toContain(secret);
    // The rest of the message is still there to act on.
    expect(printed).toContain("server answered 401");
    expect(printed).toContain("10.0.0.5:8000");
  });
});
