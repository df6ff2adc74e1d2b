import { getEncoding } from "js-tiktoken";
import { describe, expect, it } from "vitest";
import { countTokens } from "../../agents/model/tokens.ts";

describe("token counts", () => {
  it("match js-tiktoken's own o200k_base encoder, word for word and across scripts", () => {
    const reference = getEncoding("o200k_base");
    const texts = [
      "Thanks for calling. Could I have the phone number on your account?",
      "Your balance is two hundred forty dollars and fifteen cents, due Friday, March thirteenth.",
      "Número de cuenta: 4417-1234 — ¿puedo ayudarle? 電話番号をお願いします。🙂",
      "   leading and trailing spaces, tabs\tand\nnewlines   ",
    ];
    for (const text of texts) expect(countTokens(text), text).toBe(reference.encode(text).length);
  });
});
