/**
 * The HTML report in a real browser (headless Debian `chromium`): screenshots at desktop and phone widths
 * against golden images (UPDATE_GOLDEN=1 writes them), an accessibility pass (axe-core, and the page's
 * own checks: contrast of every text, heading order, table semantics, named charts), no layout overflow
 * at phone width, nothing loaded from outside the file, and text from a check inert however it reads.
 */
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../src/engine/report.js';
import { historyPage } from '../src/report/history-page.js';
import { html } from '../src/report/html.js';
import type { AuditRecord, HistoryEntry } from '../src/state/store.js';
import { Browser, decodePng, pixelDifference } from './support/chromium.js';

const golden = new URL('../fixtures/golden/', import.meta.url).pathname;
const images = new URL('./fixtures/html/', import.meta.url).pathname;
const DAY = 86_400_000;
const WIDTHS = { desktop: 1280, phone: 390 } as const;
const HOSTILE = `<img src=x onerror="document.title='pwned'"><script>document.title='pwned'</script>`;

/** A kept run `daysAgo` before `report`, its measured values moved by a fixed pattern (the same every time: golden images). */
function earlier(report: RunReport, daysAgo: number, at: number): RunReport {
  const r = structuredClone(report);
  r.startedAt = new Date(at - daysAgo * DAY).toISOString();
  const wave = [0.2, 0.5, 0.9, 0.7, 0.35, 1.1, 0.6][daysAgo % 7]!;
  for (const item of r.items) {
    for (const c of item.results) {
      if (!c.observed) continue;
      c.observed = { ...c.observed, value: +(c.observed.value * wave).toFixed(1) };
      c.status = c.id === 'postgres.connection-saturation' ? (c.observed.value >= 90 ? 'fail' : c.observed.value >= 80 ? 'warn' : 'pass') : c.id === 'postgres.replication-lag' ? (c.observed.value > 5 ? 'warn' : 'pass') : c.status;
    }
  }
  return r;
}

/** health db failing (pass, warn, fail, error, skip), with 30 days of daily runs, one check's message hostile markup. */
function runPage(): { text: string; charts: number } {
  const report = JSON.parse(readFileSync(`${golden}health-db-fail.report.json`, 'utf8')) as RunReport;
  report.items[0]!.results[3]!.message = `permission denied ${HOSTILE}`;
  const at = Date.parse(report.startedAt);
  const runs = [29, 25, 22, 18, 15, 11, 8, 4, 1].map((d) => earlier(report, d, at)).map((r) => ({ at: r.startedAt, report: r }));
  const text = html(report, { color: false, trend: { from: new Date(at - 30 * DAY).toISOString(), to: report.startedAt, runs } });
  return { text, charts: 3 };
}

/** history report: two commands' runs over 90 days and three DR drills (one over its RTO). */
function historyPageText(): { text: string; charts: number } {
  const db = JSON.parse(readFileSync(`${golden}health-db-pass.report.json`, 'utf8')) as RunReport;
  const fail = JSON.parse(readFileSync(`${golden}health-db-fail.report.json`, 'utf8')) as RunReport;
  const to = Date.parse('2026-12-01T08:00:00.000Z');
  const entry = (r: RunReport, daysAgo: number): HistoryEntry => {
    const e = earlier(r, daysAgo, to);
    return { id: `run-${r.command}-${daysAgo}`, at: e.startedAt, by: 'ops', host: 'bastion', command: e.command, environment: 'production', status: e.status, exitCode: e.exitCode, report: e };
  };
  const runs = [...[80, 60, 40, 20, 2].map((d) => entry(db, d)), ...[70, 35, 1].map((d) => entry({ ...fail, command: 'health daily' }, d))].sort((a, b) => a.at.localeCompare(b.at));
  const drill = (daysAgo: number, rtoMs: number, rpoMs: number): AuditRecord => {
    const at = new Date(to - daysAgo * DAY).toISOString();
    return {
      seq: daysAgo, at, prev: '', hash: '', operation: `op${daysAgo}`, phase: 'finished', action: 'monthly dr-test', by: 'ops', host: 'bastion', environment: 'production', args: ['monthly', 'dr-test'], version: '0.1.0', startedAt: at, outcome: 'ok',
      details: { outcomes: [{ title: 'restore drill', status: 'done', message: 'ok', durationMs: rtoMs, data: { rtoMs, rpoMs } }] },
    };
  };
  const text = historyPage({
    environment: 'production', from: new Date(to - 90 * DAY), to: new Date(to), days: 90, runs,
    drills: [drill(84, 420_000, 60_000), drill(56, 1_140_000, 250_000), drill(28, 600_000, 420_000)],
    objectives: { rto: '15m', rpo: '5m' }, order: ['health daily', 'health db'],
  });
  // health daily (its fixture's 3 measured checks), health db (3) and the drills' RTO and RPO.
  return { text, charts: 3 + 3 + 2 };
}

