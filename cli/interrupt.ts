/**
 * Runs a job with Ctrl-C wired to an AbortSignal: the first Ctrl-C lets in-flight work stop at a
 * clean point (the run stays resumable), a second one exits at once. Pass the controller when
 * something made before the job (a model client, whose retry wait must end at once) listens too.
 */
export async function withInterrupt<T>(job: (signal: AbortSignal) => Promise<T>, controller = new AbortController()): Promise<T> {
  let presses = 0;
  const onSigint = () => {
    presses++;
    if (presses === 1) {
      process.stderr.write("\nstopping after the calls in flight… (Ctrl-C again to quit now)\n");
      controller.abort();
    } else {
      process.exit(130);
    }
  };
  process.on("SIGINT", onSigint);
  process.on("SIGTERM", onSigint);
  try {
    return await job(controller.signal);
  } finally {
    process.off("SIGINT", onSigint);
    process.off("SIGTERM", onSigint);
  }
}
