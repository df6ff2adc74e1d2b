import { z } from "zod";
import { ConversationEvent, ForkedReplies, RejectStage, Scenario, Score, type WorldChange } from "../scenarios/index.ts";

/**
 * The viewer's websocket protocol. Every client message is parsed with these schemas where it
 * arrives; anything else is answered with `{type: "error"}` and the connection stays open.
 */
export const ListFilters = z
  .object({
    verdict: z.enum(["accept", "reject"]).optional(),
    stage: RejectStage.optional(),
    intent: z.string().max(100).optional(),
    fault: z.string().max(100).optional(),
    persona: z.string().max(100).optional(),
    minScore: z.number().min(0).max(5).optional(),
    maxScore: z.number().min(0).max(5).optional(),
    text: z.string().max(200).optional(),
  })
  .strict();
export type ListFilters = z.infer<typeof ListFilters>;

export const ClientMessage = z.discriminatedUnion("type", [
  z.object({ type: z.literal("list"), filters: ListFilters.optional() }).strict(),
  z.object({ type: z.literal("subscribe"), conversationId: z.string().min(1).max(300) }).strict(),
  z.object({ type: z.literal("play") }).strict(),
  z.object({ type: z.literal("pause") }).strict(),
  z.object({ type: z.literal("speed"), factor: z.number().min(0.5).max(8) }).strict(),
  z.object({ type: z.literal("seek"), eventIndex: z.number().int().min(0) }).strict(),
  z.object({ type: z.literal("step"), direction: z.enum(["forward", "back"]) }).strict(),
]);
export type ClientMessage = z.infer<typeof ClientMessage>;

export const ListItem = z.object({
  id: z.string(),
  scenarioId: z.string(),
  title: z.string(),
  persona: z.string(),
  intent: z.string(),
  difficulty: z.string(),
  verdict: z.enum(["accept", "reject", "unjudged"]),
  score: z.number().nullable(),
  rejectedAt: z.string().nullable(),
  faults: z.array(z.string()),
  endReason: z.string(),
  durationMs: z.number(),
  live: z.boolean(),
});
export type ListItem = z.infer<typeof ListItem>;

/** One line of dataset/pairs.jsonl: the preferred and rejected reply of a fork. */
export const ForkPair = z.object({ forkId: z.string(), conversationId: z.string(), preferred: z.number().int(), rejected: z.number().int(), reasons: z.array(z.string()) });
export type ForkPair = z.infer<typeof ForkPair>;

/** How many calls of the whole run have each value, for the filter menus. */
export interface ListFacets {
  verdict: Record<string, number>;
  stage: Record<string, number>;
  intent: Record<string, number>;
  fault: Record<string, number>;
  persona: Record<string, number>;
}

/** One mark on the call's timeline bar: where each event sits in time, without its content. */
export interface TimelineMark {
  type: ConversationEvent["type"];
  at: number;
  durationMs: number;
  /** A tool fault, a barge-in or an interrupted turn: drawn in a warning colour. */
  isFlagged: boolean;
}

/** What the run's manifest.json says, when it has one. */
export interface RunSummary {
  name: string;
  packId: string;
  finished: boolean;
}

export type ServerMessage =
  | { type: "list"; run: RunSummary | null; items: ListItem[]; counts: { total: number; shown: number; accept: number; reject: number; unjudged: number }; facets: ListFacets }
  | {
      type: "conversation";
      id: string;
      scenario: Scenario | null;
      score: Score | null;
      forks: ForkedReplies[];
      pairs: ForkPair[];
      rejects: Array<{ stage: string; reason: string }>;
      meta: {
        events: number;
        durationMs: number;
        backends: { caller: string; agent: string };
        injectedFlaws: string[];
        endReason: string;
        status: string;
        /** External agents only: wall-clock time to first words per turn, and the turns over the slow mark. */
        latency?: { firstSpeechP50Ms: number; firstSpeechP95Ms: number; slowTurns: number[]; slowTurnMs: number };
      };
      worldChanges: WorldChange[];
      timeline: TimelineMark[];
      live: boolean;
    }
  | { type: "event"; index: number; event: ConversationEvent }
  | { type: "reset"; position: number }
  | { type: "state"; playing: boolean; speed: number; position: number; total: number }
  | { type: "conversation_added"; item: ListItem }
  /** A listed call changed: it finished (live) or its score arrived. */
  | { type: "conversation_updated"; item: ListItem }
  /** The client fell behind and messages were dropped: list and subscribe again. */
  | { type: "resync"; reason: string }
  | { type: "error"; message: string };
