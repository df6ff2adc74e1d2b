import type { Difficulty, Reject, RubricDimension } from "../../scenarios/index.ts";
import type { PassHatK } from "../judge/pass-hat-k.ts";
import type { LatencySummary, Percentiles } from "./agent-latency.ts";
import type { ComplicationCoverage } from "./complication-coverage.ts";

/** Everything the report shows; the pipeline fills it from the run. */
export interface ReportData {
  title: string;
  packId: string;
  seed: number;
  createdAt: string;
  backends: { agent: string; caller: string; judge: string; critic: string };
  funnel: Array<{ stage: string; count: number }>;
  rounds: Array<{ round: number; proposed: number; accepted: number; conversations: number; acceptedConversations: number; feedback: string }>;
  rubric: Array<{ dimension: RubricDimension; score: number }>;
  passHatK: PassHatK[];
  coverage: Array<{ intent: string; difficulty: Difficulty; faults: string[] }>;
  /** Complications counted by what the calls show, not by what the scenarios planned. */
  complications: ComplicationCoverage[];
  refusals: { expected: number; correct: number; accepted: number };
  fidelityFailures: Array<{ id: string; issues: string[] }>;
  tokens: { prompt: number; completion: number; modelCalls: number; cachedCalls: number };
  estimatedCostUsd: number;
  dataset: { sft: number; preference: number; piiReplacements: number; rewrites: number; rewriteFailures?: number };
  rejects: Reject[];
  checkFailures: Record<string, number>;
  /** For agents outside voicesim (WebSocket, HTTP): measured time to first speech and tool steps. */
  agentLatency?: LatencySummary;
}

const msPair = (p: Percentiles | null) => (p ? `${Math.round(p.p50)} ms / ${Math.round(p.p95)} ms (${p.n})` : "—");

const esc = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const pct = (n: number) => `${Math.round(n * 100)}%`;

/** A horizontal bar chart in inline SVG (no scripts, no network: the report opens anywhere). */
function bars(rows: Array<{ label: string; value: number; note?: string }>, color = "#3b6fd8"): string {
  const max = Math.max(1, ...rows.map((r) => r.value));
  const height = rows.length * 28 + 8;
  const items = rows
    .map((r, i) => {
      const width = Math.max(2, (r.value / max) * 420);
      const y = i * 28 + 4;
      return `<text x="0" y="${y + 15}" class="lbl">${esc(r.label)}</text><rect x="190" y="${y}" width="${width}" height="20" rx="3" fill="${color}"/><text x="${196 + width}" y="${y + 15}" class="val">${r.value}${r.note ? ` · ${esc(r.note)}` : ""}</text>`;
    })
    .join("");
  return `<svg viewBox="0 0 720 ${height}" width="100%" role="img">${items}</svg>`;
}

/** Histogram of 1–5 scores for one rubric dimension. */
function histogram(scores: number[]): string {
  const counts = [1, 2, 3, 4, 5].map((s) => scores.filter((x) => x === s).length);
  const max = Math.max(1, ...counts);
  const colors = ["#d9534f", "#f0883e", "#e3b341", "#8cc265", "#2e9d5b"];
  const cols = counts
    .map((c, i) => {
      const h = (c / max) * 70;
      return `<rect x="${i * 34 + 4}" y="${80 - h}" width="28" height="${h}" rx="2" fill="${colors[i]}"/><text x="${i * 34 + 18}" y="94" class="axis">${i + 1}</text><text x="${i * 34 + 18}" y="${76 - h}" class="axis">${c || ""}</text>`;
    })
    .join("");
  return `<svg viewBox="0 -12 180 112" width="180" height="112">${cols}</svg>`;
}

/** The run report as self-contained HTML (charts in SVG) and as Markdown. */
export function renderReport(data: ReportData): { html: string; markdown: string } {
  const dims = [...new Set(data.rubric.map((r) => r.dimension))];
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  const intents = [...new Set(data.coverage.map((c) => c.intent))].sort();
  const levels: Difficulty[] = ["easy", "medium", "hard"];
  const missed = data.complications.filter((c) => c.happened < c.planned);
  const faultCounts = countAll(data.coverage.flatMap((c) => c.faults));
  const rejectStages = countAll(data.rejects.map((r) => r.stage));
  const examples = pickExamples(data.rejects);
  const first = data.funnel[0]?.count ?? 0;
  const last = data.funnel.at(-1)?.count ?? 0;

  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(data.title)}</title>
