import { isToxicText } from "../filter/toxicity.ts";
import { type CallView, heardText, sentencesOf } from "./call-view.ts";

export interface ConductFinding {
  id: "tone" | "loop_tool_calls" | "loop_agent_turns" | "loop_goal_restated";
  index: number;
  message: string;
  /** Whose fault: the agent's, or the simulated caller's. */
  by: "agent" | "caller";
}

// Dismissive or rude phrasing that a profanity list does not catch: an agent on the phone never
// mocks, scolds or brushes off a caller.
const RUDE =
  /\b(ugh+|are you deaf|are you (stupid|serious|kidding)|what('s| is) wrong with you|pay attention|listen (to me|carefully)|i already (told|said|explained)|as i (already )?said|how many times|not my problem|that'?s your problem|figure it out|calm down|stop (whining|complaining|yelling)|i don'?t have all day|get it together|whatever\b|obviously\b|duh\b|seriously\?|shut up|idiot|stupid|dumb|moron|ridiculous|you people|deal with it|too bad|tough luck|hurry up|can you not)\b/i;

/** Rude, dismissive or profane agent speech. */
export function rudeLine(said: string): string | undefined {
  if (isToxicText(said)) return said;
  return sentencesOf(said).find((s) => RUDE.test(s));
}

const normal = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9 ]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();

function jaccard(a: string, b: string): number {
  const x = new Set(normal(a).split(" ").filter((w) => w.length > 2));
  const y = new Set(normal(b).split(" ").filter((w) => w.length > 2));
  if (x.size === 0 || y.size === 0) return 0;
  const shared = [...x].filter((w) => y.has(w)).length;
  return shared / (x.size + y.size - shared);
}

/**
 * Tone, and calls that go in circles: the same tool call again after it already answered, the
 * same agent turn again and again, a caller restating the same request.
 */
export function conductFindings(view: CallView): ConductFinding[] {
  const findings: ConductFinding[] = [];
  for (const { index, event } of view.agent) {
    const rude = rudeLine(event.said);
    if (rude) {
      findings.push({ id: "tone", index, message: `rude or dismissive: "${rude.slice(0, 80)}"`, by: "agent" });
      break;
    }
  }

  // Retries after a fault are right; asking again for what already came back is a loop.
  const answered = new Map<string, number>();
  for (const call of view.calls) {
    const key = `${call.tool}|${JSON.stringify(call.args)}`;
    const before = answered.get(key) ?? 0;
    if (before >= 2) {
      findings.push({ id: "loop_tool_calls", index: call.index, message: `${call.tool} called with the same arguments ${before + 1} times after it had answered`, by: "agent" });
      break;
    }
    if (call.succeeded) answered.set(key, before + 1);
  }

  const counts = new Map<string, { n: number; index: number }>();
  for (const { index, event } of view.agent) {
    const key = normal(event.said);
    // Re-asking after a mishearing is normal up to three times; short fillers don't count.
    if (key.split(" ").length < 5) continue;
    const entry = counts.get(key) ?? { n: 0, index };
    entry.n++;
    entry.index = index;
    counts.set(key, entry);
    if (entry.n === 4) findings.push({ id: "loop_agent_turns", index, message: `said the same thing ${entry.n} times: "${event.said.slice(0, 70)}"`, by: "agent" });
  }

  const opening = view.caller[0];
  if (opening) {
    const restated = view.caller.slice(1).filter(({ event }) => jaccard(heardText(event), heardText(opening.event)) >= 0.6);
    if (restated.length >= 3) {
      const agentRepeats = findings.some((f) => f.id === "loop_agent_turns");
      findings.push({
        id: "loop_goal_restated",
        index: restated[2]?.index ?? opening.index,
        message: `the caller restated the same request ${restated.length + 1} times`,
        by: agentRepeats ? "agent" : "caller",
      });
    }
  }
  return findings;
}
