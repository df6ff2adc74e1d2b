import { VoicesimError } from "../scenarios/index.ts";

/**
 * A batch in which no call succeeded is an outage or a setup mistake, not a result: the command
 * exits non-zero with the first call's error, and says that a resume retries the failed calls.
 */
export function allCallsFailed(calls: { total: number; firstFailure?: string | undefined }, resumeCommand: string): VoicesimError {
  const cause = calls.firstFailure ? `; the first: ${calls.firstFailure.split("\n")[0]}` : "";
  return new VoicesimError("all_calls_failed", `all ${calls.total} calls failed${cause}`, {
    hint: `fix the cause (is the model server up? --model, --base-url), then run \`${resumeCommand}\`: failed calls are simulated again`,
  });
}
