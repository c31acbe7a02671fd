/** `maintain security-updates` (security_updates.sh): pending OS security updates (apt) and vulnerable npm dependencies. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface AptUpgrade {
  name: string;
  from: string;
  to: string;
  origin: string;
  security: boolean;
  /** Left out by `apt-get upgrade` (kept back): it needs new packages or removals, or is held with apt-mark hold. */
  heldBack?: true;
}

/** `apt-get -s upgrade` lines: `Inst libssl3 [3.0.17-1~deb12u2] (3.0.17-1~deb12u3 Debian-Security:12/stable-security [amd64])`. */
export function parseAptSimulation(text: string): AptUpgrade[] {
  return text.split('\n').flatMap((line) => {
    const m = /^Inst (\S+) \[([^\]]+)\] \((\S+) (.+?) \[[^\]]+\]\)/.exec(line);
    if (!m) return [];
    return [{ name: m[1]!, from: m[2]!, to: m[3]!, origin: m[4]!, security: /security/i.test(m[4]!) }];
  });
}

/** The packages `apt-get -s upgrade` keeps back: `The following packages have been kept back:` then indented names. */
export function parseKeptBack(text: string): string[] {
  const m = /^The following packages have been kept back:\n((?: .*(?:\n|$))+)/m.exec(text);
  return m ? m[1]!.trim().split(/\s+/) : [];
}

/** Where apt keeps its package lists, as apt itself is configured (`apt-config`, honouring APT_CONFIG); the Debian default otherwise. */
export async function aptListsDir(): Promise<string> {
  const { execa } = await import('execa');
  const r = await execa('apt-config', ['shell', 'L', 'Dir::State::lists/d'], { reject: false, env: { LC_ALL: 'C' } }).catch(() => undefined);
  const m = r && r.exitCode === 0 ? /^L='(.+)'$/m.exec(r.stdout) : null;
  return m ? m[1]! : '/var/lib/apt/lists';
}

/** How long ago apt last refreshed its package lists (the newest list or Release file in the lists directory), or undefined when it has none. */
export function aptListsAge(now: Date, dir: string): number | undefined {
  if (!existsSync(dir)) return undefined;
  const times = readdirSync(dir).filter((f) => /_(Packages(\.\w+)?|Release|InRelease)$/.test(f)).map((f) => statSync(join(dir, f)).mtimeMs);
  return times.length ? now.getTime() - Math.max(...times) : undefined;
}

/** Package lists older than this warn, and older than the error limit make the count meaningless: apt cannot know of fixes published after them. */
export const APT_LISTS_WARN_DAYS = 1;
export const APT_LISTS_ERROR_DAYS = 7;

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
export function parseNpmAudit(text: string, dir: string): NpmAudit {
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
