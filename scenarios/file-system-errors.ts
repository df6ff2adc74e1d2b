import { existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { VoicesimError } from "./errors.ts";

/** Errno codes a user's disk or permissions cause (not bugs): each gets a one-line message and a hint. */
const USER_CONDITIONS: Record<string, { says: string; hint: string }> = {
  EACCES: { says: "permission denied", hint: "choose an --out you can write to, or fix the directory's permissions" },
  EPERM: { says: "operation not permitted", hint: "choose an --out you can write to, or fix the directory's permissions" },
  EROFS: { says: "the file system is read-only", hint: "choose an --out on a writable disk" },
  ENOSPC: { says: "no space left on the device", hint: "free some space, then continue with --resume --out <dir>" },
  EDQUOT: { says: "disk quota exceeded", hint: "free some space, then continue with --resume --out <dir>" },
  ENOTDIR: { says: "a part of the path is a file, not a directory", hint: "choose another --out" },
  EISDIR: { says: "a directory stands where a file should be", hint: "move that directory away, or choose another --out" },
  EMFILE: { says: "too many open files", hint: "raise the open-file limit (ulimit -n) or lower --concurrency" },
};

/** The errno code of a Node file-system error, if it is one. */
export function errnoCode(error: unknown): string | undefined {
  const code = error && typeof error === "object" && "code" in error ? (error as { code: unknown }).code : undefined;
  return typeof code === "string" && /^E[A-Z]+$/.test(code) ? code : undefined;
}

/**
 * A file-system failure the user can fix, as a typed error (`cannot write runs/x/scores.jsonl: no
 * space left on the device`); anything else is returned as it was, a bug that stays loud.
 */
export function fileSystemError(error: unknown, action: string, path: string): unknown {
  const code = errnoCode(error);
  const known = code ? USER_CONDITIONS[code] : undefined;
  if (!known) return error;
  return new VoicesimError("run_dir_unwritable", `cannot ${action} ${path}: ${known.says} (${code})`, { hint: known.hint, cause: error });
}

/** Runs a file-system step, turning user conditions (EACCES, EROFS, ENOSPC…) into typed errors. */
export function onDisk<T>(action: string, path: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    throw fileSystemError(error, action, path);
  }
}

/**
 * `mkdir -p` one level at a time. Node's recursive mkdir loops forever (100 % CPU, deaf to
 * signals) when a parent exists but refuses children with ENOENT, as /proc does.
 */
export function makeDirectory(dir: string): void {
  const target = resolve(dir);
  const missing: string[] = [];
  let at = target;
  while (!existsSync(at)) {
    missing.push(at);
    const parent = dirname(at);
    if (parent === at) break;
    at = parent;
  }
  if (existsSync(at) && !statSync(at).isDirectory()) {
    throw new VoicesimError("run_dir_unwritable", `cannot create ${dir}: ${at} is a file, not a directory`, { hint: "choose another --out" });
  }
  for (const level of missing.reverse()) {
    try {
      mkdirSync(level);
    } catch (error) {
      if (errnoCode(error) === "EEXIST" && statSync(level).isDirectory()) continue; // made by a racing process
      if (errnoCode(error) === "ENOENT") {
        // The parent exists (we just checked or made it) yet refuses children: a virtual file system.
        throw new VoicesimError("run_dir_unwritable", `cannot create ${dir}: ${dirname(level)} does not accept new directories`, {
          hint: "choose an --out on a normal disk, e.g. runs/<name>",
          cause: error,
        });
      }
      throw fileSystemError(error, "create directory", level);
    }
  }
}
