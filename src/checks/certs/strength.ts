import { defineCheck } from '../../engine/check.js';
import { unreadable } from '../verdicts.js';

/** Key size and signature algorithm of each certificate (RSA >= 2048 bits, EC >= 256 bits, no SHA-1 or MD5). */
export default defineCheck({
  id: 'certs.strength',
  title: 'Certificate key size and signature algorithm',
  requires: ['certificates'],
  unit: 'count',
  timeoutMs: 15_000,
  async run({ probes, now }) {
    const reports = await probes.certificates(now());
    const cannot = unreadable(reports);
    if (cannot) return cannot;
    const weak = reports.filter((r) => r.weaknesses.length);
    const details = reports.map((r) => `${r.source}: ${r.key}, ${r.signature}${r.weaknesses.length ? ` — WEAK: ${r.weaknesses.join('; ')}: reissue with RSA 2048+ or ECDSA P-256 and SHA-256` : ''}`);
    return weak.length
      ? { status: 'fail', message: `${weak.length} of ${reports.length} certificates have a weak key or signature`, details }
      : { status: 'pass', message: `${reports.length} certificates: keys and signatures strong`, details };
  },
});
