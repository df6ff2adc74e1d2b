import { fileSystemError, VoicesimError } from "../scenarios/index.ts";

/** User mistakes print their message (and hint) without a stack; anything else is a bug and stays loud. */
export function printErrorAndExit(error: unknown): never {
  // A disk or permission problem reached from anywhere (a cache write, the viewer) is the user's to fix.
  const typed = error instanceof VoicesimError ? error : fileSystemError(error, "use", pathOf(error));
  if (typed instanceof VoicesimError) {
    process.stderr.write(`voicesim: ${typed.message}\n`);
    if (typed.hint) process.stderr.write(`hint: ${typed.hint}\n`);
    process.exit(typed.exitCode);
  }
  process.stderr.write(`voicesim: internal error (please report it):\n`);
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(70);
}

function pathOf(error: unknown): string {
  const path = error && typeof error === "object" && "path" in error ? (error as { path: unknown }).path : undefined;
  return typeof path === "string" ? path : "a file";
}
