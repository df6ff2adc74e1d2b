import { ToolErrorCode, type ToolRunResult } from "./tool-types.ts";

/**
 * Turns whatever a tool's `run` gave back into an answer from the fixed contract. A pack's own
 * tool is user code: it may fail with a code of its own ("account_locked"), return a promise, or
 * return something that is no answer at all. Each of those is a tool failure the agent has to
 * cope with and the transcript records — never a call that cannot be written down. The code it
 * used is kept in the message so the pack author sees what to fix.
 */
export function toToolAnswer(toolName: string, value: unknown): ToolRunResult<unknown> {
  if (isThenable(value)) {
    // Nobody awaits it; a rejection must not surface later as an unhandled one.
    value.then(undefined, () => undefined);
    return broken(`${toolName} returned a promise; a tool's run must answer synchronously with toolOk(...) or toolFail(...)`);
  }
  if (typeof value !== "object" || value === null || typeof (value as { ok?: unknown }).ok !== "boolean") {
    return broken(`${toolName} returned ${describe(value)}, not a tool answer; return toolOk(result) or toolFail(code, message)`);
  }
  const answer = value as { ok: boolean; result?: unknown; error?: unknown };
  if (answer.ok) {
    if (!isJson(answer.result)) return broken(`${toolName} returned a result that is not plain JSON data`);
    return { ok: true, result: answer.result };
  }
  const error = (typeof answer.error === "object" && answer.error !== null ? answer.error : {}) as Record<string, unknown>;
  const message = typeof error.message === "string" ? error.message : `${toolName} failed`;
  const code = ToolErrorCode.safeParse(error.code);
  if (!code.success) {
    return broken(
      `${toolName} failed with error code ${JSON.stringify(error.code) ?? "(none)"}, which is not one of ${ToolErrorCode.options.join(", ")}: ${message}`,
    );
  }
  const issues = Array.isArray(error.issues) ? error.issues.filter((i): i is string => typeof i === "string") : undefined;
  return {
    ok: false,
    error: { code: code.data, message, ...(issues ? { issues } : {}), retryable: error.retryable === true },
  };
}

/** A tool that breaks the contract is a backend bug: the API answers 500, not retryable. */
function broken(message: string): ToolRunResult<never> {
  return { ok: false, error: { code: "server_error", message, retryable: false } };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";
}

function isJson(value: unknown): boolean {
  if (value === undefined) return true;
  try {
    JSON.stringify(value);
    return true;
  } catch {
    return false;
  }
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object without ok: true or false" : typeof value;
}
