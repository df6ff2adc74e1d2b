import type { AgentMemory } from "./memory.ts";

/**
 * Searches that came back with nothing. An empty list is an answer: asked once more in case it
 * was a glitch, it is kept, so the same search (the same day asked again) is not sent a third
 * time, which a caller hears as going round in circles.
 */
export function answerKey(tool: string, args: Record<string, unknown>): string {
  return `${tool} ${JSON.stringify(args, Object.keys(args).sort())}`;
}

/** Keeps a search's empty answer under its tool and arguments. */
export function rememberEmpty(memory: AgentMemory, tool: string, args: Record<string, unknown>, result: unknown): void {
  memory.emptyAnswers = { ...(memory.emptyAnswers ?? {}), [answerKey(tool, args)]: result };
}

/** The empty answer this very search gave before, if it did. */
export function knownEmpty(memory: AgentMemory, tool: string, args: Record<string, unknown>): unknown {
  return memory.emptyAnswers?.[answerKey(tool, args)];
}

/**
 * A line that ends a request and so must not end in a question the agent will not wait for:
 * "Nothing is open then. Is there another day that would work?" keeps its first sentence.
 */
export function withoutClosingQuestion(text: string): string {
  const sentences = text.match(/[^.?!]+[.?!]*\s*/g) ?? [text];
  if (sentences.length < 2 || !/\?\s*$/.test(text)) return text;
  return sentences.slice(0, -1).join("").trim();
}
