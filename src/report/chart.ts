/**
 * A check's history as an inline SVG line chart for the HTML report: no script, no external asset.
 * Each run is a point whose shape says its status (circle pass, triangle warn, square fail, diamond
 * error), so it reads in greyscale too; the warn and fail levels are drawn as labelled dashed lines.
 */
import { formatValue, type Unit } from '../engine/units.js';
import type { Status } from '../engine/verdict.js';

export interface ChartPoint {
  /** When the run started (ms since the epoch). */
  at: number;
  value: number;
  status: Status;
}

export interface ChartLevel {
  level: 'warn' | 'fail';
  /** In the chart's unit. */
  value: number;
  /** As written (`> 2s`). */
  text: string;
}

export interface ChartSpec {
  /** Unique in the page: the SVG's title and description are named from it. */
  id: string;
  title: string;
  unit: Unit;
  /** The window drawn (ms since the epoch). */
  from: number;
  to: number;
  /** Oldest first. */
  points: ChartPoint[];
  levels: ChartLevel[];
  /** How many runs the points stand for, when fewer points than runs are drawn (one a day). */
  runs?: number;
}

/** Text and line colours of each status: each at least 4.5:1 against white (WCAG AA for normal text). */
export const STATUS_COLOUR: Record<Status, string> = {
  pass: '#1b6e33', warn: '#7a4800', fail: '#b00020', error: '#6a1b9a', skip: '#4d4d4d', manual: '#1f4e99', waived: '#4d4d4d',
};

const W = 560;
const H = 220;
const M = { left: 70, right: 14, top: 14, bottom: 34 };

/** Text for XML and HTML text and double-quoted attributes: &, <, > and " escaped. */
export const escapeMarkup = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fix = (n: number): string => String(Math.round(n * 10) / 10);

/** A step of 1, 2 or 5 × 10^n that splits `span` into about `parts` parts. */
function niceStep(span: number, parts: number): number {
  const raw = span / parts;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

/** The y range: from 0 (or below, for negative values) to a round step above the highest value or level. */
export function yRange(values: number[]): { lo: number; hi: number; step: number } {
  const finite = values.filter(Number.isFinite);
  let lo = Math.min(0, ...finite);
  let hi = Math.max(0, ...finite);
  if (hi === lo) hi = lo + 1;
  const step = niceStep((hi - lo) * 1.1, 4);
  lo = Math.floor(lo / step) * step;
  hi = Math.ceil((hi * 1.05) / step) * step;
  if (hi === lo) hi = lo + step;
  return { lo, hi, step };
}

const day = (ms: number): string => new Date(ms).toISOString().slice(5, 10);

/** The marker of a point: its shape says its status. */
function marker(x: number, y: number, status: Status): string {
  const c = STATUS_COLOUR[status];
  const k = `class="pt pt-${status}"`;
  switch (status) {
    case 'warn':
      return `<path ${k} d="M${fix(x)} ${fix(y - 5.5)}L${fix(x + 5.5)} ${fix(y + 4)}L${fix(x - 5.5)} ${fix(y + 4)}Z" fill="${c}"/>`;
    case 'fail':
      return `<rect ${k} x="${fix(x - 4.5)}" y="${fix(y - 4.5)}" width="9" height="9" fill="${c}"/>`;
    case 'error':
      return `<path ${k} d="M${fix(x)} ${fix(y - 5.5)}L${fix(x + 5.5)} ${fix(y)}L${fix(x)} ${fix(y + 5.5)}L${fix(x - 5.5)} ${fix(y)}Z" fill="${c}"/>`;
    case 'pass':
      return `<circle ${k} cx="${fix(x)}" cy="${fix(y)}" r="4" fill="${c}"/>`;
    default:
      return `<circle ${k} cx="${fix(x)}" cy="${fix(y)}" r="4" fill="#fff" stroke="${c}" stroke-width="2"/>`;
  }
}

/** The chart as an SVG element, named by its title and described by `description` (the same words as the figure's caption). */
export function chartSvg(spec: ChartSpec, description: string): string {
  // A level far above every value (5 s against values of 30 ms) would flatten them into the axis: it is named at the top instead.
  const highest = Math.max(0, ...spec.points.map((p) => p.value).filter(Number.isFinite));
  const cap = highest > 0 ? highest * 3 : Infinity;
  const drawn = spec.levels.filter((l) => l.value <= cap);
  const above = spec.levels.filter((l) => l.value > cap);
  const { lo, hi, step } = yRange([...spec.points.map((p) => p.value), ...drawn.map((l) => l.value)]);
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const span = Math.max(1, spec.to - spec.from);
  const x = (at: number) => M.left + ((Math.min(Math.max(at, spec.from), spec.to) - spec.from) / span) * plotW;
  const y = (v: number) => M.top + plotH - ((v - lo) / (hi - lo)) * plotH;
  const out: string[] = [];
  const titleId = `${spec.id}-title`;
  const descId = `${spec.id}-desc`;
  out.push(`<svg class="chart-svg" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${titleId} ${descId}" xmlns="http://www.w3.org/2000/svg">`);
  out.push(`<title id="${titleId}">${escapeMarkup(spec.title)}</title><desc id="${descId}">${escapeMarkup(description)}</desc>`);
  out.push(`<rect x="${M.left}" y="${M.top}" width="${plotW}" height="${plotH}" fill="#fff" stroke="#767676"/>`);
  // Horizontal grid and the y axis labels.
  for (let v = lo; v <= hi + step / 1000; v += step) {
    const yy = y(v);
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${fix(yy)}" y2="${fix(yy)}" stroke="#d9d9d9"/>`);
    out.push(`<text x="${M.left - 6}" y="${fix(yy + 4)}" text-anchor="end" class="axis">${escapeMarkup(formatValue(+v.toPrecision(12), spec.unit))}</text>`);
  }
  // Five dates along the x axis: the window's start, end and three between.
  for (let i = 0; i <= 4; i++) {
    const at = spec.from + (span * i) / 4;
    out.push(`<text x="${fix(x(at))}" y="${H - M.bottom + 18}" text-anchor="${i === 0 ? 'start' : i === 4 ? 'end' : 'middle'}" class="axis">${day(at)}</text>`);
  }
  // The levels: warn dashed, fail dotted and heavier, each labelled at its right end.
  if (above.length) {
    out.push(`<text x="${W - M.right - 4}" y="${M.top + 13}" text-anchor="end" class="level-label" fill="#444">↑ above the scale: ${escapeMarkup(above.map((l) => `${l.level} ${l.text}`).join(', '))}</text>`);
  }
  for (const l of drawn) {
    const yy = y(l.value);
    const c = STATUS_COLOUR[l.level];
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${fix(yy)}" y2="${fix(yy)}" stroke="${c}" stroke-width="${l.level === 'fail' ? 2 : 1.5}" stroke-dasharray="${l.level === 'fail' ? '2 3' : '7 4'}" class="level level-${l.level}"/>`);
    out.push(`<text x="${W - M.right - 4}" y="${fix(yy - 4)}" text-anchor="end" class="level-label" fill="${c}">${l.level} ${escapeMarkup(l.text)}</text>`);
  }
  const pts = spec.points.filter((p) => Number.isFinite(p.value));
  if (pts.length > 1) out.push(`<polyline points="${pts.map((p) => `${fix(x(p.at))},${fix(y(p.value))}`).join(' ')}" fill="none" stroke="#1f4e99" stroke-width="1.5"/>`);
  for (const p of pts) out.push(marker(x(p.at), y(p.value), p.status));
  out.push('</svg>');
  return out.join('');
}
