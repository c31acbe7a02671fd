import { XMLBuilder } from 'fast-xml-parser';
import type { CheckResult, RunReport } from '../engine/report.js';
import { printableDeep } from '../engine/printable.js';
import { observedText, thresholdText } from './text.js';

const seconds = (ms: number) => (ms / 1000).toFixed(3);

function testcase(r: CheckResult, item: string): Record<string, unknown> {
  const t = thresholdText(r);
  const text = `${r.title}: ${observedText(r)}${t ? ` (${t})` : ''} — ${r.message}${r.details?.length ? `\n${r.details.join('\n')}` : ''}`;
  const attrs = { '@_name': r.title, '@_classname': `${item} (${r.id})`, '@_time': seconds(r.durationMs) };
  switch (r.status) {
    case 'fail':
      return { ...attrs, failure: { '@_message': r.message, '@_type': 'fail', '#text': text } };
    case 'error':
      return { ...attrs, error: { '@_message': r.message, '@_type': 'error', '#text': text } };
    case 'skip':
      return { ...attrs, skipped: { '@_message': r.message } };
    case 'manual':
      return { ...attrs, skipped: { '@_message': `needs a person's attestation: ${r.message}` } };
    case 'waived':
      return { ...attrs, skipped: { '@_message': `waived: ${r.message}` } };
    default:
      return { ...attrs, 'system-out': `${r.status.toUpperCase()} ${text}` };
  }
}

/** One testsuite per checklist line, one testcase per check: <failure> for fail, <error> for error, <skipped/> for skip, manual and waived. */
export function junit(shown: RunReport): string {
  // XML 1.0 has no control characters at all: CI would reject the file.
  const report = printableDeep(shown);
  const suites = report.items.map((item) => {
    const count = (s: string) => item.results.filter((r) => r.status === s).length;
    return {
      '@_name': item.title,
      '@_tests': item.results.length,
      '@_failures': count('fail'),
      '@_errors': count('error'),
      '@_skipped': count('skip') + count('manual') + count('waived'),
      '@_time': seconds(item.results.reduce((n, r) => n + r.durationMs, 0)),
      '@_timestamp': report.startedAt,
      testcase: item.results.map((r) => testcase(r, item.title)),
    };
  });
  const doc = {
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    testsuites: {
      '@_name': `nvcops ${report.command}`,
      '@_tests': report.summary.total,
      '@_failures': report.summary.fail,
      '@_errors': report.summary.error,
      '@_skipped': report.summary.skip + report.summary.manual + report.summary.waived,
      '@_time': seconds(report.durationMs),
      testsuite: suites,
    },
  };
  const builder = new XMLBuilder({ ignoreAttributes: false, format: true, suppressEmptyNode: true, processEntities: true });
  return builder.build(doc) as string;
}
