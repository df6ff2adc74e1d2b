import type { TurnLatency } from "../../scenarios/index.ts";

/**
 * Measures an external agent's turns on the wall clock: from the moment it was handed the
 * caller's turn (or the call connected) to its first words, and each tool step from its request
 * to the agent's next move. The clock is injected so tests never wait.
 */
export class LatencyRecorder {
  private readonly turns: TurnLatency[] = [];
  private current: TurnLatency | undefined;
  private turnStartedAt = 0;
  private openTool: { tool: string; callId: string; at: number } | undefined;

  constructor(private readonly now: () => number) {}

  /** The agent was just given turn `turn` (what the caller said, or the connected call). */
  turnStarted(turn: number): void {
    this.closeTool();
    this.current = { turn, tools: [] };
    this.turns.push(this.current);
    this.turnStartedAt = this.now();
  }

  /** The agent made a move: speech, a tool request or the end. */
  moved(move: { kind: "speech" } | { kind: "tool"; tool: string; callId: string } | { kind: "end" }): void {
    this.closeTool();
    if (!this.current) this.turnStarted(0);
    const turn = this.current as TurnLatency;
    if (move.kind === "speech" && turn.firstSpeechMs === undefined) turn.firstSpeechMs = Math.max(0, Math.round(this.now() - this.turnStartedAt));
    if (move.kind === "tool") this.openTool = { tool: move.tool, callId: move.callId, at: this.now() };
  }

  private closeTool(): void {
    if (!this.openTool || !this.current) return;
    this.current.tools.push({ tool: this.openTool.tool, callId: this.openTool.callId, ms: Math.max(0, Math.round(this.now() - this.openTool.at)) });
    this.openTool = undefined;
  }

  report(): TurnLatency[] {
    this.closeTool();
    return this.turns.map((t) => ({ ...t, tools: [...t.tools] }));
  }
}
