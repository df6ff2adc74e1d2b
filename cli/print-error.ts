import { VoicesimError } from "../scenarios/index.ts";

/** User mistakes print their message (and hint) without a stack; anything else is a bug and stays loud. */
export function printErrorAndExit(error: unknown): never {
  if (error instanceof VoicesimError) {
    process.stderr.write(`voicesim: ${error.message}\n`);
    if (error.hint) process.stderr.write(`hint: ${error.hint}\n`);
    process.exit(error.exitCode);
  }
  process.stderr.write(`voicesim: internal error (please report it):\n`);
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(70);
}
