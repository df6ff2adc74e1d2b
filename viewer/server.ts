import { existsSync, readFileSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { WebSocket, WebSocketServer } from "ws";
import { type ConversationEvent, Manifest, type TurnLatency, VoicesimError } from "../scenarios/index.ts";
import { DEFAULT_SLOW_TURN_MS, percentiles } from "../pipeline/index.ts";
import type { LiveEventChunk } from "../sim/index.ts";
import { ClientSender } from "./client-sender.ts";
import type { ConversationDoneListener, LiveEventListener, LiveFeed } from "./live-feed.ts";
import { Playback } from "./playback.ts";
import { ClientMessage, type ListFilters, type RunSummary, type ServerMessage, type TimelineMark } from "./protocol.ts";
import { createOriginGuard, isLoopbackHost, type OriginGuard, parseAllowedOrigin } from "./origin-guard.ts";
import { RunIndex } from "./run-index.ts";

export interface ViewerOptions {
  runDir: string;
  port?: number;
  /** 127.0.0.1 unless told otherwise: a run holds call transcripts. */
  host?: string;
  /** Poll the run directory for new lines (a run written by another process); on unless false. */
  follow?: boolean;
  /** Events of calls an engine in this process is producing (`voicesim run --view`). */
  live?: LiveFeed;
  /** Unsent bytes above which a client counts as slow (default 1 MiB). */
  maxBufferedBytes?: number;
  /** Origins of other pages that may read this viewer (`http://localhost:3000`); none by default. */
  allowOrigins?: readonly string[];
  /** Where refusals and warnings go, one line each (default: stderr). */
  log?: (line: string) => void;
}

export interface Viewer {
  url: string;
  port: number;
  /** Feed an engine's events in (same process), so calls appear as they happen. */
  publish(chunk: LiveEventChunk): void;
  close(): Promise<void>;
}

const PAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), "page");
// From source the page is app.ts; in the built package (dist/) it is the app.js tsc emitted.
const PAGE_ENTRY = existsSync(join(PAGE_DIR, "app.ts")) ? "app.ts" : "app.js";
const MAX_MESSAGE_BYTES = 64 * 1024;
// Distinct refusals logged per viewer: enough to see an attack, too few for a page to flood the terminal.
const MAX_LOGGED_REFUSALS = 50;

// The page's sources do not change while a process runs: viewers started after the first (tests,
// `run --view` beside `view`) reuse its bundle instead of running esbuild again.
let pageBundle: Promise<string> | undefined;
function bundledPage(): Promise<string> {
  pageBundle ??= bundlePage().catch((error: unknown) => {
    pageBundle = undefined;
    throw error;
  });
  return pageBundle;
}

async function bundlePage(): Promise<string> {
  // Loaded here, not at the top: only a process that serves the page needs esbuild.
  const { build } = await import("esbuild");
  const result = await build({ entryPoints: [join(PAGE_DIR, PAGE_ENTRY)], bundle: true, write: false, format: "esm", target: "es2022", minify: false, logLevel: "silent" });
  return result.outputFiles[0]?.text ?? "";
}

/**
 * The replay viewer: one HTTP server for the page (an allow-list of three assets and the run's
 * report, nothing else on disk is reachable) and a websocket at /ws on the same port.
 */
