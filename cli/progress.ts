import cliProgress from "cli-progress";

/** One stage's progress as the CLI shows it: a bar on a terminal, plain lines otherwise. */
export interface ProgressView {
  start(total: number, alreadyDone: number): void;
  update(done: number, fields: { failed: number; tokens: number }): void;
  stop(summary?: string): void;
}

const isTty = (stream: NodeJS.WriteStream) => Boolean(stream.isTTY) && process.env.CI !== "true";

/** A progress view for one stage; the bar shows done/total, failures, tokens, rate and ETA. */
export function createProgressView(label: string, stream: NodeJS.WriteStream = process.stderr): ProgressView {
  return isTty(stream) ? barView(label, stream) : lineView(label, stream);
}

function barView(label: string, stream: NodeJS.WriteStream): ProgressView {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${label.padEnd(10)} {bar} {value}/{total} | {failed} failed | {tokens} tokens | {rate}/s | ETA {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let startedAt = 0;
  let startDone = 0;
  return {
    start(total, alreadyDone) {
      startedAt = performance.now();
      startDone = alreadyDone;
      bar.start(total, alreadyDone, { failed: 0, tokens: 0, rate: "0.0" });
    },
    update(done, fields) {
      const seconds = (performance.now() - startedAt) / 1000;
      const rate = seconds > 0 ? ((done - startDone) / seconds).toFixed(1) : "0.0";
      bar.update(done, { ...fields, rate });
    },
    stop(summary) {
      bar.stop();
      if (summary) stream.write(`${summary}\n`);
    },
  };
}

function lineView(label: string, stream: NodeJS.WriteStream): ProgressView {
  let total = 0;
  let lastPrinted = -1;
  let startedAt = 0;
  let startDone = 0;
  return {
    start(count, alreadyDone) {
      total = count;
      startedAt = performance.now();
      startDone = alreadyDone;
      stream.write(`${label}: ${count} to do${alreadyDone ? `, ${alreadyDone} already done` : ""}\n`);
    },
    update(done, fields) {
      // A line every tenth of the way keeps logs readable on big batches.
      const step = Math.max(1, Math.floor(total / 10));
      if (done !== total && done - lastPrinted < step) return;
      lastPrinted = done;
      const seconds = (performance.now() - startedAt) / 1000;
      const rate = seconds > 0 ? ((done - startDone) / seconds).toFixed(1) : "-";
      stream.write(`${label}: ${done}/${total} | ${fields.failed} failed | ${fields.tokens} tokens | ${rate}/s\n`);
    },
    stop(summary) {
      if (summary) stream.write(`${summary}\n`);
    },
  };
}
