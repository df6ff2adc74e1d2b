// The replay page: plain TypeScript, bundled by esbuild when the viewer starts. No framework:
// the server sends whole facts (a list, a call's header, one event), the page draws each as it comes.
import type { ConversationEvent, ForkedReplies, Scenario, Score, WorldChange } from "../../scenarios/index.ts";
import type { ForkPair, ListFacets, ListItem, ServerMessage, TimelineMark } from "../protocol.ts";

type ConversationMessage = Extract<ServerMessage, { type: "conversation" }>;
type ToolCall = Extract<ConversationEvent, { type: "tool_call" }>;
type ToolResult = Extract<ConversationEvent, { type: "tool_result" }>;

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const esc = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const clock = (ms: number) => `${Math.floor(ms / 60000)}:${String(Math.floor((ms % 60000) / 1000)).padStart(2, "0")}`;
const words = (id: string) => id.replace(/_/g, " ");

let socket: WebSocket | undefined;
let items: ListItem[] = [];
let current: string | undefined;
let header: ConversationMessage | undefined;
let playing = false;
let speed = 1;
let position = 0;
let total = 0;
let speakingTimer: ReturnType<typeof setTimeout> | undefined;
/** Events below this index arrive as one burst after a seek: drawn at once, not animated in. */
let burstBelow = 0;

