import { defineCheck } from '../../engine/check.js';
import { NPM_SEVERITIES, type NpmSeverity } from '../../probes/npm.js';

/** Known-vulnerable dependencies of the configured application directories (npm audit against the registry). */
export default defineCheck({
  id: 'security.npm-audit',
  title: 'Vulnerable npm dependencies',
  requires: ['applications'],
  unit: 'count',
  timeoutMs: 120_000,
  async run({ config, probes, signal }) {
    const totals = Object.fromEntries(NPM_SEVERITIES.map((s) => [s, 0])) as Record<NpmSeverity, number>;
    const findings: { severity: NpmSeverity; line: string }[] = [];
    const errors: string[] = [];
    for (const dir of config.security!.applications!) {
      try {
        const audit = await probes.npm.audit(dir, signal);
        for (const s of NPM_SEVERITIES) totals[s] += audit.counts[s];
        findings.push(...audit.findings);
      } catch (e) {
        errors.push((e as Error).message);
      }
    }
    findings.sort((a, b) => NPM_SEVERITIES.indexOf(a.severity) - NPM_SEVERITIES.indexOf(b.severity));
    const counts = NPM_SEVERITIES.map((s) => `${totals[s]} ${s}`).join(', ');
    const details = [...errors, ...findings.map((f) => f.line)];
    // A directory that could not be audited is unknown, not clean.
    if (errors.length) return { status: totals.critical + totals.high ? 'fail' : 'error', message: `${errors.length} application directories could not be audited; found ${counts}`, details };
    // npm audit's own --audit-level: critical and high fail, moderate warns
    const status = totals.critical + totals.high ? 'fail' : totals.moderate ? 'warn' : 'pass';
    return { status, message: `${counts} vulnerabilities`, details };
  },
});