/** The page's own accessibility and layout checks, run in the browser; returns the problems found. */
const PAGE_CHECKS = `(() => {
  const problems = [];
  for (const d of document.querySelectorAll('details')) d.open = true;
  const rgb = (c) => { const m = /rgba?\\(([^)]+)\\)/.exec(c); if (!m) return null; const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number); return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 }; };
  const lin = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  const lum = (c) => 0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b);
  const background = (el) => { for (let e = el; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor); if (c && c.a > 0) return c; } return { r: 255, g: 255, b: 255, a: 1 }; };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!n.textContent.trim() || seen.has(el) || el.closest('title,desc,style')) continue;
    seen.add(el);
    if (!el.getClientRects().length) continue;
    const cs = getComputedStyle(el);
    if (cs.visibility === 'hidden' || cs.clip === 'rect(0px, 0px, 0px, 0px)') continue;
    const fg = rgb(el instanceof SVGElement ? cs.fill : cs.color);
    if (!fg) { problems.push('no colour for ' + n.textContent.trim().slice(0, 40)); continue; }
    const bg = background(el);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(cs.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(cs.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) problems.push('contrast ' + ratio.toFixed(2) + ' for "' + n.textContent.trim().slice(0, 40) + '"');
  }
  if (!document.documentElement.lang) problems.push('no lang');
  if (!document.title) problems.push('no title');
  if (!document.querySelector('main')) problems.push('no main landmark');
  const headings = [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map((h) => Number(h.tagName[1]));
  if (headings.filter((l) => l === 1).length !== 1 || headings[0] !== 1) problems.push('not one h1 first: ' + headings.join(','));
  headings.forEach((l, i) => { if (i && l > headings[i - 1] + 1) problems.push('heading level skips ' + headings[i - 1] + ' to ' + l); });
  for (const t of document.querySelectorAll('table')) {
    if (!t.querySelector(':scope > caption')?.textContent.trim()) problems.push('table without caption');
    if (!t.querySelector('th')) problems.push('table without header cells');
    for (const th of t.querySelectorAll('th')) if (!['col', 'row'].includes(th.getAttribute('scope'))) problems.push('th without scope: ' + th.textContent.slice(0, 30));
  }
  for (const svg of document.querySelectorAll('svg')) {
    const names = (svg.getAttribute('aria-labelledby') || '').split(' ').map((id) => document.getElementById(id)?.textContent.trim()).filter(Boolean);
    if (svg.getAttribute('role') !== 'img' || names.length < 2 || !svg.querySelector('title')) problems.push('chart without role img, title and description');
  }
  for (const b of document.querySelectorAll('.badge')) if (!/^\\S (Pass|Warn|Fail|Error|Skipped|Manual|Waived)$/.test(b.textContent.trim())) problems.push('badge without its word: ' + b.textContent);
  if (document.querySelector('script,link,img,iframe,object,embed,video,audio,[style*="url("]')) problems.push('an element that loads or runs something: ' + document.querySelector('script,link,img,iframe,object,embed,video,audio').outerHTML.slice(0, 80));
  if (performance.getEntriesByType('resource').length) problems.push('loaded ' + performance.getEntriesByType('resource').map((r) => r.name).join(', '));
  if (document.documentElement.scrollWidth > innerWidth) problems.push('wider than the viewport: ' + document.documentElement.scrollWidth + ' > ' + innerWidth);
  const clipped = (el) => { for (let e = el.parentElement; e; e = e.parentElement) if (getComputedStyle(e).overflow === 'hidden' && e.getBoundingClientRect().right <= innerWidth + 0.5) return true; return false; };
  for (const el of document.querySelectorAll('main *')) { const r = el.getBoundingClientRect(); if (r.width && r.right > innerWidth + 0.5 && !clipped(el)) { problems.push('sticks out at the right: ' + el.tagName + ' ' + (el.className.baseVal ?? el.className) + ' "' + el.textContent.trim().slice(0, 30) + '" ' + Math.round(r.right)); break; } }
  for (const d of document.querySelectorAll('details')) d.open = false;
  return problems;
})()`;

/** axe-core's source: the devDependency, or AXE_CORE (a path to axe.min.js) where it is not installed yet. */
function axeSource(): string {
  if (process.env.AXE_CORE) return readFileSync(process.env.AXE_CORE, 'utf8');
  try {
    return readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  } catch {
    throw new Error('axe-core is not installed: it is a devDependency (npm ci)');
  }
}

