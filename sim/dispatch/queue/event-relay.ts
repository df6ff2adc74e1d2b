import type { LiveEventChunk } from "../../conversation-graph.ts";
import type { JobProgress } from "./queue-job.ts";

export interface EventRelay {
  onEvent(chunk: LiveEventChunk): void;
  /** Resolves once every event so far has been sent: a call's events reach the coordinator before its result. */
  flush(): Promise<void>;
}

/**
 * A queue worker's side of `--view`: a call's events go to the coordinator as job progress, one
 * report per turn of the event loop (a scripted turn makes several events at once; one Redis write
 * each would cost more than the turn). Reports are sent one after another, so they arrive in
 * order. A report that fails to send is dropped: the viewer still shows the call once it is written.
 */
export function eventRelay(send: (progress: JobProgress) => Promise<void>): EventRelay {
  let waiting: LiveEventChunk[] = [];
  let sent: Promise<void> = Promise.resolve();
  const sendWaiting = () => {
    if (waiting.length === 0) return;
    const events = waiting;
    waiting = [];
    sent = sent.then(() => send({ events }).catch(() => {}));
  };
  return {
    onEvent(chunk) {
      if (waiting.length === 0) setImmediate(sendWaiting);
      waiting.push(chunk);
    },
    async flush() {
      sendWaiting();
      await sent;
    },
  };
}
