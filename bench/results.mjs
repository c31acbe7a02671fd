// What each section of `npm run bench` measured, printed as a table and kept as JSON: every section is
// ratios against a baseline measured in the same run (this machine's speed drifts by tens of percent
// over minutes), with the target each ratio is held to and whether it is met.
//
// The JSON goes to BENCH_JSON (default bench/results/sections.json, not committed); each section replaces its
// own entry, so a section run alone (node bench/catalog.mjs) updates the file a full run wrote.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor((s.length - 1) / 2)]; };

const file = () => process.env.BENCH_JSON ?? new URL('results/sections.json', import.meta.url).pathname;

/** "met" or "MISSED" for a ratio held to `target` ({ max } or { min }). */
export function standing(ratio, target) {
  const ok = target.max !== undefined ? ratio <= target.max : ratio >= target.min;
  return { ok, text: `${ratio.toFixed(2)}x (target ${target.max !== undefined ? `<= ${target.max}` : `>= ${target.min}`}x: ${ok ? 'met' : 'MISSED'})` };
}

/** Prints rows (objects with the same keys) as an aligned table. */
export function printTable(rows) {
  if (!rows.length) return;
  const keys = Object.keys(rows[0]);
  const cell = (v) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(1)) : String(v ?? ''));
  const width = keys.map((k) => Math.max(k.length, ...rows.map((r) => cell(r[k]).length)));
  const line = (values) => values.map((v, i) => (i === 0 ? v.padEnd(width[i]) : v.padStart(width[i]))).join('  ');
  console.log(line(keys));
  for (const r of rows) console.log(line(keys.map((k) => cell(r[k]))));
}

/**
 * Keeps one section: `ratios` are { name, ratio, target, baseline } with ratio the median of the rounds' ratios;
 * `data` is whatever else the section measured (times in ms). Prints where each target stands.
 */
export function keepSection(name, { ratios = [], data = {}, notes = [] }) {
  console.log(`\n## ${name}: targets`);
  const judged = ratios.map((r) => ({ ...r, ...standing(r.ratio, r.target) }));
  printTable(judged.map((r) => ({ ratio: r.name, against: r.baseline, measured: r.text })));
  for (const n of notes) console.log(`note: ${n}`);
  const all = existsSync(file()) ? JSON.parse(readFileSync(file(), 'utf8')) : { sections: {} };
  all.sections[name] = {
    at: new Date().toISOString(),
    ratios: judged.map(({ text, ...r }) => r),
    ...data,
    notes,
  };
  all.machine = { node: process.version, cpus: (globalThis.navigator?.hardwareConcurrency ?? 0) };
  mkdirSync(dirname(file()), { recursive: true });
  writeFileSync(file(), `${JSON.stringify(all, null, 2)}\n`);
  console.log(`(kept in ${file()})`);
  return judged;
}
