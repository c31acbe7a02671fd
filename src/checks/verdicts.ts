/** Verdict helpers shared by checks of several domains: they judge what a probe read, and read nothing themselves. */
import type { CertificateReport } from '../probes/certificates.js';

/** Certificates that could not be read make a check `error` (it cannot say they are fine), naming each. */
export function unreadable(reports: CertificateReport[]): { status: 'error'; message: string; details: string[] } | undefined {
  const bad = reports.filter((r) => r.error);
  if (!bad.length) return undefined;
  return {
    status: 'error',
    message: `${bad.length} of ${reports.length} certificates could not be read`,
    details: reports.map((r) => (r.error ? `${r.source}: ${r.error}` : `${r.source}: read`)),
  };
}
