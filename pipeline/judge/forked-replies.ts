import type { ConversationEvent, ForkedReplies, ScenarioPack } from "../../scenarios/index.ts";
import { type ReplyScore, scoreReply } from "../export/preferences.ts";

/**
 * Scores each alternative reply of a fork with the single-reply checks (voice form, success after
 * failure, refusal) and pairs the best with the worst only when the gap is clear (≥ 2 points), so
 * near-ties never become preference data.
 */
export function judgeForkedReplies(fork: ForkedReplies, prefix: readonly ConversationEvent[], pack: ScenarioPack, minGap = 2): { scores: ReplyScore[]; pair?: { preferred: ReplyScore; nonPreferred: ReplyScore } } {
  const scores = fork.replies.map((reply) => scoreReply(reply, prefix, fork, pack));
  const ranked = [...scores].sort((a, b) => b.score - a.score || a.index - b.index);
  const best = ranked[0];
  const worst = ranked.at(-1);
  if (!best || !worst || best.score - worst.score < minGap) return { scores };
  return { scores, pair: { preferred: best, nonPreferred: worst } };
}
