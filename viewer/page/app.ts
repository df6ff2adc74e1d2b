// The replay page: plain TypeScript, bundled by esbuild when the viewer starts.
import type { ConversationEvent, ForkedReplies, Scenario, Score } from "../../scenarios/index.ts";
import type { ForkPair, ListItem, ServerMessage } from "../protocol.ts";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const esc = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

let socket: WebSocket;
let items: ListItem[] = [];
let current: string | undefined;
let events: ConversationEvent[] = [];
let playing = false;
let score: Score | null = null;
let worldChanges: unknown[] = [];

function connect(): void {
  socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`);
  socket.addEventListener("open", () => requestList());
  socket.addEventListener("message", (message) => handle(JSON.parse(String(message.data)) as ServerMessage));
  socket.addEventListener("close", () => setTimeout(connect, 1000));
}

function send(message: object): void {
  if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

function requestList(): void {
  const filters: Record<string, unknown> = {};
  const value = (id: string) => $<HTMLInputElement>(id).value.trim();
  for (const key of ["verdict", "stage", "intent", "fault", "persona"]) if (value(key)) filters[key] = value(key);
  if (value("search")) filters.text = value("search");
  if (value("minScore")) filters.minScore = Number(value("minScore"));
  send({ type: "list", filters });
}

function handle(message: ServerMessage): void {
  switch (message.type) {
    case "list":
      items = message.items;
      renderList();
      $("counts").textContent = `${message.counts.shown} of ${message.counts.total} calls · ${message.counts.accept} accepted · ${message.counts.reject} rejected`;
      fillOptions(message.items);
      break;
    case "conversation_added":
      if (!items.some((i) => i.id === message.item.id)) {
        items.push(message.item);
        renderList();
      }
      break;
    case "conversation":
      current = message.id;
      score = message.score;
      worldChanges = message.worldChanges;
      events = [];
      $("transcript").innerHTML = "";
      $("world").innerHTML = "";
      renderHeader(message);
      renderScenario(message.scenario);
      renderJudge(message.score, message.rejects);
      renderForks(message.forks, message.pairs);
      renderList();
      break;
    case "reset":
      events = events.slice(0, message.position);
      $("transcript").innerHTML = "";
      $("world").innerHTML = "";
      break;
    case "event":
      events[message.index] = message.event;
      renderEvent(message.event, message.index);
      break;
    case "state":
      playing = message.playing;
      $("play").textContent = playing ? "❚❚ Pause" : "▶ Play";
      $("position").textContent = `${message.position} / ${message.total} events`;
      if (message.position >= message.total && message.total > 0 && !$("world").innerHTML) renderWorld();
      break;
    case "error":
      console.warn("viewer:", message.message);
      break;
  }
}

function renderList(): void {
  $("items").innerHTML = items
    .map(
      (item) => `<li data-id="${esc(item.id)}" class="${item.id === current ? "active" : ""}">
        <div class="title">${esc(item.title)}</div>
        <div class="meta"><span class="pill ${item.verdict}">${item.verdict}${item.score !== null ? ` ${item.score.toFixed(1)}` : ""}</span>
        ${item.live ? '<span class="pill live">live</span>' : ""}
        ${item.rejectedAt ? `<span class="pill reject">${esc(item.rejectedAt)}</span>` : ""}
        ${item.faults.map((f) => `<span class="pill fault">${esc(f)}</span>`).join("")}
        <span>${esc(item.id)}</span></div></li>`,
    )
    .join("");
}

function fillOptions(list: ListItem[]): void {
  for (const [id, values] of [
    ["intent", list.map((i) => i.intent)],
    ["fault", list.flatMap((i) => i.faults)],
    ["persona", list.map((i) => i.persona)],
  ] as const) {
    const select = $<HTMLSelectElement>(id);
    const known = new Set([...select.options].map((o) => o.value));
    for (const value of [...new Set(values)].sort()) {
      if (value && !known.has(value)) select.add(new Option(value, value));
    }
  }
}

function renderHeader(message: Extract<ServerMessage, { type: "conversation" }>): void {
  const title = message.scenario?.title ?? message.id;
  $("callHeader").innerHTML = `<h1>${esc(title)}</h1><p class="muted">${esc(message.id)} · ${message.live ? "live" : `${seconds(message.meta.durationMs)} · ended: ${esc(message.meta.endReason)}`} · agent ${esc(message.meta.backends.agent)} · caller ${esc(message.meta.backends.caller)}${message.meta.injectedFlaws.length ? ` · injected flaw: <b>${esc(message.meta.injectedFlaws.join(", "))}</b>` : ""}</p>`;
}

/** Word-level diff of what was said and what the recogniser heard (LCS over words). */
function asrDiff(said: string, heard: string): string {
  const a = said.split(/\s+/).filter(Boolean);
  const b = heard.split(/\s+/).filter(Boolean);
  const norm = (w: string) => w.toLowerCase().replace(/[^a-z0-9']/g, "");
  const table = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) for (let j = b.length - 1; j >= 0; j--) table[i]![j] = norm(a[i]!) === norm(b[j]!) ? table[i + 1]![j + 1]! + 1 : Math.max(table[i + 1]![j]!, table[i]![j + 1]!);
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && norm(a[i]!) === norm(b[j]!)) {
      out.push(esc(b[j]!));
      i++;
      j++;
    } else if (j < b.length && (i >= a.length || table[i]![j + 1]! >= table[i + 1]![j]!)) {
      out.push(`<span class="asr">${esc(b[j]!)}</span>`);
      j++;
    } else {
      out.push(`<span class="asr missing">${esc(a[i]!)}</span>`);
      i++;
    }
  }
  return out.join(" ");
}

function flaggedEvents(): Set<number> {
  return new Set((score?.checks ?? []).filter((c) => !c.passed && c.eventIndex !== undefined).map((c) => c.eventIndex as number));
}

function renderEvent(event: ConversationEvent, index: number): void {
  const box = $("transcript");
  const el = document.createElement("div");
  el.dataset.index = String(index);
  const flagged = flaggedEvents().has(index) ? " flagged" : "";
  switch (event.type) {
    case "caller_speech": {
      el.className = `bubble caller${flagged}`;
      const differs = event.heard !== event.said;
      el.innerHTML = `<div class="who"><span>Caller${event.bargedIn ? " · talked over the agent" : ""}</span><span>${seconds(event.at)}</span></div>
        <div>${event.dtmf ? `⌨ keypad: <b>${esc(event.dtmf)}</b>` : esc(event.said)}</div>
        ${differs && !event.dtmf ? `<div class="heard"><span class="label">agent heard:</span> ${asrDiff(event.said, event.heard)}</div>` : ""}`;
      break;
    }
    case "agent_speech": {
      el.className = `bubble agent${flagged}`;
      const heard = event.callerHeard;
      const rest = event.interrupted ? event.said.slice(heard.length) : "";
      el.innerHTML = `<div class="who"><span>Agent</span><span>${seconds(event.at)}</span></div>
        <div>${esc(heard)}${rest ? `<span class="unheard">${esc(rest)}</span>` : ""}</div>
        ${event.interrupted ? '<div class="cut">✂ cut off by the caller here</div>' : ""}`;
      break;
    }
    case "tool_call":
      el.className = "tool";
      el.innerHTML = `→ <span class="name">${esc(event.tool)}</span>(${esc(JSON.stringify(event.args))})`;
      break;
    case "tool_result": {
      const failed = !event.outcome.ok || Boolean(event.fault);
      el.className = `tool${failed ? " fault" : ""}${flagged}`;
      const body = event.outcome.ok ? JSON.stringify(event.outcome.result) : `${event.outcome.error.code}: ${event.outcome.error.message}`;
      el.innerHTML = `← <span class="name">${esc(event.tool)}</span>${event.fault ? ` <b>[${esc(event.fault)}]</b>` : ""} ${seconds(event.latencyMs)} · ${esc(body.slice(0, 240))}`;
      break;
    }
    case "silence":
      el.className = `gap${event.durationMs >= 5000 ? " long" : ""}`;
      el.textContent = event.who === "caller" ? `… caller silent ${seconds(event.durationMs)}` : `… dead air ${seconds(event.durationMs)} while the system works`;
      break;
    case "end":
      el.className = "end";
      el.textContent = `— call ended: ${event.reason.replace(/_/g, " ")}${event.note ? ` (${event.note})` : ""} at ${seconds(event.at)} —`;
      break;
  }
  box.appendChild(el);
  el.scrollIntoView({ block: "nearest" });
}

function renderWorld(): void {
  if (worldChanges.length === 0) {
    $("world").innerHTML = `<h3>World changes</h3><p class="muted">The call changed nothing in the backend.</p>`;
    return;
  }
  $("world").innerHTML = `<h3>World changes</h3><pre>${esc(worldChanges.map((c) => JSON.stringify(c)).join("\n"))}</pre>`;
}

function renderScenario(scenario: Scenario | null): void {
  if (!scenario) {
    $("scenario").innerHTML = "";
    return;
  }
  $("scenario").innerHTML = `<h2>Scenario</h2><div class="kv">
    <b>persona</b><span>${esc(scenario.persona)}</span>
    <b>goal</b><span>${esc(scenario.goal.description)}</span>
    <b>intent</b><span>${esc(scenario.goal.intent)} · ${esc(scenario.difficulty)}</span>
    <b>complications</b><span>${scenario.complications.map((c) => `<span class="pill">${esc(c.kind === "refusal_trap" ? `trap: ${c.trap}` : c.kind)}</span>`).join(" ") || "none"}</span>
    <b>fault plan</b><span>${scenario.faultPlan.map((f) => `<span class="pill fault">${esc(f.kind)} on ${esc(f.tool)}</span>`).join(" ") || "none"}</span>
  </div>`;
}

function renderJudge(s: Score | null, rejects: Array<{ stage: string; reason: string }>): void {
  if (!s) {
    $("judge").innerHTML = `<h2>Judge</h2><p class="muted">Not judged (a simulate-only run).</p>`;
    return;
  }
  const checks = [...s.checks].sort((a, b) => Number(a.passed) - Number(b.passed));
  $("judge").innerHTML = `<h2>Judge</h2>
    <div class="verdict ${s.verdict}">${s.verdict === "accept" ? "✓ accepted" : "✗ rejected"} · ${s.weightedScore.toFixed(2)}</div>
    ${rejects.map((r) => `<div class="muted">dropped at <b>${esc(r.stage)}</b>: ${esc(r.reason.slice(0, 200))}</div>`).join("")}
    <div class="checks">${checks
      .map((c) => `<div class="check ${c.passed ? "pass" : "fail"}" data-event="${c.eventIndex ?? ""}"><span class="mark">${c.passed ? "✓" : "✗"}</span><span><b>${esc(c.id)}</b> ${esc(c.message)}</span></div>`)
      .join("")}</div>
    <div class="rubric">${s.rubric.map((r) => `<span>${esc(r.dimension.replace("_", " "))}</span><span class="score s${r.score}">${r.score}</span><span class="muted">${esc(r.reason)}</span>`).join("")}</div>
    ${s.callerFidelity.ok ? "" : `<p class="muted">caller strayed: ${esc(s.callerFidelity.issues.join("; "))}</p>`}`;
}

function renderForks(forks: ForkedReplies[], pairs: ForkPair[]): void {
  if (forks.length === 0) {
    $("forks").innerHTML = "";
    return;
  }
  const speech = (reply: ForkedReplies["replies"][number]) =>
    reply.events
      .map((e) => (e.type === "agent_speech" ? esc(e.said) : e.type === "tool_call" ? `<code>${esc(e.tool)}</code>` : e.type === "tool_result" && !e.outcome.ok ? `<code>${esc(e.outcome.error.code)}</code>` : ""))
      .filter(Boolean)
      .join(" · ");
  $("forks").innerHTML = `<h2>Forked replies</h2>${forks
    .map(
      (fork) => {
        const pair = pairs.find((p) => p.forkId === fork.id);
        const label = (r: ForkedReplies["replies"][number]) =>
          pair?.preferred === r.index ? "✓ preferred" : pair?.rejected === r.index ? `✗ rejected: ${esc(pair.reasons.join(", "))}` : r.injectedFlaws.length ? `flaw: ${esc(r.injectedFlaws.join(", "))}` : "no flaw";
        const css = (r: ForkedReplies["replies"][number]) => (pair?.preferred === r.index ? "preferred" : pair?.rejected === r.index ? "rejected" : "");
        return `<div class="forkset"><div class="muted">after event ${fork.afterEvent} · ${esc(fork.reason.replace(/_/g, " "))}${pair ? "" : " · no clear preference (not exported)"}</div>
      <div class="replies">${fork.replies.map((r) => `<div class="reply ${css(r)}"><b>${label(r)}</b><br>${speech(r)}</div>`).join("")}</div></div>`;
      },
    )
    .join("")}`;
}

function move(delta: number): void {
  const index = items.findIndex((i) => i.id === current);
  const next = items[Math.max(0, Math.min(items.length - 1, index + delta))];
  if (next) send({ type: "subscribe", conversationId: next.id });
}

$("items").addEventListener("click", (event) => {
  const li = (event.target as HTMLElement).closest("li");
  if (li?.dataset.id) send({ type: "subscribe", conversationId: li.dataset.id });
});
$("judge").addEventListener("click", (event) => {
  const check = (event.target as HTMLElement).closest<HTMLElement>(".check");
  const index = check?.dataset.event;
  if (index) {
    send({ type: "seek", eventIndex: Number(index) + 1 });
    setTimeout(() => document.querySelector(`[data-index="${index}"]`)?.scrollIntoView({ block: "center" }), 100);
  }
});
$("play").addEventListener("click", () => send({ type: playing ? "pause" : "play" }));
$("back").addEventListener("click", () => send({ type: "step", direction: "back" }));
$("forward").addEventListener("click", () => send({ type: "step", direction: "forward" }));
$("prev").addEventListener("click", () => move(-1));
$("next").addEventListener("click", () => move(1));
$("speed").addEventListener("change", () => send({ type: "speed", factor: Number($<HTMLSelectElement>("speed").value) }));
for (const id of ["search", "verdict", "stage", "intent", "fault", "persona", "minScore"]) $(id).addEventListener("input", () => requestList());
document.addEventListener("keydown", (event) => {
  if ((event.target as HTMLElement).matches("input, select")) return;
  if (event.key === " ") {
    event.preventDefault();
    send({ type: playing ? "pause" : "play" });
  } else if (event.key === "ArrowRight") send({ type: "step", direction: "forward" });
  else if (event.key === "ArrowLeft") send({ type: "step", direction: "back" });
  else if (event.key === "j") move(1);
  else if (event.key === "k") move(-1);
});

connect();
