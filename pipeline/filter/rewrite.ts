import { z } from "zod";
import { addUsage, type ChatRequest, type ChatResponse, limitWordsForVoice, ModelCallError, type ModelClient, noUsage, speakMoney, speakNumber } from "../../agents/index.ts";
import type { Conversation, ScenarioPack, TokenUsage } from "../../scenarios/index.ts";
import { addResponseUsage } from "../recorded-usage.ts";

/** One agent turn changed by the rewrite step: always recorded, never silent. */
export interface Rewrite {
  conversationId: string;
  eventIndex: number;
  before: string;
  after: string;
  rewriter: string;
  /** Set when the rewriter failed after its retries: the turn was kept as it was. */
  error?: string;
}

/** A rewritten turn and what producing it cost (a turn left as it was may have cost a model call too). */
export interface RewriteAnswer {
  text: string;
  usage: TokenUsage;
  /** The model failed after its retries; `text` is the turn as it was. */
  error?: string;
}

/** Rewrites an agent turn into the pack's voice style; returns the text unchanged when it already fits. */
export interface Rewriter {
  readonly id: string;
  rewrite(text: string, pack: ScenarioPack): Promise<RewriteAnswer>;
}

const HOURS = (h: number, m: string, meridiem: string) => `${speakNumber(h)}${m === "00" ? "" : Number(m) < 10 ? ` oh ${speakNumber(Number(m))}` : ` ${speakNumber(Number(m))}`} ${meridiem.toLowerCase().startsWith("a") ? "a m" : "p m"}`;

/**
 * The offline rewriter: deterministic normalisation to speech — markup and list bullets removed,
 * money, times and plain numbers said in words, turns cut at a sentence to the word limit.
 */
export function createScriptedRewriter(): Rewriter {
  return {
    id: "scripted",
    async rewrite(text, pack) {
      let out = text
        // Screen-only instructions ("Reply with 1 to confirm") mean nothing on a call.
        .replace(/\b(reply|click|tap|type) (with )?\S+ to \w+\.?/gi, "")
        .replace(/\*\*|__|`/g, "")
        .replace(/^\s*[-*•]\s+/gm, "")
        .replace(/^\s*#+\s*/gm, "")
        .replace(/\[([^\]]+)\]\([^)]+\)/g, "$1")
        .replace(/\n+/g, " ");
      if (pack.agent.voice.spokenNumbers) {
        out = out
          .replace(/\$\s?(\d[\d,]*)(?:\.(\d{2}))?/g, (_m, dollars: string, cents?: string) => speakMoney(Number(dollars.replace(/,/g, "")) * 100 + Number(cents ?? 0)))
          .replace(/\b(\d{1,2}):(\d{2})\s*([AaPp])\.?\s?[Mm]\.?/g, (_m, h: string, m: string, meridiem: string) => HOURS(Number(h), m, meridiem))
          .replace(/\b(\d{1,2})\s*([AaPp])\.?[Mm]\.?\b/g, (_m, h: string, meridiem: string) => HOURS(Number(h), "00", meridiem))
          .replace(/\b\d{1,6}\b/g, (n) => speakNumber(Number(n)));
      }
      return { text: limitWordsForVoice(out.replace(/\s{2,}/g, " ").trim(), pack.agent.voice.maxWordsPerTurn), usage: noUsage() };
    },
  };
}

/** The rewriter as a model: same meaning, the pack's voice; the answer must be plain text. */
export function createLLMRewriter(client: ModelClient): Rewriter {
  const Answer = z.object({ text: z.string().min(1) });
  return {
    id: client.id,
    async rewrite(text, pack) {
      const request: ChatRequest = {
        messages: [
          {
            role: "system",
            content: `Rewrite a voice agent's turn for ${pack.agent.organization} so it can be spoken on the phone: same meaning, at most ${pack.agent.voice.maxWordsPerTurn} words, no markup or lists, numbers, money, dates and times in words. Return {"text": ...}.`,
          },
          { role: "user", content: text },
        ],
        temperature: 0,
        jsonSchema: { name: "rewrite", schema: z.toJSONSchema(Answer) as Record<string, unknown> },
      };
      let response: ChatResponse;
      try {
        response = await client.complete(request);
      } catch (error) {
        // Export goes on without this one turn's rewrite; the failure is in rewrites.jsonl.
        if (error instanceof ModelCallError) return { text, usage: noUsage(), error: error.message };
        throw error;
      }
      const usage = noUsage();
      addResponseUsage(usage, response);
      const parsed = Answer.safeParse(parseJson(response.content));
      return { text: parsed.success ? parsed.data.text : text, usage };
    },
  };
}

/** Rewrites every agent turn of a call that does not already fit; returns the new call and the changes. */
export async function rewriteConversation(conversation: Conversation, pack: ScenarioPack, rewriter: Rewriter): Promise<{ conversation: Conversation; rewrites: Rewrite[]; usage: TokenUsage }> {
  const rewrites: Rewrite[] = [];
  const usage = noUsage();
  const events = [...conversation.events];
  for (const [index, event] of events.entries()) {
    if (event.type !== "agent_speech") continue;
    const answer = await rewriter.rewrite(event.said, pack);
    addUsage(usage, answer.usage);
    const after = answer.text;
    if (answer.error) rewrites.push({ conversationId: conversation.id, eventIndex: index, before: event.said, after: event.said, rewriter: rewriter.id, error: answer.error });
    if (after === event.said) continue;
    rewrites.push({ conversationId: conversation.id, eventIndex: index, before: event.said, after, rewriter: rewriter.id });
    events[index] = { ...event, said: after, callerHeard: event.interrupted ? event.callerHeard : after };
  }
  return { conversation: { ...conversation, events }, rewrites, usage };
}

/** A model answer that is not JSON leaves the turn as it was, like one that is JSON of the wrong shape. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
