/** What `maintain security-updates` and weekly security read from npm: `npm audit` of each application directory. */

export type NpmSeverity = 'critical' | 'high' | 'moderate' | 'low' | 'info';
export const NPM_SEVERITIES: NpmSeverity[] = ['critical', 'high', 'moderate', 'low', 'info'];

export interface NpmAudit {
  counts: Record<NpmSeverity, number>;
  /** `name (severity): title — fix` lines, most severe first. */
  findings: { severity: NpmSeverity; line: string }[];
}

interface AuditJson {
  message?: string;
  error?: { code?: string; summary?: string; detail?: string };
  metadata?: { vulnerabilities?: Partial<Record<NpmSeverity, number>> };
  vulnerabilities?: Record<string, {
    name: string; severity: NpmSeverity; range?: string; isDirect?: boolean;
    via?: (string | { title?: string; url?: string })[]; fixAvailable?: boolean | { name: string; version: string; isSemVerMajor?: boolean };
  }>;
}

/** `npm audit --json` (report version 2, npm 7+); an `error` object (registry unreachable, no lockfile) is thrown with its cause. */
function parseNpmAudit(text: string, dir: string): NpmAudit {
  let json: AuditJson;
  try {
    json = JSON.parse(text) as AuditJson;
  } catch {
    throw new Error(`${dir}: npm audit did not answer JSON: ${text.trim().split('\n')[0]?.slice(0, 200) || '(nothing)'}`);
  }
  if (json.error) {
    const e = json.error;
    throw new Error(`${dir}: npm audit failed: ${e.code ? `${e.code}: ` : ''}${(json.message || e.summary || e.detail || 'no detail').split('\n')[0]}`);
  }
  if (!json.metadata?.vulnerabilities) throw new Error(`${dir}: npm audit JSON has no metadata.vulnerabilities (npm older than 7?)`);
  const counts = Object.fromEntries(NPM_SEVERITIES.map((s) => [s, json.metadata!.vulnerabilities![s] ?? 0])) as Record<NpmSeverity, number>;
  const findings = Object.values(json.vulnerabilities ?? {}).map((v) => {
    const titles = (v.via ?? []).flatMap((x) => (typeof x === 'string' ? [] : [x.title ?? x.url ?? ''])).filter(Boolean);
    const fix = v.fixAvailable === true ? 'npm audit fix'
      : v.fixAvailable ? `npm install ${v.fixAvailable.name}@${v.fixAvailable.version}${v.fixAvailable.isSemVerMajor ? ' (major version)' : ''}` : 'no fix yet: remove or replace it';
    return { severity: v.severity, line: `${dir}: ${v.name}${v.range ? ` ${v.range}` : ''} (${v.severity}${v.isDirect ? ', direct' : ''})${titles.length ? `: ${titles.join('; ')}` : ''} — ${fix}` };
  });
  findings.sort((a, b) => NPM_SEVERITIES.indexOf(a.severity) - NPM_SEVERITIES.indexOf(b.severity));
  return { counts, findings };
}

/** `npm audit` of each application directory, run once per run per directory; the audit's own failure is thrown with its cause. */
export class NpmProbe {
  private readonly audits = new Map<string, Promise<NpmAudit>>();

  audit(dir: string, signal?: AbortSignal): Promise<NpmAudit> {
    let audit = this.audits.get(dir);
    if (!audit) {
      audit = import('execa').then(async ({ execa }) => {
        const r = await execa('npm', ['audit', '--json', '--package-lock-only'], { cwd: dir, reject: false, cancelSignal: signal, env: { npm_config_update_notifier: 'false' } })
          .catch((e: Error) => ({ stdout: '', stderr: e.message }));
        return parseNpmAudit(r.stdout || r.stderr, dir);
      });
      this.audits.set(dir, audit);
    }
    return audit;
  }
}