export async function startViewer(options: ViewerOptions): Promise<Viewer> {
  if (!existsSync(options.runDir) || !statSync(options.runDir).isDirectory()) {
    throw new VoicesimError("file_not_found", `no run directory at ${options.runDir}`, { hint: "give a folder made by `voicesim run` or `voicesim simulate`" });
  }
  const allowOrigins = (options.allowOrigins ?? []).map(parseAllowedOrigin);
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const index = new RunIndex(options.runDir);
  if (options.follow !== false) index.follow();
  const onLiveEvent: LiveEventListener = (conversationId, event, position) =>
    index.live({ conversationId, event, index: position ?? index.inProgress.get(conversationId)?.length ?? 0 });
  const onLiveDone: ConversationDoneListener = (conversation) => index.finished(conversation);
  options.live?.on("event", onLiveEvent);
  options.live?.on("conversation_done", onLiveDone);
  // The page is plain TypeScript, bundled once in memory by esbuild: no build step to forget.
  const appJs = await bundledPage();
  const assets: Record<string, { type: string; body: () => string | Buffer }> = {
    "/": { type: "text/html; charset=utf-8", body: () => readFileSync(join(PAGE_DIR, "index.html")) },
    "/app.js": { type: "text/javascript; charset=utf-8", body: () => appJs },
    "/style.css": { type: "text/css; charset=utf-8", body: () => readFileSync(join(PAGE_DIR, "style.css")) },
  };

  // Set once the port is known (port 0 picks one); nothing is served before listen() returns.
  let guard: OriginGuard | undefined;
  const loggedRefusals = new Set<string>();
  /** Why this request may not be served (and a log line the first time), or undefined. */
  const refuse = (req: IncomingMessage, what: string): string | undefined => {
    const reason = guard ? guard.refusal(req.headers) : "the viewer is not listening yet";
    if (reason && loggedRefusals.size < MAX_LOGGED_REFUSALS && !loggedRefusals.has(reason)) {
      loggedRefusals.add(reason);
      log(`viewer: refused ${what}: ${reason}`);
    }
    return reason;
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (refuse(req, `${req.method ?? "?"} request`)) return send(res, 403, "text/plain", "forbidden: this viewer answers only pages served from its own address\n");
    if (req.method !== "GET") return send(res, 405, "text/plain", "method not allowed");
    const asset = assets[path];
    if (asset) return send(res, 200, asset.type, asset.body());
    if (path === "/favicon.ico") return send(res, 204, "image/x-icon", "");
    if (path === "/report") {
      const report = join(options.runDir, "report.html");
      return existsSync(report) ? send(res, 200, "text/html; charset=utf-8", readFileSync(report)) : send(res, 404, "text/plain", "this run has no report yet (voicesim run writes one)");
    }
    // Anything else, including ../ and %2e%2e tricks, is simply not on the list.
    send(res, 404, "text/plain", "not found");
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => socket.destroy());
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (path !== "/ws") return abortUpgrade(socket, 404, "Not Found");
    if (refuse(req, "websocket")) return abortUpgrade(socket, 403, "Forbidden");
    wss.handleUpgrade(req, socket, head, (client) => wss.emit("connection", client, req));
  });

  // One listener per index event for the whole viewer, fanned out to the clients: a listener per
  // client on the index passed Node's limit of ten (MaxListenersExceededWarning) and grew with them.
  const clients = new Set<IndexListeners>();
  index.on("conversation", (id: string) => {
    for (const client of clients) client.onConversation(id);
  });
  index.on("updated", (id: string) => {
    for (const client of clients) client.onUpdated(id);
  });
  index.on("live", (chunk: LiveEventChunk) => {
    for (const client of clients) client.onLive(chunk);
  });

  wss.on("connection", (socket: WebSocket) => {
    let filters: ListFilters | undefined;
    let watching: string | undefined;
    const sender = new ClientSender(socket, options.maxBufferedBytes === undefined ? {} : { highWaterBytes: options.maxBufferedBytes });
    const sendMessage = (message: ServerMessage): boolean => sender.send(message, "must");
    const playback = new Playback(() => (watching ? (index.conversations.get(watching)?.events ?? index.inProgress.get(watching)?.filter(Boolean) ?? []) : []), sender);
    // Only clients that asked for the list hear of new and changed calls.
    const onConversation = (id: string) => {
      const item = filters ? index.item(id) : undefined;
      if (item) sendMessage({ type: "conversation_added", item });
    };
    const onUpdated = (id: string) => {
      const item = filters ? index.item(id) : undefined;
      if (item) sendMessage({ type: "conversation_updated", item });
      if (id === watching) playback.poke();
    };
    const onLive = (chunk: LiveEventChunk) => {
      if (chunk.conversationId === watching) playback.poke();
    };
    const listeners: IndexListeners = { onConversation, onUpdated, onLive };
    clients.add(listeners);

    socket.on("message", (data, isBinary) => {
      if (isBinary) return sendMessage({ type: "error", message: "send JSON text messages" });
      let raw: unknown;
      try {
        raw = JSON.parse(data.toString());
      } catch {
        return sendMessage({ type: "error", message: "not JSON" });
      }
      const parsed = ClientMessage.safeParse(raw);
      if (!parsed.success) {
        return sendMessage({ type: "error", message: `bad message: ${parsed.error.issues.map((i) => `${i.path.join(".") || "type"}: ${i.message}`).join("; ")}` });
      }
      const message = parsed.data;
      switch (message.type) {
        case "list": {
          filters = message.filters ?? {};
          const items = index.list(filters);
          const all = index.list();
          const facets = index.facets(all);
          sendMessage({
            type: "list",
            run: runSummary(options.runDir),
            items,
            counts: { total: all.length, shown: items.length, accept: facets.verdict.accept ?? 0, reject: facets.verdict.reject ?? 0, unjudged: facets.verdict.unjudged ?? 0 },
            facets,
          });
          return;
        }
        case "subscribe": {
          const conversation = index.conversations.get(message.conversationId);
          const liveEvents = index.inProgress.get(message.conversationId);
          if (!conversation && !liveEvents) return sendMessage({ type: "error", message: `no conversation ${message.conversationId}` });
          playback.pause();
          watching = message.conversationId;
          const scenarioId = conversation?.scenarioId ?? message.conversationId.replace(/#\d+$/, "");
          sendMessage({
            type: "conversation",
            id: message.conversationId,
            scenario: index.scenarios.get(scenarioId)?.scenario ?? null,
            score: index.scores.get(message.conversationId) ?? null,
            forks: index.forks.get(message.conversationId) ?? [],
            pairs: (index.forks.get(message.conversationId) ?? []).flatMap((f) => {
              const pair = index.pairs.get(f.id);
              return pair ? [pair] : [];
            }),
            rejects: (index.rejects.get(message.conversationId) ?? []).map((r) => ({ stage: r.stage, reason: r.reason })),
            meta: {
              events: conversation?.events.length ?? liveEvents?.length ?? 0,
              durationMs: conversation?.timing.durationMs ?? 0,
              backends: conversation?.backends ?? { caller: "", agent: "" },
              injectedFlaws: conversation?.injectedFlaws ?? [],
              endReason: conversation?.endReason ?? "in progress",
              status: conversation?.status ?? "running",
              ...(conversation?.agentLatency?.length ? { latency: latencyOf(conversation.agentLatency) } : {}),
            },
            worldChanges: conversation?.worldChanges ?? [],
            timeline: timelineOf(conversation?.events ?? liveEvents?.filter(Boolean) ?? []),
            live: !conversation,
          });
          playback.seek(0);
          sender.send(playback.state(), "latest");
          return;
        }
        case "play":
          playback.play();
          break;
        case "pause":
          playback.pause();
          break;
        case "speed":
          playback.setSpeed(message.factor);
          break;
        case "seek":
          playback.seek(message.eventIndex);
          break;
        case "step":
          playback.step(message.direction);
          break;
      }
      sender.send(playback.state(), "latest");
    });
    socket.on("close", () => {
      playback.dispose();
      sender.dispose();
      clients.delete(listeners);
    });
    socket.on("error", () => socket.terminate());
  });

  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(error.code === "EADDRINUSE" ? new VoicesimError("bad_option", `port ${options.port} is in use`, { hint: "choose another with --port" }) : error),
    );
    server.listen(options.port ?? 0, host, () => {
      guard = createOriginGuard({ host, port: (server.address() as AddressInfo).port, allowOrigins });
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  if (!isLoopbackHost(host)) {
    log(
      `warning: the viewer listens on ${host}, beyond this machine: anyone who can reach port ${port} can read this run's raw calls (names, phones, birth dates). Use --host 127.0.0.1 (the default) unless you mean it.`,
    );
  }
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}/`,
    port,
    publish: (chunk) => index.live(chunk),
    close: async () => {
      index.stop();
      options.live?.off("event", onLiveEvent);
      options.live?.off("conversation_done", onLiveDone);
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((done) => wss.close(() => done()));
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

function timelineOf(events: readonly ConversationEvent[]): TimelineMark[] {
  return events.map((event) => ({
    type: event.type,
    at: event.at,
    durationMs: event.type === "tool_result" ? 0 : "durationMs" in event ? event.durationMs : 0,
    isFlagged:
      (event.type === "tool_result" && (Boolean(event.fault) || !event.outcome.ok)) ||
      (event.type === "caller_speech" && event.bargedIn) ||
      (event.type === "agent_speech" && event.interrupted),
  }));
}

function runSummary(runDir: string): RunSummary | null {
  try {
    const manifest = Manifest.safeParse(JSON.parse(readFileSync(join(runDir, "manifest.json"), "utf8")));
    return manifest.success ? { name: manifest.data.name, packId: manifest.data.packId, finished: manifest.data.finished } : null;
  } catch {
    return null; // no manifest yet (a run just starting) or one being rewritten
  }
}

/** What each connected client wants to hear from the run index. */
interface IndexListeners {
  onConversation(id: string): void;
  onUpdated(id: string): void;
  onLive(chunk: LiveEventChunk): void;
}

/** Answers an upgrade request with a plain HTTP status instead of switching protocols. */
function abortUpgrade(socket: Duplex, status: number, text: string): void {
  const body = `${text}\n`;
  socket.once("finish", () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { "content-type": type, "cache-control": "no-store", "x-content-type-options": "nosniff" });
  res.end(body);
}

/** p50/p95 (nearest rank) of one call's time to first words, and its slow turns: the report's own summary of one call. */
function latencyOf(turns: readonly TurnLatency[]): { firstSpeechP50Ms: number; firstSpeechP95Ms: number; slowTurns: number[]; slowTurnMs: number } {
  const firstSpeech = percentiles(turns.flatMap((t) => (t.firstSpeechMs === undefined ? [] : [t.firstSpeechMs])));
  return {
    firstSpeechP50Ms: firstSpeech?.p50 ?? 0,
    firstSpeechP95Ms: firstSpeech?.p95 ?? 0,
    slowTurns: turns.filter((t) => (t.firstSpeechMs ?? 0) > DEFAULT_SLOW_TURN_MS).map((t) => t.turn),
    slowTurnMs: DEFAULT_SLOW_TURN_MS,
  };
}
