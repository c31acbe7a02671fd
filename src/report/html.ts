/**
 * --format html / --report html=PATH / history report: one self-contained page (no script, no external
 * asset: it works offline, as a CI artifact and as an auditor's evidence) with the checklist in the
 * runbook's order and, for every check that measures a number, a chart of its kept runs with the warn
 * and fail levels drawn. A status is a word and a shape as well as a colour, so it reads in greyscale.
 */
import { printable, printableDeep } from '../engine/printable.js';
import type { CheckResult, RunReport } from '../engine/report.js';
import { parseCondition } from '../engine/thresholds.js';
import { formatValue, kindOf, toCanonical, type Unit } from '../engine/units.js';
import type { Status } from '../engine/verdict.js';
import { STATUS_COLOUR, chartSvg, escapeMarkup, type ChartLevel, type ChartPoint, type ChartSpec } from './chart.js';
import type { Renderer, Trend } from './formats.js';
import { SYMBOL, observedText, summaryText, thresholdText } from './text.js';

/** Text for HTML: control characters written out (printable), then &, <, >, " and ' escaped. */
export const esc = (s: string): string => escapeMarkup(printable(s)).replace(/'/g, '&#39;');

const LABEL: Record<Status, string> = { pass: 'Pass', warn: 'Warn', fail: 'Fail', error: 'Error', skip: 'Skipped', manual: 'Manual', waived: 'Waived' };

/** A status as a badge: its symbol (a shape) and its word, in its colour. */
const badge = (s: Status): string => `<span class="badge s-${s}"><span aria-hidden="true">${SYMBOL[s]}</span> ${LABEL[s]}</span>`;

const when = (iso: string): string => (Number.isNaN(Date.parse(iso)) ? iso : new Date(iso).toISOString().replace('T', ' ').replace(/:\d\d\.\d+Z$|:\d\dZ$/, ' UTC'));

const STYLE = `
*{box-sizing:border-box}
html{font-family:"DejaVu Sans",Verdana,sans-serif;font-size:15px;line-height:1.45;color:#1a1a1a;background:#fff}
body{margin:0 auto;padding:16px;max-width:1100px}
h1{font-size:1.6rem;margin:.2em 0 .4em}
h2{font-size:1.3rem;margin:1.6em 0 .5em;padding-top:.4em;border-top:2px solid #d0d0d0}
h3{font-size:1.1rem;margin:1.4em 0 .5em}
code{font-family:"DejaVu Sans Mono",monospace;font-size:.87em;overflow-wrap:anywhere}
p,li,td,th,dd,figcaption,summary{overflow-wrap:break-word}
.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:0 0 12px}
.meta dt{font-weight:bold}.meta dd{margin:0}
.verdict{display:flex;flex-wrap:wrap;align-items:center;gap:8px 14px;padding:10px 12px;border:2px solid currentColor;border-radius:6px;font-size:1.15rem}
.badge{display:inline-block;white-space:nowrap;padding:1px 7px;border:1.5px solid currentColor;border-radius:4px;background:#fff;font-weight:bold;font-size:.9rem}
.s-pass{color:${STATUS_COLOUR.pass}}.s-warn{color:${STATUS_COLOUR.warn}}.s-fail{color:${STATUS_COLOUR.fail}}.s-error{color:${STATUS_COLOUR.error}}
.s-skip{color:${STATUS_COLOUR.skip}}.s-manual{color:${STATUS_COLOUR.manual}}.s-waived{color:${STATUS_COLOUR.waived}}
.verdict .badge{font-size:1.1rem}
.verdict .counts{color:#1a1a1a}
table{border-collapse:collapse;width:100%;margin:6px 0 10px}
caption{text-align:left;font-weight:bold;padding:4px 0;color:#1a1a1a}
th,td{text-align:left;vertical-align:top;padding:6px 8px;border-bottom:1px solid #d0d0d0}
thead th{background:#f2f2f2;border-bottom:2px solid #767676}
tbody th{font-weight:normal}
tbody th .title{font-weight:bold;display:block}
tr.row-fail,tr.row-error{box-shadow:inset 4px 0 0 ${STATUS_COLOUR.fail}}
tr.row-warn{box-shadow:inset 4px 0 0 ${STATUS_COLOUR.warn}}
.num{white-space:nowrap}
.details{margin:4px 0 0;padding-left:18px}
.next{margin:4px 0 0}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,480px),1fr));gap:14px}
figure.chart{margin:0;padding:8px;border:1px solid #d0d0d0;border-radius:6px;min-width:0}
figcaption{font-size:.93rem;margin-bottom:4px}
.chart-svg{display:block;width:100%;height:auto;font-family:"DejaVu Sans",Verdana,sans-serif}
.chart-svg .axis{font-size:11px;fill:#444}
.chart-svg .level-label{font-size:11px;font-weight:bold}
details{margin-top:4px;font-size:.9rem}
details table{font-size:.9rem}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:.9rem;margin:6px 0;padding:0;list-style:none}
.note{color:#444}
footer{margin-top:2em;padding-top:.6em;border-top:1px solid #d0d0d0;font-size:.85rem;color:#444}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (max-width:700px){
  body{padding:10px}
  table.checks thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
  table.checks,table.checks tbody,table.checks tr,table.checks td,table.checks tbody th{display:block;width:100%}
  table.checks tr{border-bottom:2px solid #d0d0d0;padding:4px 0}
  table.checks td,table.checks tbody th{border:0;padding:2px 8px}
  table.checks caption{display:block}
  table.checks td[data-label]::before{content:attr(data-label) ": ";font-weight:bold}
  .meta{grid-template-columns:1fr}
  .meta dd{margin-bottom:4px}
}
@media print{.charts{display:block}figure.chart{break-inside:avoid;margin-bottom:10px}}
`;

/** One part of a page: a run's checklist (with its trend), or what could not be shown. */
export interface PageSection {
  /** The section's heading; absent for a page of one run (its lines are then the page's second level). */
  heading?: string;
  report?: RunReport;
  trend?: Trend;
  /** Why there is no report (a fleet environment not run). */
  note?: string;
  /** Charts that stand alone (DR drills), with a line of text before them. */
  charts?: { intro: string; specs: ChartSpec[]; columns: [string, ...string[]] };
}

export interface Page {
  title: string;
  /** The overall status shown at the top, with the lines of its banner. */
  status: Status;
  verdict: string[];
  meta: [string, string][];
  sections: PageSection[];
  footer: string[];
}

const DAY_MS = 86_400_000;

/** The levels of a result in its observed unit (the conditions are parsed canonical: ms for time). */
function levelsOf(r: CheckResult, unit: Unit): ChartLevel[] {
  const out: ChartLevel[] = [];
  for (const level of ['warn', 'fail'] as const) {
    const text = r.threshold?.[level];
    if (!text) continue;
    try {
      const c = parseCondition(text, unit, r.id);
      out.push({ level, value: c.value / toCanonical(1, unit), text });
    } catch {
      // A level kept in an older run in another unit: not drawn.
    }
  }
  return out;
}

/** The chart of one check: its value in every kept run of the window, and in this run. */
export function checkChart(r: CheckResult, report: RunReport, trend: Trend | undefined, id: string): ChartSpec | undefined {
  const runs = [...(trend?.runs ?? [])];
  if (!runs.some((x) => x.at === report.startedAt)) runs.push({ at: report.startedAt, report });
  const found = runs
    .map((x) => ({ at: Date.parse(x.at), result: x.report.items.flatMap((i) => i.results).find((y) => y.id === r.id) }))
    .filter((x): x is { at: number; result: CheckResult } => !Number.isNaN(x.at) && x.result?.observed != null);
  const unit = r.observed?.unit ?? found.at(-1)?.result.observed!.unit;
  if (!unit) return undefined;
  const points: ChartPoint[] = found
    .filter((x) => kindOf(x.result.observed!.unit) === kindOf(unit))
    .map((x) => ({ at: x.at, value: toCanonical(x.result.observed!.value, x.result.observed!.unit) / toCanonical(1, unit), status: x.result.status }))
    .sort((a, b) => a.at - b.at);
  if (!points.length) return undefined;
  const levels = levelsOf(r, unit);
  const to = Math.max(Date.parse(trend?.to ?? report.startedAt), points.at(-1)!.at);
  const from = Math.min(trend ? Date.parse(trend.from) : to - 30 * DAY_MS, points[0]!.at);
  return { id, title: r.title, unit, from, to, points: thinned(points, levels), levels, runs: points.length };
}

/** More points than a chart can show apart (runs every few minutes for 90 days): one a day is drawn. */
export const MAX_POINTS = 120;

const RANK: Record<Status, number> = { skip: 0, pass: 1, waived: 2, manual: 3, warn: 4, error: 5, fail: 6 };

/**
 * At most MAX_POINTS points: past that, each UTC day's worst run (by status, then by value toward the
 * levels: highest where they are `>`, lowest where `<`), so that a fault is never averaged away.
 */
export function thinned(points: ChartPoint[], levels: ChartLevel[]): ChartPoint[] {
  if (points.length <= MAX_POINTS) return points;
  const low = levels.some((l) => l.text.trim().startsWith('<'));
  const days = new Map<number, ChartPoint>();
  for (const p of points) {
    const day = Math.floor(p.at / DAY_MS);
    const kept = days.get(day);
    const worse = !kept || RANK[p.status] > RANK[kept.status] || (RANK[p.status] === RANK[kept.status] && (low ? p.value < kept.value : p.value > kept.value));
    if (worse) days.set(day, p);
  }
  return [...days.values()].sort((a, b) => a.at - b.at);
}

/** The words a chart is described by: how many runs, from when to when, the latest value and the range. */
function chartDescription(spec: ChartSpec): string {
  const vals = spec.points.map((p) => p.value);
  const last = spec.points.at(-1)!;
  const levels = spec.levels.map((l) => `${l.level} ${l.text}`).join(', ');
  const days = Math.round((spec.to - spec.from) / DAY_MS);
  const runs = spec.runs ?? spec.points.length;
  const shown = runs > spec.points.length ? ` (drawn: the worst run of each of ${spec.points.length} days)` : '';
  return `${runs} run${runs === 1 ? '' : 's'}${shown} over ${days} day${days === 1 ? '' : 's'} (${when(new Date(spec.from).toISOString()).slice(0, 10)} to ${when(new Date(spec.to).toISOString()).slice(0, 10)}); `
    + `latest ${formatValue(last.value, spec.unit)} (${LABEL[last.status].toLowerCase()}), lowest ${formatValue(Math.min(...vals), spec.unit)}, highest ${formatValue(Math.max(...vals), spec.unit)}`
    + (levels ? `; levels ${levels}` : '');
}

/** A chart as a figure: caption, SVG, and the values as a table for whoever cannot see the chart. */
function figure(spec: ChartSpec, caption: string, columns: [string, ...string[]] = ['Run started', 'Value', 'Status']): string {
  const description = chartDescription(spec);
  const rows = [...spec.points].reverse().map((p) =>
    `<tr><th scope="row">${esc(when(new Date(p.at).toISOString()))}</th><td class="num">${esc(formatValue(p.value, spec.unit))}</td><td>${badge(p.status)}</td></tr>`).join('');
  return `<figure class="chart" id="${esc(spec.id)}"><figcaption>${caption}<br><span class="note">${esc(description)}</span></figcaption>${chartSvg(spec, description)}`
    + `<details><summary>Values as a table (${spec.points.length})</summary><table><caption>${esc(spec.title)}: ${(spec.runs ?? spec.points.length) > spec.points.length ? 'each day\'s worst run' : 'each run'}, newest first</caption>`
    + `<thead><tr>${columns.map((c) => `<th scope="col">${esc(c)}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table></details></figure>`;
}

const LEGEND = `<ul class="legend" aria-label="Chart legend"><li><span class="s-pass" aria-hidden="true">●</span> pass</li><li><span class="s-warn" aria-hidden="true">▲</span> warn</li><li><span class="s-fail" aria-hidden="true">■</span> fail</li><li><span class="s-error" aria-hidden="true">◆</span> error</li><li><span class="s-warn">- - -</span> warn level</li><li><span class="s-fail">· · ·</span> fail level</li></ul>`;

/** One checklist line: its heading, its checks as a table, and a chart per check that measured a number. */
function lineHtml(item: RunReport['items'][number], report: RunReport, trend: Trend | undefined, level: number, key: string): string {
  const h = `h${level}`;
  const headingId = `${key}-h`;
  const rows = item.results.map((r) => {
    const extra = [
      r.details?.length ? `<ul class="details">${r.details.map((d) => `<li>${esc(d)}</li>`).join('')}</ul>` : '',
      r.nextStep ? `<p class="next">Next: <code>${esc(r.nextStep)}</code></p>` : '',
    ].join('');
    return `<tr class="row-${r.status}"><td data-label="Status">${badge(r.status)}</td><th scope="row"><span class="title">${esc(r.title)}</span><code>${esc(r.id)}</code></th>`
      + `<td data-label="Observed" class="num">${esc(observedText(r))}</td><td data-label="Levels">${esc(thresholdText(r) || '—')}</td><td data-label="Message">${esc(r.message)}${extra}</td></tr>`;
  }).join('');
  const charts = item.results.flatMap((r, i) => {
    const spec = checkChart(r, report, trend, `${key}-c${i}`);
    return spec ? [figure(spec, `<strong>${esc(r.title)}</strong> <code>${esc(r.id)}</code>`)] : [];
  });
  return `<section aria-labelledby="${headingId}"><${h} id="${headingId}">${esc(item.title)} ${badge(item.status)}</${h}>`
    + `<table class="checks"><caption>Checks of “${esc(item.title)}”</caption><thead><tr><th scope="col">Status</th><th scope="col">Check</th><th scope="col">Observed</th><th scope="col">Levels</th><th scope="col">Message</th></tr></thead><tbody>${rows}</tbody></table>`
    + (charts.length ? `<div class="charts">${charts.join('')}</div>` : '')
    + '</section>';
}

/** A run's checklist in the runbook's order (the report's items are the procedure's lines, in order). */
function runHtml(report: RunReport, trend: Trend | undefined, level: number, key: string): string {
  const window = trend ? `History drawn: runs from ${esc(when(trend.from))} to ${esc(when(trend.to))} (${trend.runs.length} kept).` : 'History drawn: this run only (no kept runs were read).';
  const out = [`<p class="note">${window}</p>`, LEGEND];
  report.items.forEach((item, i) => out.push(lineHtml(item, report, trend, level, `${key}l${i + 1}`)));
  if (report.changes) {
    const hid = `${key}-changes`;
    out.push(`<section aria-labelledby="${hid}"><h${level} id="${hid}">What changed since ${esc(report.changes.since ? when(report.changes.since) : 'the last run (none recorded)')}</h${level}><ul>${(report.changes.lines.length ? report.changes.lines : ['nothing']).map((l) => `<li>${esc(l)}</li>`).join('')}</ul></section>`);
  }
  return out.join('\n');
}

/** The whole page. */
export function htmlPage(page: Page): string {
  const one = page.sections.length === 1 && !page.sections[0]!.heading;
  const body: string[] = [];
  page.sections.forEach((s, i) => {
    const key = `s${i + 1}`;
    if (one) {
      body.push(s.report ? runHtml(s.report, s.trend, 2, key) : `<p>${esc(s.note ?? '')}</p>`);
      return;
    }
    const hid = `${key}-h`;
    const parts = [`<section aria-labelledby="${hid}"><h2 id="${hid}">${esc(s.heading ?? '')}${s.report ? ` ${badge(s.report.status)}` : ''}</h2>`];
    if (s.note) parts.push(`<p>${esc(s.note)}</p>`);
    if (s.report) parts.push(`<p class="note">Run started ${esc(when(s.report.startedAt))}; exit code ${s.report.exitCode}; ${esc(summaryText(s.report.summary))} of ${s.report.summary.total} checks.</p>`, runHtml(s.report, s.trend, 3, key));
    if (s.charts) parts.push(`<p>${esc(s.charts.intro)}</p>`, LEGEND, `<div class="charts">${s.charts.specs.map((c) => figure(c, `<strong>${esc(c.title)}</strong>`, s.charts!.columns)).join('')}</div>`);
    parts.push('</section>');
    body.push(parts.join('\n'));
  });
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="nvcops">
<title>${esc(page.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${esc(page.title)}</h1>
<p class="verdict s-${page.status}">${badge(page.status)} ${page.verdict.map((v) => `<span class="counts">${esc(v)}</span>`).join(' ')}</p>
<dl class="meta">${page.meta.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>
</header>
<main>
${body.join('\n')}
</main>
<footer>${page.footer.map((f) => `<p>${esc(f)}</p>`).join('')}</footer>
</body>
</html>
`;
}

/** The run's own lines at the top of its page. */
export function runMeta(report: RunReport): [string, string][] {
  return [
    ['Runbook', report.runbook],
    ['Environment', report.environment ?? 'not named'],
    ['Started', when(report.startedAt)],
    ['Took', formatValue(report.durationMs, 'ms')],
    ['Exit code', `${report.exitCode}${report.interrupted ? ' (interrupted)' : ''}`],
  ];
}

export const auditFooter = (report: RunReport): string[] => [
  'Made by nvcops. Secrets are masked; the charts are drawn from the run history kept in the state store.',
  ...(report.audit?.head ? [`Audit trail head when the run ended: record ${report.audit.head.seq}, sha256 ${report.audit.head.hash}.`] : []),
];

/** --format html: one run's page, its charts drawn from `opts.trend` (app/run.ts reads the history for it). */
export const html: Renderer = (shown, opts) => {
  const report = printableDeep(shown);
  return htmlPage({
    title: `nvcops ${report.command} — ${report.status.toUpperCase()}`,
    status: report.status,
    verdict: [`exit code ${report.exitCode}`, `${summaryText(report.summary)} of ${report.summary.total} checks`],
    meta: runMeta(report),
    sections: [{ report, trend: opts.trend }],
    footer: auditFooter(report),
  });
};
