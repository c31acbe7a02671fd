/** `maintain access` (access_audit.py) judged: PostgreSQL roles and privileges, Redis ACL users, each finding with a severity. */
import type { Status } from '../engine/verdict.js';
import type { PasswordRow, PublicPrivileges, RoleRow } from '../probes/postgres-access.js';
import type { AclUser } from '../probes/redis.js';

export type Severity = 'high' | 'medium' | 'low';
export interface Finding {
  severity: Severity;
  subject: string;
  finding: string;
  remedy: string;
}

const ORDER: Record<Severity, number> = { high: 0, medium: 1, low: 2 };

/** Most severe first; high makes the check fail, medium warn, low is listed but passes. */
export function verdictOf(findings: Finding[], what: string): { status: Status; message: string; details: string[] } {
  const sorted = [...findings].sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);
  const count = (s: Severity) => findings.filter((f) => f.severity === s).length;
  return {
    status: count('high') ? 'fail' : count('medium') ? 'warn' : 'pass',
    message: `${what}: ${count('high')} high, ${count('medium')} medium, ${count('low')} low findings`,
    details: sorted.map((f) => `[${f.severity}] ${f.subject}: ${f.finding} — ${f.remedy}`),
  };
}

// Predefined roles that reach the server's files or programs (high) or every table (medium): PostgreSQL docs "Predefined Roles".
const POWERFUL: Record<string, Severity> = {
  pg_execute_server_program: 'high', pg_read_server_files: 'high', pg_write_server_files: 'high',
  pg_read_all_data: 'medium', pg_write_all_data: 'medium', pg_signal_backend: 'medium',
};

/**
 * Superusers, passwords (none or md5), expiry, unused roles, members of powerful roles. `passwords` undefined: pg_authid
 * could not be read (the checks' role has pg_monitor alone), and the password part is left out.
 */
export function roleFindings(roles: RoleRow[], passwords: PasswordRow[] | undefined): Finding[] {
  const findings: Finding[] = [];
  for (const r of roles) {
    if (r.superuser) {
      findings.push(r.bootstrap
        ? { severity: 'low', subject: r.name, finding: 'superuser (the bootstrap role that owns the cluster)', remedy: 'use it only for administration, never from applications' }
        : { severity: 'high', subject: r.name, finding: `superuser${r.login ? ' that can log in' : ''}`, remedy: `ALTER ROLE ${r.name} NOSUPERUSER; grant only what it needs` });
    }
    if (!r.superuser && (r.createrole || r.bypassrls)) {
      findings.push({ severity: 'medium', subject: r.name, finding: [r.createrole && 'CREATEROLE', r.bypassrls && 'BYPASSRLS'].filter(Boolean).join(' and '), remedy: 'keep these for administrators only' });
    }
    for (const g of r.member_of) {
      const severity = POWERFUL[g];
      if (severity) findings.push({ severity, subject: r.name, finding: `member of ${g}`, remedy: `REVOKE ${g} FROM ${r.name} unless its job needs it` });
    }
    if (r.login && !r.bootstrap && !r.until) findings.push({ severity: 'low', subject: r.name, finding: 'login role whose password never expires', remedy: `ALTER ROLE ${r.name} VALID UNTIL '<date>' per the password policy` });
    if (!r.used && !r.superuser && !r.connected) {
      findings.push({ severity: 'low', subject: r.name, finding: 'unused: owns nothing, holds no grants, has no members or memberships, not connected', remedy: `DROP ROLE ${r.name} if no one needs it` });
    }
  }
  for (const p of passwords ?? []) {
    if (p.none && !p.bootstrap) findings.push({ severity: 'high', subject: p.name, finding: 'login role without a password', remedy: `set a password (or NOLOGIN); a trust or peer line in pg_hba.conf lets it in unchecked` });
    if (p.md5) findings.push({ severity: 'medium', subject: p.name, finding: 'password stored as MD5', remedy: 'with password_encryption = scram-sha-256, set the password again' });
  }
  return findings;
}

/** PUBLIC (every role, present and future) may create in a schema, or read or write a table. */
export function publicPrivilegeFindings({ schemas, tables }: PublicPrivileges): Finding[] {
  return [
    ...schemas.map((s): Finding => ({ severity: 'high', subject: `schema ${s.name}`, finding: 'PUBLIC may CREATE objects in it', remedy: `REVOKE CREATE ON SCHEMA ${s.name} FROM PUBLIC` })),
    ...tables.map((t): Finding => {
      const writes = t.privileges.filter((p) => p !== 'SELECT' && p !== 'REFERENCES');
      return {
        severity: writes.length ? 'high' : 'medium',
        subject: `table ${t.name}`,
        finding: `PUBLIC has ${t.privileges.join(', ')}`,
        remedy: `REVOKE ALL ON ${t.name} FROM PUBLIC; grant to the roles that need it`,
      };
    }),
  ];
}

/** Redis ACL users: the default user without a password, users allowed every command. */
export function redisUserFindings(users: AclUser[]): Finding[] {
  return users.filter((u) => u.on).flatMap((u): Finding[] => [
    ...(u.nopass ? [{ severity: 'high' as const, subject: `user ${u.name}`, finding: 'enabled without a password', remedy: `ACL SETUSER ${u.name} resetpass >… (or off)` }] : []),
    ...(u.allCommands ? [{ severity: 'medium' as const, subject: `user ${u.name}`, finding: 'may run every command (+@all)', remedy: `ACL SETUSER ${u.name} -@all +@read +@write … (only what the application uses)` }] : []),
  ]);
}
