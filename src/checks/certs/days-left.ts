import { defineCheck } from '../../engine/check.js';
import { unreadable } from '../verdicts.js';

/** Days until the first configured certificate expires. */
export default defineCheck({
  id: 'certs.days-left',
  title: 'Certificate days left',
  requires: ['certificates'],
  unit: 'days',
  // The bank-grade levels (warn 30 d, fail 14 d); check_ssl_cert defaults are 20 / 15 days
  thresholds: { warn: '< 30 days', fail: '< 14 days', source: 'nvcops issue 7 (bank policy); check_ssl_cert 20/15 days' },
  timeoutMs: 15_000,
  async run({ probes, now }) {
    const reports = await probes.certificates(now());
    const readable = reports.filter((r) => r.daysLeft !== undefined).sort((a, b) => a.daysLeft! - b.daysLeft!);
    const details = readable.map((r) => `${r.source}: ${r.daysLeft} days left (until ${r.notAfter}) — ${r.subject}${r.daysLeft! < 30 ? ' — renew it now' : ''}`);
    const cannot = unreadable(reports);
    if (cannot) return { ...cannot, details: [...cannot.details.filter((d) => !d.endsWith(': read')), ...details] };
    const first = readable[0]!;
    return { value: first.daysLeft!, message: `${first.source} expires first: ${first.daysLeft} days left (${first.notAfter!.slice(0, 10)})`, details };
  },
});
