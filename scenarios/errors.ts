/** Codes of errors a user can cause; each says what to do next. */
export type VoicesimErrorCode =
  | "pack_invalid"
  | "pack_not_found"
  | "file_not_found"
  | "bad_option"
  | "run_dir_conflict"
  | "run_dir_locked"
  | "run_dir_unwritable"
  | "run_dir_corrupt"
  | "all_calls_failed"
  | "model_config"
  | "model_failed"
  | "queue_unavailable"
  | "version_mismatch"
  | "aborted";

/** An error a user can cause and fix: printed as its message and hint, never with a stack. */
export class VoicesimError extends Error {
  readonly code: VoicesimErrorCode;
  readonly hint: string | undefined;
  readonly exitCode: number;

  constructor(code: VoicesimErrorCode, message: string, options: { hint?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "VoicesimError";
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** One problem in a pack, located by file and field path. */
export interface PackIssue {
  file: string;
  path: string;
  message: string;
}

/** A pack with mistakes: every one of them, each as `file: path: message`. */
export class PackValidationError extends VoicesimError {
  readonly issues: readonly PackIssue[];

  constructor(packDir: string, issues: readonly PackIssue[]) {
    super(
      "pack_invalid",
      `${packDir}: ${issues.length} problem${issues.length === 1 ? "" : "s"}\n${issues.map(formatPackIssue).join("\n")}`,
      { hint: "fix the fields listed above, then run `voicesim validate` again" },
    );
    this.name = "PackValidationError";
    this.issues = issues;
  }
}

export function formatPackIssue(issue: PackIssue): string {
  return `${issue.file}: ${issue.path || "(root)"}: ${issue.message}`;
}