<style>
:root{--ink:#1d2433;--muted:#5f6b7a;--line:#e3e7ee;--bg:#f7f8fb;--card:#fff;--accent:#3b6fd8}
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
header{background:#172033;color:#fff;padding:28px 40px}header h1{margin:0 0 6px;font-size:24px}header p{margin:0;color:#b8c2d6}
main{max-width:1100px;margin:0 auto;padding:24px 40px 60px}
.grid{display:grid;grid-template-columns:repeat(4,1fr);gap:14px;margin:0 0 22px}
.kpi{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:14px 16px}.kpi b{display:block;font-size:26px}.kpi span{color:var(--muted);font-size:13px}
section{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:18px 22px;margin:0 0 18px}
section h2{font-size:17px;margin:0 0 12px}
table{border-collapse:collapse;width:100%;font-size:14px}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line)}th{color:var(--muted);font-weight:600}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.hists{display:flex;flex-wrap:wrap;gap:18px}.hist{text-align:center;font-size:13px;color:var(--muted)}
.lbl{font-size:13px;fill:#1d2433}.val{font-size:12px;fill:#5f6b7a}.axis{font-size:10px;fill:#5f6b7a;text-anchor:middle}
.heat td.c{text-align:center;border-radius:4px}.tag{display:inline-block;background:#eef2fb;color:#2c4a8c;border-radius:10px;padding:1px 8px;margin:2px;font-size:12px}
.muted{color:var(--muted)}code{background:#f1f3f7;padding:1px 5px;border-radius:4px}
</style></head><body>
<header><h1>${esc(data.title)}</h1><p>pack <b>${esc(data.packId)}</b> · seed ${data.seed} · ${esc(data.createdAt.slice(0, 19).replace("T", " "))} · agent ${esc(data.backends.agent)} · caller ${esc(data.backends.caller)} · judge ${esc(data.backends.judge)}</p></header>
<main>
<div class="grid">
<div class="kpi"><b>${data.dataset.sft}</b><span>SFT conversations</span></div>
<div class="kpi"><b>${data.dataset.preference}</b><span>preference pairs</span></div>
<div class="kpi"><b>${first ? pct(last / Math.max(1, data.funnel.find((f) => f.stage === "conversations")?.count ?? 1)) : "–"}</b><span>of calls kept</span></div>
<div class="kpi"><b>${data.refusals.correct}</b><span>kept calls with a correct refusal</span></div>
</div>
<section><h2>Funnel</h2>${bars(data.funnel.map((f) => ({ label: f.stage, value: f.count })))}</section>
<section><h2>Yield per round</h2><table><tr><th>round</th><th>proposed</th><th>accepted scenarios</th><th>calls</th><th>accepted calls (cumulative)</th><th>critic feedback it started from</th></tr>
${data.rounds.map((r) => `<tr><td>${r.round}</td><td class="n">${r.proposed}</td><td class="n">${r.accepted}</td><td class="n">${r.conversations}</td><td class="n">${r.acceptedConversations}</td><td class="muted">${esc(r.feedback || "—")}</td></tr>`).join("")}</table></section>
<section><h2>Rubric scores</h2><div class="hists">${dims.map((d) => `<div class="hist">${histogram(data.rubric.filter((r) => r.dimension === d).map((r) => r.score))}<div><b>${esc(d.replace("_", " "))}</b> · mean ${mean(data.rubric.filter((r) => r.dimension === d).map((r) => r.score)).toFixed(2)}</div></div>`).join("")}</div></section>
<section><h2>Reliability: pass^k</h2><p class="muted">The chance that k tries of the same scenario all pass (τ-bench). 95% bootstrap interval over scenarios.</p><table><tr><th>k</th><th>pass^k</th><th>95% interval</th><th>scenarios</th></tr>
${data.passHatK.map((p) => `<tr><td>${p.k}</td><td class="n">${p.value.toFixed(3)}</td><td class="n">${p.low.toFixed(3)} – ${p.high.toFixed(3)}</td><td class="n">${p.scenarios}</td></tr>`).join("")}</table></section>
${data.agentLatency ? `<section><h2>Agent latency</h2><p class="muted">Wall-clock, measured for the agent under test: from the caller's turn to its first words, and each tool step. A turn over ${data.agentLatency.slowTurnMs} ms is dead air the caller hears.</p><table><tr><th></th><th>p50 / p95 (turns)</th></tr><tr><td>first speech</td><td class="n">${msPair(data.agentLatency.firstSpeech)}</td></tr><tr><td>tool step</td><td class="n">${msPair(data.agentLatency.toolTime)}</td></tr></table>${data.agentLatency.slowTurns.length ? `<p>Slow turns: ${data.agentLatency.slowTurns.slice(0, 20).map((t) => `<code>${esc(t.conversationId)}</code> turn ${t.turn} (${t.firstSpeechMs} ms)`).join(", ")}${data.agentLatency.slowTurns.length > 20 ? ` and ${data.agentLatency.slowTurns.length - 20} more` : ""}</p>` : "<p>No slow turns.</p>"}</section>` : ""}
<section><h2>Coverage</h2><table class="heat"><tr><th>intent</th>${levels.map((l) => `<th>${l}</th>`).join("")}</tr>
${intents.map((intent) => `<tr><td>${esc(intent)}</td>${levels.map((l) => heatCell(data.coverage.filter((c) => c.intent === intent && c.difficulty === l).length)).join("")}</tr>`).join("")}</table>
<h3>Complications</h3><p class="muted">Calls in which the complication happened (the events show it), of the calls whose scenario planned it.</p>${bars(data.complications.map((c) => ({ label: c.label, value: c.happened, note: `of ${c.planned} planned · ${c.inDataset} in dataset` })), "#7a5cc7")}
${missed.length ? `<p>Planned but not played in every call: ${missed.map((c) => `<code>${esc(c.label)}</code> ${c.planned - c.happened} of ${c.planned}`).join(", ")}.</p>` : ""}
<h3>Tool faults</h3>${bars(faultCounts.map(([k, v]) => ({ label: k, value: v })), "#c7563b")}</section>
<section><h2>Checks that failed most</h2>${bars(Object.entries(data.checkFailures).sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, v]) => ({ label: k, value: v })), "#d9534f")}</section>
<section><h2>Refusals and caller fidelity</h2><p>${data.refusals.correct} of ${data.refusals.accepted} kept calls contain a correct refusal (${data.refusals.expected} were set up to need one).${data.refusals.correct === 0 ? " <b>No refusal examples reached the dataset: add refusal traps to the pack.</b>" : ""}</p>
<p>${data.fidelityFailures.length} calls were dropped because the simulated caller strayed from its scenario (not counted against the agent).</p>
${data.fidelityFailures.slice(0, 5).map((f) => `<div><code>${esc(f.id)}</code> <span class="muted">${esc(f.issues.join("; "))}</span></div>`).join("")}</section>
<section><h2>Tokens and cost</h2><table><tr><td>prompt tokens</td><td class="n">${data.tokens.prompt}</td></tr><tr><td>completion tokens</td><td class="n">${data.tokens.completion}</td></tr><tr><td>model calls (cache hits)</td><td class="n">${data.tokens.modelCalls} (${data.tokens.cachedCalls})</td></tr><tr><td>estimated cost</td><td class="n">$${data.estimatedCostUsd.toFixed(4)}</td></tr><tr><td>PII replacements in the dataset</td><td class="n">${data.dataset.piiReplacements}</td></tr><tr><td>agent turns rewritten to voice style</td><td class="n">${data.dataset.rewrites}</td></tr>${data.dataset.rewriteFailures ? `<tr><td>turns the rewriter failed on (kept as they were, see dataset/rewrites.jsonl)</td><td class="n">${data.dataset.rewriteFailures}</td></tr>` : ""}</table></section>
<section><h2>Reject pile</h2>${bars(rejectStages.map(([k, v]) => ({ label: k, value: v })), "#8a94a6")}
<table><tr><th>stage</th><th>id</th><th>reason</th></tr>${examples.map((r) => `<tr><td>${esc(r.stage)}</td><td><code>${esc(r.id)}</code></td><td class="muted">${esc(r.reason.slice(0, 220))}</td></tr>`).join("")}</table></section>
</main></body></html>
`;

  const markdown = [
    `# ${data.title}`,
    "",
    `pack \`${data.packId}\` · seed ${data.seed} · agent ${data.backends.agent} · caller ${data.backends.caller} · judge ${data.backends.judge}`,
    "",
    `**${data.dataset.sft}** SFT conversations · **${data.dataset.preference}** preference pairs · **${data.refusals.correct}** kept calls with a correct refusal`,
    "",
    "## Funnel",
    "",
    "| stage | count |",
    "|---|---:|",
    ...data.funnel.map((f) => `| ${f.stage} | ${f.count} |`),
    "",
    "## Yield per round",
    "",
    "| round | proposed | accepted scenarios | calls | accepted calls | feedback |",
    "|---:|---:|---:|---:|---:|---|",
    ...data.rounds.map((r) => `| ${r.round} | ${r.proposed} | ${r.accepted} | ${r.conversations} | ${r.acceptedConversations} | ${r.feedback || "—"} |`),
    "",
    "## Rubric (mean)",
    "",
    ...dims.map((d) => `- ${d}: ${mean(data.rubric.filter((r) => r.dimension === d).map((r) => r.score)).toFixed(2)}`),
    "",
    "## pass^k",
    "",
    "| k | pass^k | 95% interval |",
    "|---:|---:|---|",
    ...data.passHatK.map((p) => `| ${p.k} | ${p.value.toFixed(3)} | ${p.low.toFixed(3)}–${p.high.toFixed(3)} |`),
    "",
    ...(data.agentLatency
      ? [
          "## Agent latency",
          "",
          `First speech p50 / p95: ${msPair(data.agentLatency.firstSpeech)}; tool step: ${msPair(data.agentLatency.toolTime)}; turns over ${data.agentLatency.slowTurnMs} ms: ${data.agentLatency.slowTurns.map((t) => `${t.conversationId} turn ${t.turn} (${t.firstSpeechMs} ms)`).join(", ") || "none"}.`,
          "",
        ]
      : []),
    "## Coverage (accepted scenarios)",
    "",
    `| intent | ${levels.join(" | ")} |`,
    `|---|${levels.map(() => "---:").join("|")}|`,
    ...intents.map((i) => `| ${i} | ${levels.map((l) => data.coverage.filter((c) => c.intent === i && c.difficulty === l).length).join(" | ")} |`),
    "",
    `Complications, calls where it happened / calls that planned it / in the dataset: ${data.complications.map((c) => `${c.label} ${c.happened}/${c.planned}/${c.inDataset}`).join(", ") || "none"}.`,
    "",
    `Faults: ${faultCounts.map(([k, v]) => `${k} ${v}`).join(", ") || "none"}.`,
    "",
    "## Tokens and cost",
    "",
    `${data.tokens.prompt} prompt + ${data.tokens.completion} completion tokens, ${data.tokens.modelCalls} model calls (${data.tokens.cachedCalls} from cache), about $${data.estimatedCostUsd.toFixed(4)}.`,
    "",
    "## Reject pile",
    "",
    ...rejectStages.map(([k, v]) => `- ${k}: ${v}`),
    "",
    ...examples.map((r) => `- \`${r.stage}\` ${r.id}: ${r.reason.slice(0, 200)}`),
    "",
  ].join("\n");
  return { html, markdown };
}

function heatCell(n: number): string {
  const shade = n === 0 ? "#fbecec" : n < 3 ? "#e8f0fc" : n < 6 ? "#c9dbf7" : "#9fbcef";
  return `<td class="c" style="background:${shade}">${n}</td>`;
}

function countAll(items: readonly string[]): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** A few rejects of each stage, so a reviewer sees what the filters catch. */
function pickExamples(rejects: readonly Reject[]): Reject[] {
  const byStage = new Map<string, Reject[]>();
  for (const r of rejects) byStage.set(r.stage, [...(byStage.get(r.stage) ?? []), r]);
  return [...byStage.values()].flatMap((list) => list.slice(0, 3));
}
