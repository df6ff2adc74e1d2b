import type { Percentiles } from "../report/agent-latency.ts";
import type { AgentSummary, Comparison, PassHatKDiff } from "./compare-runs.ts";

/** The viewer port the report's call links assume unless told (`voicesim compare --viewer-port`). */
export const COMPARE_VIEWER_PORT = 4173;

export interface RenderComparisonOptions {
  /** The port `voicesim view <run> --port <p>` is started on to open the call links; default 4173. */
  viewerPort?: number;
}

const esc = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const f3 = (n: number) => n.toFixed(3);
const signed = (n: number) => `${n > 0 ? "+" : n < 0 ? "−" : "±"}${Math.abs(n).toFixed(3)}`;
const ms = (p: Percentiles | null) => (p ? `${Math.round(p.p50)} / ${Math.round(p.p95)} ms` : "—");
const usd = (n: number) => `$${n.toFixed(4)}`;
const verdict = (d: PassHatKDiff) => (d.isRegression ? "REGRESSION" : d.isImprovement ? "improvement" : "within noise");

/** A few lines for a CI log: one per candidate and k, then the regressed checks. */
export function compareSummary(comparison: Comparison): string {
  const { baseline } = comparison;
  const lines = [`compare: baseline ${baseline.agent} (${baseline.dir}), ${comparison.scenarios.length} scenarios in common${comparison.unmatched.length ? `, ${comparison.unmatched.length} left out (not in every run)` : ""}`];
  comparison.candidates.forEach((candidate, i) => {
    lines.push(`candidate ${candidate.agent} (${candidate.dir})`);
    for (const d of comparison.diffs[i] ?? []) {
      const before = baseline.passHatK[d.k - 1]?.value ?? 0;
      const after = candidate.passHatK[d.k - 1]?.value ?? 0;
      lines.push(`  pass^${d.k} ${f3(before)} -> ${f3(after)}  diff ${signed(d.diff)}  95% CI [${signed(d.low)}, ${signed(d.high)}]  ${verdict(d)}`);
    }
    const regressed = comparison.scenarios.flatMap((s) => (s.regressions[i] ?? []).map((r) => `  ${s.scenarioId}: ${r.check} failed ${r.baselineFailed}/${r.baselineCalls} -> ${r.candidateFailed}/${r.candidateCalls} (${r.conversationIds.join(", ")})`));
    lines.push(regressed.length ? `  regressed checks:\n${regressed.join("\n")}` : "  regressed checks: none");
    lines.push(`  cost ${usd(baseline.costUsd)} -> ${usd(candidate.costUsd)}; first speech p50/p95 ${ms(baseline.firstSpeech)} -> ${ms(candidate.firstSpeech)}; slow turns (> ${comparison.slowTurnMs} ms) ${baseline.slowTurns.length} -> ${candidate.slowTurns.length}`);
  });
  return lines.join("\n");
}