describe('the HTML report in headless Chromium', () => {
  let browser: Browser;
  let dir: string;
  const pages: Record<string, { text: string; charts: number; file: string }> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nvcops-html-'));
    for (const [name, page] of Object.entries({ run: runPage(), history: historyPageText() })) {
      const file = join(dir, `${name}.html`);
      writeFileSync(file, page.text);
      pages[name] = { ...page, file };
    }
    browser = await Browser.launch();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  for (const name of ['run', 'history']) {
    for (const [device, width] of Object.entries(WIDTHS)) {
      it(`${name} page at ${device} width (${width} px): accessible, charts drawn, nothing overflows, looks as its golden image`, async () => {
        const { file, charts } = pages[name]!;
        const page = await browser.open(`file://${file}`, width, 900);
        try {
          expect(await page.evaluate<string[]>(PAGE_CHECKS)).toEqual([]);
          // The hostile message shows as text; its markup never ran.
          expect(await page.evaluate<string>('document.title')).toMatch(/^nvcops /);
          if (name === 'run') expect(await page.evaluate<string>('document.body.innerText')).toContain(HOSTILE);
          // Every chart: a drawn SVG of its width, with its points, and a level where it has one.
          const drawn = await page.evaluate<{ width: number; points: number; levels: number }[]>(
            `[...document.querySelectorAll('figure.chart')].map((f) => ({ width: f.querySelector('svg').getBoundingClientRect().width, points: f.querySelectorAll('svg .pt').length, levels: f.querySelectorAll('svg .level').length }))`);
          expect(drawn).toHaveLength(charts);
          for (const c of drawn) {
            expect(c.width).toBeGreaterThan(Math.min(300, width - 60));
            expect(c.points).toBeGreaterThan(0);
          }
          expect(drawn.some((c) => c.levels > 0)).toBe(true);
          const png = await page.screenshot();
          const target = join(images, `${name}-${device}.png`);
          if (process.env.UPDATE_GOLDEN) {
            mkdirSync(images, { recursive: true });
            writeFileSync(target, png);
          }
          expect(existsSync(target), `${target} is missing: write it with UPDATE_GOLDEN=1 and look at it`).toBe(true);
          const diff = pixelDifference(decodePng(png), decodePng(readFileSync(target)));
          if (diff.share > 0.005) writeFileSync(join(dir, `${name}-${device}.actual.png`), png);
          expect(diff.share, `${diff.pixels} pixels differ from ${target}; this run's image is ${join(dir, `${name}-${device}.actual.png`)}`).toBeLessThanOrEqual(0.005);
        } finally {
          await page.close();
        }
      }, 60_000);
    }
    it(`${name} page: axe-core finds no WCAG 2.1 A/AA violation`, async () => {
      const page = await browser.open(`file://${pages[name]!.file}`, WIDTHS.desktop, 900);
      try {
        await page.evaluate(`${axeSource()};1`);
        const violations = await page.evaluate<{ id: string; nodes: number; help: string }[]>(
          `(async () => { for (const d of document.querySelectorAll('details')) d.open = true; const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }); return r.violations.map((v) => ({ id: v.id, nodes: v.nodes.length, help: v.help })); })()`);
        expect(violations).toEqual([]);
      } finally {
        await page.close();
      }
    }, 60_000);
  }

  it('the golden comparison can fail: the run page without one of its charts differs beyond the tolerance', async () => {
    const file = join(dir, 'one-chart-less.html');
    writeFileSync(file, pages.run!.text.replace(/<figure class="chart" id="s1l1-c1">[\s\S]*?<\/figure>/, ''));
    const page = await browser.open(`file://${file}`, WIDTHS.desktop, 900);
    try {
      const diff = pixelDifference(decodePng(await page.screenshot()), decodePng(readFileSync(join(images, 'run-desktop.png'))));
      expect(diff.share).toBeGreaterThan(0.005);
    } finally {
      await page.close();
    }
  }, 60_000);

  it('the page checks and axe can fail: low contrast, a skipped heading level, a table without scope, overflow', async () => {
    const broken = pages.run!.text
      .replace('</style>', '.note{color:#bbb}</style>')
      .replace(/<h3 /, '<h4 ').replace(/<\/h3>/, '</h4>')
      .replace('<th scope="col">Status</th>', '<th>Status</th>')
      .replace('<main>', '<main><div style="width:2000px">wide</div>');
    const file = join(dir, 'broken.html');
    writeFileSync(file, broken.replace(/<h2 id="s1l1-h">/, '<h4 id="s1l1-h">').replace(/(<h4 id="s1l1-h">[\s\S]*?)<\/h2>/, '$1</h4>'));
    const page = await browser.open(`file://${file}`, WIDTHS.phone, 900);
    try {
      const problems = await page.evaluate<string[]>(PAGE_CHECKS);
      expect(problems.some((p) => p.startsWith('contrast'))).toBe(true);
      expect(problems.some((p) => p.startsWith('heading level skips'))).toBe(true);
      expect(problems.some((p) => p.startsWith('th without scope'))).toBe(true);
      expect(problems.some((p) => p.startsWith('wider than the viewport'))).toBe(true);
      await page.evaluate(`${axeSource()};1`);
      const axeIds = await page.evaluate<string[]>(`axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] } }).then((r) => r.violations.map((v) => v.id))`);
      expect(axeIds).toContain('color-contrast');
    } finally {
      await page.close();
    }
  }, 60_000);
});
