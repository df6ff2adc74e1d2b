import type { AgentBackend, AgentStep, CallerBackend, CallerTurn, JsonValue } from "../../agents/index.ts";

const noUsage = { promptTokens: 0, completionTokens: 0, modelCalls: 0, cachedCalls: 0 };

/** A caller that says the given lines in order, then hangs up satisfied. */
export function linesCaller(lines: ReadonlyArray<string | { silenceMs: number }>): CallerBackend {
  return {
    id: "lines",
    async nextTurn(view): Promise<CallerTurn> {
      const index = typeof view.memory === "number" ? view.memory : 0;
      const line = lines[index];
      if (line === undefined) return { utterance: "Thanks, bye.", hangUp: true, hangUpReason: "satisfied", memory: index + 1, usage: noUsage };
      if (typeof line !== "string") return { utterance: "", silenceMs: line.silenceMs, hangUp: false, memory: index + 1, usage: noUsage };
      return { utterance: line, hangUp: false, memory: index + 1, usage: noUsage };
    },
  };
}

/** An agent that plays a fixed list of steps, one per call of nextStep, then says goodbye. */
export function stepsAgent(steps: ReadonlyArray<AgentStep["action"]>, id = "steps"): AgentBackend {
  return {
    id,
    async nextStep(view, rng): Promise<AgentStep> {
      const index = typeof view.memory === "number" ? view.memory : 0;
      const action = steps[index] ?? { kind: "speak", text: "Goodbye.", endCall: true };
      // Forks draw from their own rng stream; expose it so tests can see forks differ.
      const text = action.kind === "speak" && action.text.includes("{roll}") ? action.text.replace("{roll}", String(rng.int(0, 1_000_000))) : undefined;
      const memory: JsonValue = index + 1;
      return { action: text !== undefined && action.kind === "speak" ? { ...action, text } : action, memory, usage: noUsage };
    },
  };
}

/** A backend whose model always fails after its retries. */
export function failingAgent(): AgentBackend {
  return {
    id: "failing",
    async nextStep() {
      const error = new Error("server answered 500 three times");
      error.name = "ModelCallError";
      throw error;
    },
  };
}
