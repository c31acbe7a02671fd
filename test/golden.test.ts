import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RunReport } from '../src/engine/report.js';
import { FORMATS } from '../src/report/formats.js';
import { renderer } from '../src/report/index.js';

/** Golden files per format: UPDATE_GOLDEN=1 npx vitest run test/golden.test.ts writes them after a deliberate change; a missing one fails. */
const dir = new URL('../fixtures/golden/', import.meta.url).pathname;
const fixtures: Record<string, RunReport> = {
  'health-db-fail': JSON.parse(readFileSync(`${dir}health-db-fail.report.json`, 'utf8')),
  'health-db-pass': JSON.parse(readFileSync(`${dir}health-db-pass.report.json`, 'utf8')),
  // A review with a waived control (never shown as pass) and an unattested manual one (exit 3).
  'review-waived-manual': JSON.parse(readFileSync(`${dir}review-waived-manual.report.json`, 'utf8')),
  // A real health daily (test/screen.test.ts's servers, paths and ports renamed): no AWS, failing error rate and backups.
  'health-daily-problems': JSON.parse(readFileSync(`${dir}health-daily-problems.report.json`, 'utf8')),
};
const ext = { human: 'txt', json: 'json', junit: 'xml', nagios: 'txt', markdown: 'md', prometheus: 'prom', github: 'txt', html: 'html' } as const;

/** The file's text equals `out`; UPDATE_GOLDEN=1 writes it, and only then: a missing golden file is a failure, not a pass. */
function matchesGolden(file: string, out: string): void {
  if (process.env.UPDATE_GOLDEN) writeFileSync(file, out);
  expect(existsSync(file), `${file} is missing: write it with UPDATE_GOLDEN=1 and review it`).toBe(true);
  expect(out).toBe(readFileSync(file, 'utf8'));
}

describe('renderers match their golden files', () => {
  for (const [name, report] of Object.entries(fixtures)) {
    for (const format of FORMATS) {
      it(`${name} as ${format}`, async () => {
        const file = `${dir}${name}.${report.exitCode}.${format}.${ext[format]}`;
        matchesGolden(file, (await renderer(format))(report, { color: false }));
      });
    }
    // The human screen at 80 columns (the default above) and at 160.
    it(`${name} as human at 160 columns`, async () => {
      matchesGolden(`${dir}${name}.${report.exitCode}.human-160.txt`, (await renderer('human'))(report, { color: false, width: 160 }));
    });
  }

  it('colours the human checklist only when asked', async () => {
    const report = fixtures['health-db-fail']!;
    const human = await renderer('human');
    expect(human(report, { color: true })).toMatch(/\u001b\[31m✖/);
    expect(human(report, { color: false })).not.toMatch(/\u001b\[/);
  });
});
