import { fileSystemError, secretScrubber, secretsInUrl, VoicesimError } from "../scenarios/index.ts";

/** The key and any credentials in a --base-url given to this process, in every form they may take. */
export function terminalScrubber(argv: readonly string[] = process.argv, env: NodeJS.ProcessEnv = process.env): (text: string) => string {
  const urls = argv.flatMap((arg, i) => (arg === "--base-url" ? [argv[i + 1] ?? ""] : arg.startsWith("--base-url=") ? [arg.slice("--base-url=".length)] : []));
  return secretScrubber([env.OPENAI_API_KEY, ...urls.flatMap(secretsInUrl)]);
}

/** User mistakes print their message (and hint) without a stack; anything else is a bug and stays loud. */
export function printErrorAndExit(error: unknown): never {
  // A disk or permission problem reached from anywhere (a cache write, the viewer) is the user's to fix.
  const typed = error instanceof VoicesimError ? error : fileSystemError(error, "use", pathOf(error));
  // Nothing printed carries the key or a password, whatever the error quotes.
  const scrub = terminalScrubber();
  if (typed instanceof VoicesimError) {
    process.stderr.write(`voicesim: ${scrub(typed.message)}\n`);
    if (typed.hint) process.stderr.write(`hint: ${scrub(typed.hint)}\n`);
    process.exit(typed.exitCode);
  }
  process.stderr.write(`voicesim: internal error (please report it):\n`);
  process.stderr.write(`${scrub(error instanceof Error ? (error.stack ?? error.message) : String(error))}\n`);
  process.exit(70);
}

function pathOf(error: unknown): string {
  const path = error && typeof error === "object" && "path" in error ? (error as { path: unknown }).path : undefined;
  return typeof path === "string" ? path : "a file";
}
