import { XMLBuilder } from 'fast-xml-parser';
import type { CheckResult, RunReport } from '../engine/report.js';
import { printableDeep } from '../engine/printable.js';
import type { RenderOptions } from './formats.js';
import { manualMakesItRed, observedText, thresholdText } from './text.js';

const seconds = (ms: number) => (ms / 1000).toFixed(3);

/**
 * What XML 1.0 has no character for (its Char production), once `printable` has written the controls out:
 * the noncharacters U+FFFE and U+FFFF and unpaired surrogates. They are removed.
 */
const NOT_XML = /[\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
function xmlText<T>(value: T): T {
  if (typeof value === 'string') return value.replace(NOT_XML, '') as T;
  if (Array.isArray(value)) return value.map(xmlText) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, xmlText(v)])) as T;
  return value;
}

/**
 * Jenkins splits a classname at its last dot into package and class: `nvcops.<command>` is the package
 * and the checklist line the class, its own dots (99.9%) written as the one-dot leader U+2024, which
 * reads the same and is not split on.
 */
const classname = (command: string, item: string) => `nvcops.${command.replace(/[\s.]+/g, '-')}.${item.replace(/\./g, '\u2024')}`;

/** Which statuses are <failure>: fail always; warn when --fail-on warn (it made the exit code non-zero); manual when unattested lines made it 3. */
function failing(report: RunReport, opts: Partial<RenderOptions>): Set<CheckResult['status']> {
  return new Set<CheckResult['status']>(['fail', ...(opts.failOn !== 'fail' ? ['warn' as const] : []), ...(manualMakesItRed(report) ? ['manual' as const] : [])]);
}

function testcase(r: CheckResult, classnameOf: string, failures: Set<CheckResult['status']>): Record<string, unknown> {
  const t = thresholdText(r);
  const text = `${r.title}: ${observedText(r)}${t ? ` (${t})` : ''} — ${r.message}${r.details?.length ? `\n${r.details.join('\n')}` : ''}`;
  const attrs = { '@_name': `${r.title} (${r.id})`, '@_classname': classnameOf, '@_time': seconds(r.durationMs) };
  if (failures.has(r.status)) {
    const message = r.status === 'manual' ? `needs a person's attestation: ${r.message}` : r.message;
    return { ...attrs, failure: { '@_message': message, '@_type': r.status, '#text': text } };
  }
  switch (r.status) {
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

/**
 * One testsuite per checklist line, one testcase per check: <failure> for fail (and for warn and manual
 * when they make the exit code non-zero, so that a red job never shows a green report), <error> for error,
 * <skipped/> for skip, waived and manual lines that do not count.
 */
export function junit(shown: RunReport, opts: Partial<RenderOptions> = {}): string {
  // XML 1.0 has no control characters at all: CI would reject the file.
  const report = xmlText(printableDeep(shown));
  const failures = failing(report, opts);
  const counts = (results: CheckResult[]) => {
    const n = (p: (r: CheckResult) => boolean) => results.filter(p).length;
    return {
      '@_tests': results.length,
      '@_failures': n((r) => failures.has(r.status)),
      '@_errors': n((r) => r.status === 'error'),
      '@_skipped': n((r) => ['skip', 'manual', 'waived'].includes(r.status) && !failures.has(r.status)),
    };
  };
  const suites = report.items.map((item) => ({
    '@_name': item.title,
    ...counts(item.results),
    '@_time': seconds(item.results.reduce((n, r) => n + r.durationMs, 0)),
    '@_timestamp': report.startedAt,
    testcase: item.results.map((r) => testcase(r, classname(report.command, item.title), failures)),
  }));
  const doc = {
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    // The root has no `skipped` in Jenkins' junit-10.xsd (each testsuite has): leaving it out keeps the file valid.
    testsuites: {
      '@_name': `nvcops ${report.command}`,
      ...(({ '@_skipped': _, ...rest }) => rest)(counts(report.items.flatMap((i) => i.results))),
      '@_time': seconds(report.durationMs),
      testsuite: suites,
    },
  };
  const builder = new XMLBuilder({ ignoreAttributes: false, format: true, suppressEmptyNode: true, processEntities: true });
  return builder.build(doc) as string;
}
