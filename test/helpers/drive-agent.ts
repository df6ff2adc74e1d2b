import { type AgentFlaw, createScriptedAgent, type JsonValue } from "../../agents/index.ts";
import { type ConversationEvent, type LoadedPack, worldConfig } from "../../scenarios/index.ts";
import { type FaultRule, Rng, ToolWorld } from "../../tools/index.ts";

/** A caller line: what the recogniser heard, or silence. */
export type Line = string | { silenceMs: number };

export interface DrivenCall {
  events: ConversationEvent[];
  world: ToolWorld;
  speech: string[];
  tools: string[];
  args: (tool: string) => Array<Record<string, unknown>>;
  ended: boolean;
}

export interface DriveOptions {
  now: string;
  timezone: string;
  flaws?: AgentFlaw[];
  faultPlan?: FaultRule[];
  seed?: number;
}

/**
 * A tiny call loop: the scripted agent's tool calls run against a real ToolWorld over the pack's
 * fixtures, and the caller's lines are fed in as heard text, one per agent turn. `DUMP_CALLS=1`
 * prints the call.
 */
export async function driveScriptedAgent(loaded: LoadedPack, lines: readonly Line[], options: DriveOptions): Promise<DrivenCall> {
  const { pack } = loaded;
  const { now, timezone } = options;
  const world = ToolWorld.create({ tools: loaded.tools, config: worldConfig(pack), faultPlan: options.faultPlan ?? [], seed: 1, fixtures: pack.fixtures, now, timezone });
  const agent = createScriptedAgent();
  const events: ConversationEvent[] = [];
  let memory: JsonValue = null;
  let turn = 1;
  let next = 0;
  let at = 0;
  let ended = false;
  const speak = (said: string) => events.push({ type: "agent_speech", turn, said, callerHeard: said, interrupted: false, at: at++, durationMs: 1000 });
  for (let step = 0; step < 80 && !ended; step++) {
    const view = { pack, now, timezone, events, turn, memory, flaws: options.flaws ?? [] };
    const { action, memory: nextMemory } = await agent.nextStep(view, Rng.derive(options.seed ?? 1, "agent", step));
    memory = nextMemory;
    if (action.kind === "tool_calls") {
      if (action.text) speak(action.text);
      for (const call of action.calls) {
        events.push({ type: "tool_call", turn, callId: call.callId, tool: call.tool, args: call.args, at: at++ });
        const record = world.call(call.tool, call.args, call.callId);
        events.push({ type: "tool_result", turn, callId: call.callId, tool: call.tool, outcome: record.outcome, ...(record.fault ? { fault: record.fault } : {}), latencyMs: record.latencyMs, at: at++ });
      }
      continue;
    }
    speak(action.text);
    if (action.endCall || world.session.transferredTo || world.session.endedBy) {
      ended = true;
      break;
    }
    const line = lines[next++];
    if (line === undefined) break;
    turn++;
    if (typeof line === "string") events.push({ type: "caller_speech", turn, said: line, heard: line, bargedIn: false, at: at++, durationMs: 1000 });
    else events.push({ type: "silence", turn, who: "caller", durationMs: line.silenceMs, at: at++ });
  }
  const calls = events.flatMap((e) => (e.type === "tool_call" ? [e] : []));
  if (process.env.DUMP_CALLS) for (const e of events) console.log(e.type === "agent_speech" ? `A: ${e.said}` : e.type === "caller_speech" ? `C: ${e.heard}` : e.type === "tool_call" ? `  > ${e.tool} ${JSON.stringify(e.args)}` : e.type === "tool_result" ? `  < ${JSON.stringify(e.outcome).slice(0, 200)}` : `  [${e.type}]`);
  return {
    events,
    world,
    speech: events.flatMap((e) => (e.type === "agent_speech" ? [e.said] : [])),
    tools: calls.map((c) => c.tool),
    args: (tool) => calls.filter((c) => c.tool === tool).map((c) => c.args as Record<string, unknown>),
    ended,
  };
}
