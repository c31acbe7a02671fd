import { defineCheck } from '../../engine/check.js';
import { unreadable } from '../verdicts.js';

/** Each certificate's chain leads to a trusted CA, and each endpoint's certificate names its host. */
export default defineCheck({
  id: 'certs.validity',
  title: 'Certificate chain and host name',
  requires: ['certificates'],
  unit: 'count',
  timeoutMs: 15_000,
  async run({ probes, now }) {
    const reports = await probes.certificates(now());
    const cannot = unreadable(reports);
    if (cannot) return cannot;
    const problems = reports.flatMap((r) => [
      ...(r.chainProblem ? [`${r.source}: chain: ${r.chainProblem} — install the full chain (leaf + intermediates) from a trusted CA`] : []),
      ...(r.hostProblem ? [`${r.source}: host: ${r.hostProblem} — reissue with the host in subjectAltName`] : []),
    ]);
    return problems.length
      ? { status: 'fail', message: `${problems.length} problems in ${reports.length} certificates`, details: problems }
      : { status: 'pass', message: `${reports.length} certificates: chains trusted, host names match` };
  },
});
