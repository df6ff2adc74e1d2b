import { createScriptedAgent, createScriptedCaller } from "../../agents/index.ts";
import type { ConversationEvent } from "../../scenarios/index.ts";
import {
  type BatchItem,
  type ConversationDeps,
  type ConversationStateValue,
  conversationId,
  conversationNodes,
  conversationSeed,
  DEFAULT_LIMITS,
  type EventSink,
  flawsFor,
  initialConversationState,
  namesInFixtures,
  type PackForRun,
} from "../../sim/index.ts";

type NodeName = "caller" | "agent" | "tools" | "guard";

/**
 * The conversation graph's node functions run by a plain loop: the same routing, the same
 * reducer (events are appended, every other key is replaced), no LangGraph. It is the yardstick
 * for what the graph costs (`npm run bench`) and the other half of the identity test.
 */
export async function runPlainLoop(deps: ConversationDeps, sink?: EventSink): Promise<ConversationStateValue> {
  const nodes = conversationNodes(deps);
  let state = initialConversationState(deps);
  let next: NodeName | "end" = "agent";
  while (next !== "end") {
    const update = await nodes[next](state, sink);
    const merged: Record<string, unknown> = { ...state };
    for (const [key, value] of Object.entries(update)) {
      if (value === undefined) continue;
      merged[key] = key === "events" ? state.events.concat(value as ConversationEvent[]) : value;
    }
    state = merged as unknown as ConversationStateValue;
    if (next === "agent") next = nodes.afterAgent(state);
    else if (next === "tools") next = nodes.afterTools(state);
    else if (next === "caller") next = nodes.afterCaller(state);
    else next = "end";
  }
  return state;
}

/** The deps of scripted calls as a batch builds them (seeds and flaws per id). */
export function scriptedDeps(loaded: PackForRun, items: readonly BatchItem[], seed = 1): ConversationDeps[] {
  const caller = createScriptedCaller();
  const agent = createScriptedAgent();
  const names = namesInFixtures(loaded.pack);
  return items.map((item) => {
    const id = conversationId(item);
    const persona = loaded.pack.personas.find((p) => p.id === item.scenario.persona);
    if (!persona) throw new Error(`no persona ${item.scenario.persona}`);
    return {
      conversationId: id,
      seed: conversationSeed(seed, id),
      pack: loaded.pack,
      scenario: item.scenario,
      persona,
      tools: loaded.tools,
      caller,
      agent,
      flaws: flawsFor(seed, id, 0.2),
      limits: DEFAULT_LIMITS,
      names,
    };
  });
}
