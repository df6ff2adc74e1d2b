import type { Conversation } from "../../scenarios/index.ts";

export interface Percentiles {
  p50: number;
  p95: number;
  n: number;
}

/** A slow agent turn: the caller heard dead air this long before the agent's first words. */
export interface SlowTurn {
  conversationId: string;
  turn: number;
  firstSpeechMs: number;
}

/** Latency of an external agent over a run (agents inside voicesim measure none). */
export interface LatencySummary {
  firstSpeech: Percentiles | null;
  toolTime: Percentiles | null;
  slowTurnMs: number;
  slowTurns: SlowTurn[];
}

/** Turns whose first words came later than this are marked: about where callers start asking "hello?". */
export const DEFAULT_SLOW_TURN_MS = 2_000;

/** Nearest-rank percentiles; null when nothing was measured. */
export function percentiles(values: readonly number[]): Percentiles | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number;
  return { p50: at(0.5), p95: at(0.95), n: sorted.length };
}

/** p50/p95 of time to first speech and of tool steps, and the turns over `slowTurnMs`; undefined when no call measured any. */
export function latencySummary(conversations: Iterable<Pick<Conversation, "id" | "agentLatency">>, slowTurnMs = DEFAULT_SLOW_TURN_MS): LatencySummary | undefined {
  const firstSpeech: number[] = [];
  const toolTime: number[] = [];
  const slowTurns: SlowTurn[] = [];
  for (const conversation of conversations) {
    for (const turn of conversation.agentLatency ?? []) {
      if (turn.firstSpeechMs !== undefined) {
        firstSpeech.push(turn.firstSpeechMs);
        if (turn.firstSpeechMs > slowTurnMs) slowTurns.push({ conversationId: conversation.id, turn: turn.turn, firstSpeechMs: turn.firstSpeechMs });
      }
      for (const tool of turn.tools) toolTime.push(tool.ms);
    }
  }
  if (firstSpeech.length === 0 && toolTime.length === 0) return undefined;
  return { firstSpeech: percentiles(firstSpeech), toolTime: percentiles(toolTime), slowTurnMs, slowTurns };
}
