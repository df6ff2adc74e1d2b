import { type ConversationDeps, DEFAULT_LIMITS } from "../../sim/index.ts";
import { builtinTools } from "../../tools/index.ts";
import { miniPack } from "../fixtures/mini-pack.ts";
import { linesCaller, stepsAgent } from "./backend-doubles.ts";

const persona = miniPack.personas[0] as ConversationDeps["persona"];

/** The mini pack's caller with a clean line: no ASR noise, barge-in, silence or disfluency. */
export const quietPersona: ConversationDeps["persona"] = { ...persona, asr: { wer: 0, bargeInRate: 0, silenceRate: 0 }, style: { ...persona.style, disfluencyRate: 0 } };

/** One call of the mini pack's first scenario, a quiet caller saying two lines; override what a test is about. */
export function miniCallDeps(overrides: Partial<ConversationDeps> = {}): ConversationDeps {
  return {
    conversationId: "book-easy#0",
    seed: 7,
    pack: miniPack,
    scenario: miniPack.scenarios[0] as ConversationDeps["scenario"],
    persona: quietPersona,
    tools: builtinTools,
    caller: linesCaller(["I'd like to book a cleaning.", "Thursday works."]),
    agent: stepsAgent([]),
    flaws: [],
    limits: DEFAULT_LIMITS,
    names: ["Maria Lopez"],
    ...overrides,
  };
}
