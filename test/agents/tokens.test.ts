import { describe, expect, it } from "vitest";
import { countTokens } from "../../agents/model/tokens.ts";

describe("token counts", () => {
  it("are o200k_base's, across scripts and whitespace (counts from js-tiktoken's own getEncoding)", () => {
    // Literal counts: building the library's reference encoder here would cost the test seconds.
    const expected: Array<[string, number]> = [
      ["Thanks for calling. Could I have the phone number on your account?", 14],
      ["Your balance is two hundred forty dollars and fifteen cents, due Friday, March thirteenth.", 19],
      ["Número de cuenta: 4417-1234 — ¿puedo ayudarle? 電話番号をお願いします。🙂", 24],
      ["   leading and trailing spaces, tabs\tand\nnewlines   ", 12],
    ];
    for (const [text, count] of expected) expect(countTokens(text), text).toBe(count);
  });
});