/** The comparison as Markdown (for a pull request) and as one self-contained HTML page. */
export function renderComparison(comparison: Comparison, options: RenderComparisonOptions = {}): { markdown: string; html: string } {
  const port = options.viewerPort ?? COMPARE_VIEWER_PORT;
  const viewerLink = (id: string) => `http://127.0.0.1:${port}/#call=${encodeURIComponent(id)}`;
  const agents: AgentSummary[] = [comparison.baseline, ...comparison.candidates];
  // The viewer serves one run at a time, so a link opens only under the command of the run that holds the call.
  const viewCommands = agents.map((a) => ({ agent: a.agent, command: `voicesim view ${a.dir} --port ${port}` }));
  const ks = comparison.baseline.passHatK.map((p) => p.k);
  const md: string[] = ["# voicesim compare", "", `Baseline: \`${comparison.baseline.agent}\` (${comparison.baseline.dir}). Seed ${comparison.seed}; intervals are 95% paired bootstraps over scenarios.`, ""];
  md.push("## pass^k", "", `| k | ${agents.map((a) => `\`${a.agent}\``).join(" | ")} |`, `|---|${agents.map(() => "---").join("|")}|`);
  for (const k of ks) md.push(`| ${k} | ${agents.map((a) => f3(a.passHatK[k - 1]?.value ?? 0)).join(" | ")} |`);
  md.push("");
  comparison.candidates.forEach((candidate, i) => {
    md.push(`### \`${candidate.agent}\` against the baseline`, "", "| k | difference | 95% interval | verdict |", "|---|---|---|---|");
    for (const d of comparison.diffs[i] ?? []) md.push(`| ${d.k} | ${signed(d.diff)} | ${signed(d.low)} – ${signed(d.high)} | ${verdict(d)} |`);
    md.push("");
  });
  md.push("## Per scenario (passed / tries)", "", `| scenario | ${agents.map((a) => `\`${a.agent}\``).join(" | ")} | regressed checks |`, `|---|${agents.map(() => "---").join("|")}|---|`);
  for (const s of comparison.scenarios) {
    const regressed = s.regressions.flatMap((rs, i) => rs.map((r) => `${comparison.candidates.length > 1 ? `${comparison.candidates[i]?.agent}: ` : ""}${r.check} ${r.baselineFailed}/${r.baselineCalls} → ${r.candidateFailed}/${r.candidateCalls} (${r.conversationIds.join(", ")})`));
    md.push(`| ${s.scenarioId} | ${s.results.map((r) => `${r.passed}/${r.total}`).join(" | ")} | ${regressed.join("; ") || "—"} |`);
  }
  md.push("", "## Cost and latency", "", "| agent | calls | failed | tokens | cost | first speech p50 / p95 | tool step p50 / p95 | slow turns |", "|---|---|---|---|---|---|---|---|");
  for (const a of agents) md.push(`| \`${a.agent}\` | ${a.calls} | ${a.failedCalls} | ${a.tokens} | ${usd(a.costUsd)} | ${ms(a.firstSpeech)} | ${ms(a.toolTime)} | ${a.slowTurns.length} |`);
  if (comparison.unmatched.length) md.push("", `Left out (not in every run): ${comparison.unmatched.join(", ")}`);
  md.push("", `Calls open at \`http://127.0.0.1:${port}/#call=<id>\` once the viewer of the run that holds them is started:`, "", ...viewCommands.map((v) => `- \`${v.agent}\`: \`${v.command}\``), "");

  const row = (cells: string[], tag = "td") => `<tr>${cells.map((c) => `<${tag}>${c}</${tag}>`).join("")}</tr>`;
  const callLinks = (ids: string[]) => ids.map((id) => `<a href="${esc(viewerLink(id))}">${esc(id)}</a>`).join(", ");
  const diffTables = comparison.candidates
    .map(
      (candidate, i) => `<h3>${esc(candidate.agent)} against the baseline</h3><table>${row(["k", "difference", "95% interval", "verdict"], "th")}${(comparison.diffs[i] ?? [])
        .map((d) => `<tr class="${d.isRegression ? "bad" : d.isImprovement ? "good" : ""}"><td>${d.k}</td><td class="n">${signed(d.diff)}</td><td class="n">${signed(d.low)} – ${signed(d.high)}</td><td>${verdict(d)}</td></tr>`)
        .join("")}</table>`,
    )
    .join("");
  const scenarioRows = comparison.scenarios
    .map((s) => {
      const regressed = s.regressions.flatMap((rs, i) => rs.map((r) => `${comparison.candidates.length > 1 ? `${esc(comparison.candidates[i]?.agent ?? "")}: ` : ""}<code>${esc(r.check)}</code> ${r.baselineFailed}/${r.baselineCalls} → ${r.candidateFailed}/${r.candidateCalls} (${callLinks(r.conversationIds)})`));
      const worse = s.regressions.some((rs) => rs.length > 0);
      return `<tr class="${worse ? "bad" : ""}"><td>${esc(s.scenarioId)}</td>${s.results.map((r) => `<td class="n">${r.passed}/${r.total}</td>`).join("")}<td>${regressed.join("<br>") || "—"}</td></tr>`;
    })
    .join("");
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>voicesim compare</title>
<style>
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2433;background:#f7f8fb}
header{background:#172033;color:#fff;padding:24px 40px}header h1{margin:0 0 4px;font-size:22px}header p{margin:0;color:#b8c2d6}
main{max-width:1100px;margin:0 auto;padding:20px 40px 60px}table{border-collapse:collapse;background:#fff;margin:8px 0 20px;width:100%}
td,th{border:1px solid #e3e7ee;padding:6px 10px;text-align:left;vertical-align:top}.n{text-align:right;font-variant-numeric:tabular-nums}
tr.bad td{background:#fdecec}tr.good td{background:#eaf7ee}code{font-size:13px}.muted{color:#5f6b7a}
</style></head><body>
<header><h1>voicesim compare</h1><p>baseline ${esc(comparison.baseline.agent)} · ${comparison.scenarios.length} scenarios in common · seed ${comparison.seed}</p></header>
<main>
<h2>pass^k</h2><p class="muted">The chance that k tries of a scenario all pass (τ-bench), over the scenarios every run holds. Intervals: 95% paired bootstrap over scenarios; a drop is a regression only when its whole interval is below zero.</p>
<table>${row(["k", ...agents.map((a) => esc(a.agent))], "th")}${ks.map((k) => row([String(k), ...agents.map((a) => f3(a.passHatK[k - 1]?.value ?? 0))])).join("")}</table>
${diffTables}
<h2>Per scenario</h2><p class="muted">Passed / tries. Call links open once the viewer of the run that holds the call is started: ${viewCommands.map((v) => `${esc(v.agent)}: <code>${esc(v.command)}</code>`).join("; ")}.</p>
<table>${row(["scenario", ...agents.map((a) => esc(a.agent)), "regressed checks"], "th")}${scenarioRows}</table>
<h2>Cost and latency</h2><p class="muted">Latency is measured for agents outside voicesim (WebSocket, HTTP); a slow turn kept the caller waiting over ${comparison.slowTurnMs} ms for the first words.</p>
<table>${row(["agent", "calls", "failed", "tokens", "cost", "first speech p50 / p95", "tool step p50 / p95", "slow turns"], "th")}${agents.map((a) => row([esc(a.agent), String(a.calls), String(a.failedCalls), String(a.tokens), usd(a.costUsd), ms(a.firstSpeech), ms(a.toolTime), a.slowTurns.length ? a.slowTurns.map((t) => `<a href="${esc(viewerLink(t.conversationId))}">${esc(t.conversationId)}</a> turn ${t.turn}: ${t.firstSpeechMs} ms`).join("<br>") : "0"])).join("")}</table>
${comparison.unmatched.length ? `<p class="muted">Left out (not in every run): ${esc(comparison.unmatched.join(", "))}</p>` : ""}
</main></body></html>
`;
  return { markdown: md.join("\n"), html };
}