function connect(): void {
  socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`);
  socket.addEventListener("open", () => {
    setConnection(true);
    requestList();
    if (current) subscribe(current);
  });
  socket.addEventListener("message", (message) => handle(JSON.parse(String(message.data)) as ServerMessage));
  socket.addEventListener("close", () => {
    setConnection(false);
    setTimeout(connect, 1000);
  });
}

function setConnection(isOpen: boolean): void {
  const el = $("connection");
  el.className = `connection ${isOpen ? "up" : "down"}`;
  el.textContent = isOpen ? "" : "reconnecting…";
}

function send(message: object): void {
  if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

/** A report links to one call as `#call=<id>` (compare's regressed checks do). */
function linkedCall(): string {
  const match = /(?:^#|&)call=([^&]+)/.exec(location.hash);
  return match?.[1] ? decodeURIComponent(match[1]) : "";
}

window.addEventListener("hashchange", () => {
  const id = linkedCall();
  if (id && id !== current) subscribe(id);
});

function subscribe(id: string): void {
  send({ type: "subscribe", conversationId: id });
}

function requestList(): void {
  const filters: Record<string, unknown> = {};
  const value = (id: string) => $<HTMLInputElement>(id).value.trim();
  for (const key of ["verdict", "stage", "intent", "fault", "persona"]) if (value(key)) filters[key] = value(key);
  if (value("search")) filters.text = value("search").slice(0, 200);
  for (const key of ["minScore", "maxScore"]) {
    const n = Number(value(key));
    if (value(key) && Number.isFinite(n)) filters[key] = Math.min(5, Math.max(0, n));
  }
  send({ type: "list", filters });
}

function handle(message: ServerMessage): void {
  switch (message.type) {
    case "list":
      items = message.items;
      if (message.run) {
        $("runName").textContent = `${message.run.name} · ${message.run.packId}${message.run.finished ? "" : " · running"}`;
        document.title = `voicesim · ${message.run.name}`;
      }
      $("counts").innerHTML = `<b>${message.counts.shown}</b> of ${message.counts.total} calls · <span class="good">${message.counts.accept} accepted</span> · <span class="bad">${message.counts.reject} rejected</span>${message.counts.unjudged ? ` · ${message.counts.unjudged} unjudged` : ""}`;
      fillFilters(message.facets);
      renderList();
      if (!current && items[0]) subscribe(items.find((i) => i.id === linkedCall())?.id ?? items[0].id);
      break;
    case "conversation_added":
      if (!items.some((i) => i.id === message.item.id)) items.push(message.item);
      renderList();
      break;
    case "conversation_updated":
      items = items.map((i) => (i.id === message.item.id ? message.item : i));
      renderList();
      break;
    case "conversation":
      startCall(message);
      break;
    case "reset":
      clearTranscript();
      burstBelow = message.position;
      break;
    case "event":
      renderEvent(message.event, message.index);
      break;
    case "state":
      playing = message.playing;
      speed = message.speed;
      position = message.position;
      total = message.total;
      renderState();
      break;
    case "resync":
      // We fell behind and the server dropped messages: ask for the whole picture again.
      requestList();
      if (current) {
        const at = position;
        subscribe(current);
        send({ type: "seek", eventIndex: at });
      }
      break;
    case "error":
      toast(message.message);
      break;
  }
}

function toast(text: string): void {
  const el = document.createElement("div");
  el.className = "toast";
  el.textContent = text;
  document.body.appendChild(el);
  setTimeout(() => el.remove(), 4000);
}

// ---------------------------------------------------------------- list and filters

function renderList(): void {
  $("items").innerHTML = items
    .map((item) => {
      const score = item.score !== null ? item.score.toFixed(1) : "–";
      return `<li data-id="${esc(item.id)}" class="${item.id === current ? "active" : ""}">
        <div class="score-badge ${item.verdict}">${item.live ? '<span class="dot"></span>' : score}</div>
        <div class="body">
          <div class="title">${esc(item.title)}</div>
          <div class="meta">
            ${item.live ? '<span class="pill live">live</span>' : ""}
            ${item.rejectedAt ? `<span class="pill reject">dropped: ${esc(item.rejectedAt)}</span>` : ""}
            ${item.faults.map((f) => `<span class="pill fault">${esc(words(f))}</span>`).join("")}
            <span class="id">${esc(item.intent)} · ${esc(item.persona)}${item.durationMs ? ` · ${clock(item.durationMs)}` : ""}</span>
          </div>
        </div></li>`;
    })
    .join("");
  if (items.length === 0) $("items").innerHTML = `<li class="empty">No call matches these filters.</li>`;
  document.querySelector("#items li.active")?.scrollIntoView({ block: "nearest" });
}

const FILTER_LABELS: Record<keyof ListFacets, string> = { verdict: "any verdict", stage: "any stage", intent: "any intent", fault: "any fault", persona: "any persona" };

/** Filter menus show every value of the run with how many calls have it. */
function fillFilters(facets: ListFacets): void {
  for (const key of Object.keys(FILTER_LABELS) as Array<keyof ListFacets>) {
    const select = $<HTMLSelectElement>(key);
    const chosen = select.value;
    const options = Object.entries(facets[key]).filter(([value]) => value !== "unjudged" || key !== "verdict");
    select.innerHTML = `<option value="">${FILTER_LABELS[key]}</option>${options.map(([value, n]) => `<option value="${esc(value)}">${esc(words(value))} (${n})</option>`).join("")}`;
    if (chosen && !options.some(([value]) => value === chosen)) select.add(new Option(words(chosen), chosen));
    select.value = chosen;
  }
}

// ---------------------------------------------------------------- one call

function startCall(message: ConversationMessage): void {
  current = message.id;
  header = message;
  position = 0;
  clearTranscript();
  renderHeader(message);
  renderTimeline(message.timeline);
  renderScenario(message.scenario);
  renderJudge(message.score, message.rejects);
  renderForks(message.forks, message.pairs);
  renderList();
}

function clearTranscript(): void {
  $("transcript").innerHTML = "";
  $("world").innerHTML = "";
  $("world").hidden = true;
}

function renderHeader(message: ConversationMessage): void {
  const title = message.scenario?.title ?? message.id;
  const facts = [
    esc(message.id),
    message.live ? '<span class="pill live">live</span>' : `${clock(message.meta.durationMs)} long`,
    message.live ? "" : `ended: ${esc(words(message.meta.endReason))}`,
    `agent <b>${esc(message.meta.backends.agent || "?")}</b> · caller <b>${esc(message.meta.backends.caller || "?")}</b>`,
    message.meta.latency
      ? `first words p50 <b>${message.meta.latency.firstSpeechP50Ms} ms</b> / p95 <b>${message.meta.latency.firstSpeechP95Ms} ms</b>${message.meta.latency.slowTurns.length ? ` · <span class="pill flaw">dead air over ${message.meta.latency.slowTurnMs / 1000} s in turn ${message.meta.latency.slowTurns.join(", ")}</span>` : ""}`
      : "",
    message.meta.injectedFlaws.length ? `injected flaw: <span class="pill flaw">${message.meta.injectedFlaws.map((f) => esc(words(f))).join("</span> <span class=\"pill flaw\">")}</span>` : "",
  ].filter(Boolean);
  $("callHeader").innerHTML = `<h1>${esc(title)}</h1><p class="facts">${facts.map((f) => `<span>${f}</span>`).join('<span class="sep">·</span>')}</p>`;
}

/** The whole call as a bar: who spoke when, tool work, dead air; click to jump there. */
function renderTimeline(marks: TimelineMark[]): void {
  const box = $("timeline");
  const end = Math.max(1, ...marks.map((m) => m.at + m.durationMs));
  box.hidden = marks.length === 0;
  const track = box.querySelector(".track") as HTMLElement;
  track.innerHTML = marks
    .map((m, i) => {
      const left = (m.at / end) * 100;
      const width = Math.max(0.4, (m.durationMs / end) * 100);
      const kind = m.type === "agent_speech" ? "agent" : m.type === "caller_speech" ? "caller" : m.type === "silence" ? "silence" : m.type.startsWith("tool") ? "tool" : "end";
      return `<span class="mark ${kind}${m.isFlagged ? " flagged" : ""}" data-event="${i}" style="left:${left}%;width:${kind === "tool" || kind === "end" ? 0.5 : width}%" title="${esc(words(m.type))} at ${clock(m.at)}"></span>`;
    })
    .join("");
  box.dataset.end = String(end);
}

function renderState(): void {
  $("play").textContent = playing ? "❚❚ Pause" : "▶ Play";
  $("play").classList.toggle("playing", playing);
  $<HTMLSelectElement>("speed").value = String(speed);
  const marks = header?.timeline ?? [];
  const end = Number($("timeline").dataset.end ?? 1);
  const last = marks[position - 1];
  const at = last ? last.at : 0;
  $("position").textContent = total ? `${clock(at)} · event ${position} / ${total}` : "";
  ($("timeline").querySelector(".playhead") as HTMLElement).style.left = `${(at / end) * 100}%`;
  for (const [i, el] of [...document.querySelectorAll<HTMLElement>("#timeline .mark")].entries()) el.classList.toggle("past", i < position);
  if (position >= total && total > 0 && !header?.live) renderWorld(header?.worldChanges ?? []);
}

/** Word diff (LCS) of what the caller said and what the recogniser passed on. */
function asrDiff(said: string, heard: string): string {
  const a = said.split(/\s+/).filter(Boolean);
  const b = heard.split(/\s+/).filter(Boolean);
  const norm = (w: string) => w.toLowerCase().replace(/[^a-z0-9']/g, "");
  const table = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      table[i]![j] = norm(a[i]!) === norm(b[j]!) ? table[i + 1]![j + 1]! + 1 : Math.max(table[i + 1]![j]!, table[i]![j + 1]!);
    }
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && norm(a[i]!) === norm(b[j]!)) {
      out.push(esc(b[j]!));
      i++;
      j++;
    } else if (j < b.length && (i >= a.length || table[i]![j + 1]! >= table[i + 1]![j]!)) {
      out.push(`<mark class="asr" title="misheard">${esc(b[j]!)}</mark>`);
      j++;
    } else {
      out.push(`<del class="asr missing" title="not heard">${esc(a[i]!)}</del>`);
      i++;
    }
  }
  return out.join(" ");
}

function failedChecksAt(index: number): string[] {
  return (header?.score?.checks ?? []).filter((c) => !c.passed && c.eventIndex === index).map((c) => c.id);
}

function renderEvent(event: ConversationEvent, index: number): void {
  const box = $("transcript");
  box.querySelector(`[data-index="${index}"]`)?.remove();
  const flags = failedChecksAt(index);
  const flagNote = flags.length ? `<div class="flag">✗ ${flags.map(esc).join(", ")}</div>` : "";
  const el = document.createElement("div");
  el.dataset.index = String(index);
  const isBurst = index < burstBelow;
  switch (event.type) {
    case "caller_speech": {
      el.className = `bubble caller${flags.length ? " flagged" : ""}${event.bargedIn ? " barged" : ""}`;
      const differs = event.heard.trim() !== event.said.trim() && !event.dtmf;
      el.innerHTML = `<div class="who"><span>Caller${event.bargedIn ? ' <span class="tag">talks over the agent</span>' : ""}</span><time>${clock(event.at)}</time></div>
        <div class="said">${event.dtmf ? `⌨ keypad <b>${esc(event.dtmf)}</b>` : esc(event.said)}</div>
        ${differs ? `<div class="heard"><span class="label">agent heard</span> ${asrDiff(event.said, event.heard)}</div>` : ""}${flagNote}`;
      break;
    }
    case "agent_speech": {
      el.className = `bubble agent${flags.length ? " flagged" : ""}`;
      const heard = event.interrupted ? event.callerHeard : event.said;
      const rest = event.interrupted ? event.said.slice(event.callerHeard.length) : "";
      el.innerHTML = `<div class="who"><span>Agent</span><time>${clock(event.at)}</time></div>
        <div class="said">${esc(heard)}${rest ? `<span class="cutmark" title="the caller cut in here"></span><del class="unheard" title="never heard by the caller">${esc(rest)}</del>` : ""}</div>
        ${event.interrupted ? '<div class="cut">cut off: the caller never heard the struck part</div>' : ""}${flagNote}`;
      break;
    }
    case "tool_call":
      el.className = "tool pending";
      el.dataset.callId = event.callId;
      el.innerHTML = toolCard(event, undefined);
      break;
    case "tool_result": {
      // The result joins its call's card: one row per tool use, like a trace.
      const callCard = box.querySelector<HTMLElement>(`.tool[data-call-id="${CSS.escape(event.callId)}"]`);
      const failed = !event.outcome.ok || Boolean(event.fault);
      if (callCard) {
        callCard.className = `tool${failed ? " fault" : " ok"}${flags.length ? " flagged" : ""}${isBurst || callCard.classList.contains("instant") ? " instant" : ""}`;
        const waits = [...callCard.querySelectorAll(".wait-line")].map((w) => w.outerHTML).join("");
        callCard.innerHTML = toolCard(undefined, event, (callCard.querySelector(".call-line")?.outerHTML ?? "") + waits) + flagNote;
        callCard.dataset.resultIndex = String(index);
        markForkPoint(index, callCard);
        return;
      }
      el.className = `tool${failed ? " fault" : " ok"}`;
      el.innerHTML = toolCard(undefined, event) + flagNote;
      break;
    }
    case "silence": {
      // Dead air while a tool runs belongs inside that tool's card, between the call and its answer.
      const pendingTool = event.who === "agent" ? box.querySelector<HTMLElement>(".tool.pending:last-of-type") : null;
      if (pendingTool && pendingTool === box.lastElementChild) {
        const wait = document.createElement("div");
        wait.className = "wait-line";
        wait.dataset.index = String(index);
        wait.style.height = `${Math.min(60, 14 + event.durationMs / 200)}px`;
        wait.innerHTML = `<span>dead air ${seconds(event.durationMs)} while the caller waits</span>`;
        pendingTool.querySelector(".result-line")?.before(wait);
        return;
      }
      el.className = `gap ${event.who}${event.durationMs >= 5000 ? " long" : ""}`;
      // Taller for longer silence, so dead air is something you see.
      el.style.height = `${Math.min(110, 18 + event.durationMs / 120)}px`;
      el.innerHTML = `<span>${event.who === "caller" ? `caller silent ${seconds(event.durationMs)}` : `dead air ${seconds(event.durationMs)} · the agent waits on a tool`}</span>`;
      break;
    }
    case "end":
      el.className = "end";
      el.innerHTML = `<span>call ended · ${esc(words(event.reason))}${event.note ? ` (${esc(event.note)})` : ""} · ${clock(event.at)}</span>`;
      break;
  }
  if (isBurst) el.classList.add("instant");
  insertInOrder(box, el, index);
  if (isBurst) {
    markForkPoint(index, el);
    return;
  }
  if (event.type === "agent_speech" || event.type === "caller_speech") showSpeaking(el, event.durationMs);
  el.scrollIntoView({ block: "nearest", behavior: "smooth" });
  markForkPoint(index, el);
}

function insertInOrder(box: HTMLElement, el: HTMLElement, index: number): void {
  const after = [...box.children].find((child) => Number((child as HTMLElement).dataset.index) > index);
  box.insertBefore(el, after ?? null);
}

function toolCard(call: ToolCall | undefined, result: ToolResult | undefined, callLine?: string): string {
  const line = callLine ?? `<div class="call-line">→ <b>${esc(call?.tool ?? result?.tool ?? "")}</b><span class="args">(${call ? argList(call.args) : ""})</span></div>`;
  if (!result) return `${line}<div class="result-line muted">waiting…</div>`;
  const status = result.fault ? `<span class="fault-tag">${esc(words(result.fault))}</span>` : result.outcome.ok ? '<span class="ok-tag">ok</span>' : `<span class="fault-tag">${esc(result.outcome.error.code)}</span>`;
  if (!result.outcome.ok) {
    return `${line}<div class="result-line">← ${status} <span class="latency">${seconds(result.latencyMs)}</span> <span class="payload">${esc(result.outcome.error.message)}</span></div>`;
  }
  const full = typeof result.outcome.result === "string" ? result.outcome.result : JSON.stringify(result.outcome.result, null, 2);
  return `${line}<details class="result-line"><summary>← ${status} <span class="latency">${seconds(result.latencyMs)}</span> <span class="payload">${esc(summarise(result.outcome.result))}</span></summary><pre>${esc(full ?? "")}</pre></details>`;
}

/** Tool arguments as `name: value`, the way a reviewer reads them. */
function argList(args: unknown): string {
  if (!args || typeof args !== "object") return esc(compact(args));
  return Object.entries(args as Record<string, unknown>)
    .map(([key, value]) => `<span class="arg">${esc(key)}</span>: ${esc(typeof value === "string" ? value : compact(value))}`)
    .join(", ");
}

/** One line for a tool result: lists as "3 slots: SLT-1, SLT-2…", objects as their first fields. */
function summarise(value: unknown): string {
  if (typeof value === "string") return value.length > 120 ? `${value.slice(0, 120)}…` : value;
  if (Array.isArray(value)) return `${value.length} item${value.length === 1 ? "" : "s"}`;
  if (!value || typeof value !== "object") return compact(value);
  const parts = Object.entries(value as Record<string, unknown>).map(([key, v]) => {
    if (Array.isArray(v)) {
      const ids = v.map((x) => (x && typeof x === "object" ? Object.values(x as Record<string, unknown>)[0] : x)).slice(0, 3).map(String);
      return `${v.length} ${key}${ids.length ? `: ${ids.join(", ")}${v.length > 3 ? "…" : ""}` : ""}`;
    }
    if (v && typeof v === "object") return `${key}: {…}`;
    return `${key}: ${String(v)}`;
  });
  const line = parts.join(" · ");
  return line.length > 160 ? `${line.slice(0, 160)}…` : line;
}

function compact(value: unknown): string {
  if (typeof value === "string") return value;
  return JSON.stringify(value) ?? "";
}

/** The bubble "speaks" for as long as the turn lasted, at the current speed. */
function showSpeaking(el: HTMLElement, durationMs: number): void {
  if (!playing) return;
  document.querySelectorAll(".bubble.speaking").forEach((b) => b.classList.remove("speaking"));
  if (speakingTimer) clearTimeout(speakingTimer);
  el.classList.add("speaking");
  speakingTimer = setTimeout(() => el.classList.remove("speaking"), durationMs / speed);
}

function markForkPoint(index: number, el: HTMLElement): void {
  const forks = (header?.forks ?? []).filter((f) => f.afterEvent === index);
  for (const fork of forks) {
    const marker = document.createElement("button");
    marker.className = "fork-point";
    marker.dataset.fork = fork.id;
    marker.textContent = `${fork.replies.length} alternative agent replies were sampled here · compare ↗`;
    el.after(marker);
  }
}

function renderWorld(changes: WorldChange[]): void {
  const box = $("world");
  if (!box.hidden) return;
  box.hidden = false;
  if (changes.length === 0) {
    box.innerHTML = `<h3>World state after the call</h3><p class="muted">The call changed nothing in the backend.</p>`;
    return;
  }
  const value = (v: unknown) => (v === undefined ? "" : esc(typeof v === "string" ? v : JSON.stringify(v)));
  box.innerHTML = `<h3>World state after the call</h3>${changes
    .map((change) => {
      const fields = [...new Set([...Object.keys(change.before ?? {}), ...Object.keys(change.after ?? {})])];
      const rows = fields
        .map((field) => {
          const before = change.before?.[field];
          const after = change.after?.[field];
          if (JSON.stringify(before) === JSON.stringify(after)) return "";
          return `<tr><td class="field">${esc(field)}</td><td class="before">${value(before)}</td><td class="after">${value(after)}</td></tr>`;
        })
        .join("");
      return `<div class="change ${change.op}"><div class="change-head"><span class="op">${change.op}</span> <b>${esc(change.collection)}</b> <code>${esc(change.id)}</code></div>
        <table><thead><tr><th>field</th><th>before</th><th>after</th></tr></thead><tbody>${rows}</tbody></table></div>`;
    })
    .join("")}`;
}

function renderScenario(scenario: Scenario | null): void {
  if (!scenario) {
    $("scenario").innerHTML = `<h2>Scenario</h2><p class="muted">Not in scenarios.jsonl.</p>`;
    return;
  }
  const complication = (c: Scenario["complications"][number]) => {
    switch (c.kind) {
      case "refusal_trap":
        return `refusal trap: ${words(c.trap)}`;
      case "silence":
        return `silent ${c.seconds} s at turn ${c.atTurn}`;
      case "change_mind":
        return `changes ${c.slot}: ${String(c.from)} → ${String(c.to)}`;
      case "correction":
        return `corrects ${c.slot}: ${String(c.wrong)} → ${String(c.right)}`;
      case "interrupts":
        return `interrupts (${Math.round(c.rate * 100)}%)`;
      default:
        return words(c.kind);
    }
  };
  $("scenario").innerHTML = `<h2>Scenario</h2><div class="kv">
    <b>persona</b><span>${esc(scenario.persona)}</span>
    <b>goal</b><span>${esc(scenario.goal.description)}</span>
    <b>intent</b><span>${esc(scenario.goal.intent)} <span class="pill diff-${esc(scenario.difficulty)}">${esc(scenario.difficulty)}</span></span>
    <b>complications</b><span>${scenario.complications.map((c) => `<span class="pill">${esc(complication(c))}</span>`).join(" ") || '<span class="muted">none</span>'}</span>
    <b>fault plan</b><span>${scenario.faultPlan.map((f) => `<span class="pill fault">${esc(words(f.kind))} on ${esc(f.tool)}${f.nth ? ` (call ${f.nth})` : ""}</span>`).join(" ") || '<span class="muted">none</span>'}</span>
  </div>`;
}

function renderJudge(score: Score | null, rejects: Array<{ stage: string; reason: string }>): void {
  if (!score) {
    $("judge").innerHTML = `<h2>Judge</h2><p class="muted">Not judged yet${header?.live ? " (the call is still running)" : ""}.</p>`;
    return;
  }
  const checks = [...score.checks].sort((a, b) => Number(a.passed) - Number(b.passed));
  const failed = checks.filter((c) => !c.passed).length;
  $("judge").innerHTML = `<h2>Judge</h2>
    <div class="verdict ${score.verdict}"><span class="big">${score.verdict === "accept" ? "✓ Accepted" : "✗ Rejected"}</span><span class="weighted">${score.weightedScore.toFixed(2)}<small> / 5</small></span></div>
    ${rejects.map((r) => `<div class="dropped">dropped at <b>${esc(r.stage)}</b>: ${esc(r.reason.slice(0, 240))}</div>`).join("")}
    ${score.hasCorrectRefusal ? '<div class="note good">contains a correct refusal</div>' : ""}
    ${score.callerFidelity.ok ? "" : `<div class="note warn">caller strayed: ${esc(score.callerFidelity.issues.join("; "))}</div>`}
    <h3>Checks <span class="muted">${checks.length - failed} passed${failed ? ` · <span class="bad">${failed} failed</span>` : ""}</span></h3>
    <div class="checks">${checks
      .map(
        (c) => `<div class="check ${c.passed ? "pass" : "fail"}" data-event="${c.eventIndex ?? ""}" ${c.eventIndex !== undefined ? 'title="jump to the event"' : ""}>
          <span class="mark">${c.passed ? "✓" : "✗"}</span><span class="text"><b>${esc(c.id)}</b> ${esc(c.message)}</span>${c.eventIndex !== undefined ? `<span class="jump">#${c.eventIndex} ↗</span>` : ""}</div>`,
      )
      .join("")}</div>
    <h3>Rubric</h3>
    <div class="rubric">${score.rubric.map((r) => `<div class="dim"><span class="name">${esc(words(r.dimension))}</span><span class="bar"><span class="fill s${r.score}" style="width:${r.score * 20}%"></span></span><span class="score s${r.score}">${r.score}</span></div><div class="reason">${esc(r.reason)}</div>`).join("")}</div>`;
}

function replySummary(reply: ForkedReplies["replies"][number]): string {
  return reply.events
    .map((e) => {
      if (e.type === "agent_speech") return `<p>${esc(e.said)}</p>`;
      if (e.type === "tool_call") return `<p class="tool-mini">→ ${esc(e.tool)}</p>`;
      if (e.type === "tool_result") return `<p class="tool-mini ${e.outcome.ok ? "" : "bad"}">← ${e.outcome.ok ? "ok" : esc(e.outcome.error.code)}</p>`;
      return "";
    })
    .join("");
}

function forkColumns(fork: ForkedReplies, pair: ForkPair | undefined): string {
  return fork.replies
    .map((r) => {
      const role = pair?.preferred === r.index ? "preferred" : pair?.rejected === r.index ? "rejected" : "";
      const label = role === "preferred" ? "✓ preferred" : role === "rejected" ? "✗ rejected" : "candidate";
      return `<div class="reply ${role}"><div class="reply-head"><b>${r.index === 0 ? "the call's reply" : `alternative ${r.index}`}</b><span class="role">${label}</span></div>
        ${replySummary(r)}
        ${r.injectedFlaws.length ? `<div class="flaws">${r.injectedFlaws.map((f) => `<span class="pill flaw">${esc(words(f))}</span>`).join(" ")}</div>` : ""}
        ${role === "rejected" && pair ? `<div class="why">${esc(pair.reasons.join("; "))}</div>` : ""}</div>`;
    })
    .join("");
}

function renderForks(forks: ForkedReplies[], pairs: ForkPair[]): void {
  if (forks.length === 0) {
    $("forks").innerHTML = "";
    return;
  }
  $("forks").innerHTML = `<h2>Forked turns</h2>${forks
    .map((fork) => {
      const pair = pairs.find((p) => p.forkId === fork.id);
      return `<div class="forkset" data-fork="${esc(fork.id)}"><div class="fork-head">after event #${fork.afterEvent} · ${esc(words(fork.reason))}
        ${pair ? "" : '<span class="muted">· no clear preference, not exported</span>'}<button class="link compare-open" data-fork="${esc(fork.id)}">side by side ↗</button></div>
        <div class="replies">${forkColumns(fork, pair)}</div></div>`;
    })
    .join("")}`;
}

function openCompare(forkId: string): void {
  const fork = header?.forks.find((f) => f.id === forkId);
  if (!fork) return;
  const pair = header?.pairs.find((p) => p.forkId === forkId);
  const box = $("compare");
  box.innerHTML = `<div class="sheet"><div class="sheet-head"><h2>${fork.replies.length} agent replies from the same moment</h2><span class="muted">after event #${fork.afterEvent} · ${esc(words(fork.reason))}</span><button class="close" aria-label="close">✕</button></div>
    <div class="columns" style="grid-template-columns:repeat(${fork.replies.length}, 1fr)">${forkColumns(fork, pair)}</div></div>`;
  box.hidden = false;
}

function jumpTo(index: number): void {
  send({ type: "pause" });
  send({ type: "seek", eventIndex: index + 1 });
  setTimeout(() => {
    const el = document.querySelector<HTMLElement>(`#transcript [data-index="${index}"], #transcript [data-result-index="${index}"]`)?.closest<HTMLElement>(".bubble, .tool, .gap, .end") ?? null;
    if (!el) return;
    el.scrollIntoView({ block: "center", behavior: "smooth" });
    el.classList.remove("focus");
    void el.offsetWidth; // restart the highlight animation
    el.classList.add("focus");
  }, 150);
}

function move(delta: number): void {
  const index = items.findIndex((i) => i.id === current);
  const next = items[Math.max(0, Math.min(items.length - 1, index + delta))];
  if (next && next.id !== current) subscribe(next.id);
}

// ---------------------------------------------------------------- wiring

$("items").addEventListener("click", (event) => {
  const li = (event.target as HTMLElement).closest("li");
  if (li?.dataset.id) subscribe(li.dataset.id);
});
$("judge").addEventListener("click", (event) => {
  const index = (event.target as HTMLElement).closest<HTMLElement>(".check")?.dataset.event;
  if (index) jumpTo(Number(index));
});
$("timeline").addEventListener("click", (event) => {
  const box = $("timeline");
  const rect = box.getBoundingClientRect();
  const fraction = (event.clientX - rect.left) / rect.width;
  const at = fraction * Number(box.dataset.end ?? 1);
  const marks = header?.timeline ?? [];
  // Everything that started before the clicked moment is shown; the far right end means all of it.
  const index = fraction >= 0.985 ? -1 : marks.findIndex((m) => m.at > at);
  send({ type: "seek", eventIndex: index < 0 ? marks.length : index });
});
document.addEventListener("click", (event) => {
  const target = event.target as HTMLElement;
  const forkButton = target.closest<HTMLElement>(".compare-open, .fork-point");
  if (forkButton?.dataset.fork) openCompare(forkButton.dataset.fork);
  if (target.closest(".close") || target.id === "compare") $("compare").hidden = true;
});
$("play").addEventListener("click", () => send({ type: playing ? "pause" : "play" }));
$("back").addEventListener("click", () => send({ type: "step", direction: "back" }));
$("forward").addEventListener("click", () => send({ type: "step", direction: "forward" }));
$("prev").addEventListener("click", () => move(-1));
$("next").addEventListener("click", () => move(1));
$("speed").addEventListener("change", () => send({ type: "speed", factor: Number($<HTMLSelectElement>("speed").value) }));
let filterTimer: ReturnType<typeof setTimeout> | undefined;
for (const id of ["search", "verdict", "stage", "intent", "fault", "persona", "minScore", "maxScore"]) {
  $(id).addEventListener("input", () => {
    if (filterTimer) clearTimeout(filterTimer);
    filterTimer = setTimeout(requestList, 150);
  });
}
document.addEventListener("keydown", (event) => {
  if ((event.target as HTMLElement).matches("input, select, textarea") || event.metaKey || event.ctrlKey || event.altKey) return;
  if (event.key === "Escape") $("compare").hidden = true;
  else if (event.key === " ") {
    event.preventDefault();
    send({ type: playing ? "pause" : "play" });
  } else if (event.key === "ArrowRight") {
    event.preventDefault();
    send({ type: "step", direction: "forward" });
  } else if (event.key === "ArrowLeft") {
    event.preventDefault();
    send({ type: "step", direction: "back" });
  } else if (event.key === "j") move(1);
  else if (event.key === "k") move(-1);
});

connect();
