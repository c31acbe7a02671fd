/** `maintain access` (access_audit.py): PostgreSQL roles and privileges, Redis ACL users, each finding with a severity. */
import type { Status } from '../engine/verdict.js';
import { PrivilegeError } from '../engine/errors.js';
import type { PostgresProbe } from '../probes/postgres.js';
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

interface RoleRow {
  name: string;
  superuser: boolean;
  login: boolean;
  bootstrap: boolean;
  until: Date | null;
  createrole: boolean;
  bypassrls: boolean;
  member_of: string[];
  connected: boolean;
  used: boolean;
}

const ROLES = `
  SELECT r.rolname AS name, r.rolsuper AS superuser, r.rolcanlogin AS login, r.oid = 10 AS bootstrap, r.rolvaliduntil AS until,
         r.rolcreaterole AS createrole, r.rolbypassrls AS bypassrls,
         ARRAY(SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid ORDER BY 1)::text[] AS member_of,
         EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.usesysid = r.oid) AS connected,
         -- "used": owns something, holds a grant, or has members; PostgreSQL keeps no last-login time
         EXISTS (SELECT 1 FROM pg_class c WHERE c.relowner = r.oid) OR EXISTS (SELECT 1 FROM pg_namespace n WHERE n.nspowner = r.oid)
           OR EXISTS (SELECT 1 FROM pg_database d WHERE d.datdba = r.oid)
           OR EXISTS (SELECT 1 FROM pg_class c, aclexplode(c.relacl) a WHERE a.grantee = r.oid)
           OR EXISTS (SELECT 1 FROM pg_namespace n, aclexplode(n.nspacl) a WHERE a.grantee = r.oid)
           OR EXISTS (SELECT 1 FROM pg_database d, aclexplode(d.datacl) a WHERE a.grantee = r.oid)
           OR EXISTS (SELECT 1 FROM pg_auth_members m WHERE m.roleid = r.oid OR m.member = r.oid) AS used
    FROM pg_roles r WHERE r.rolname !~ '^pg_' ORDER BY 1`;

/**
 * Superusers, passwords (none or md5), expiry, unused roles, members of powerful roles. The passwords
 * (pg_authid, superuser only) are read through `admin` (postgres.adminUrl): the checks' role has pg_monitor alone.
 */
export async function roleFindings(pg: PostgresProbe, admin: PostgresProbe): Promise<{ findings: Finding[]; passwordsReadAs: string; passwordsUnreadable?: string }> {
  const readAs = `${admin.role} (${admin.target.setting})`;
  const roles = await pg.query<RoleRow>(ROLES);
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
  try {
    const pw = await admin.query<{ name: string; bootstrap: boolean; none: boolean; md5: boolean }>(
      `SELECT rolname AS name, oid = 10 AS bootstrap, rolpassword IS NULL AS none, rolpassword LIKE 'md5%' AS md5 FROM pg_authid WHERE rolcanlogin ORDER BY 1`,
    );
    for (const p of pw) {
      if (p.none && !p.bootstrap) findings.push({ severity: 'high', subject: p.name, finding: 'login role without a password', remedy: `set a password (or NOLOGIN); a trust or peer line in pg_hba.conf lets it in unchecked` });
      if (p.md5) findings.push({ severity: 'medium', subject: p.name, finding: 'password stored as MD5', remedy: 'with password_encryption = scram-sha-256, set the password again' });
    }
  } catch (e) {
    if (!(e instanceof PrivilegeError)) throw e;
    return { findings, passwordsReadAs: readAs, passwordsUnreadable: `passwords not checked: reading pg_authid needs a superuser and ${readAs} is not one; set postgres.adminUrl to a superuser` };
  }
  return { findings, passwordsReadAs: readAs };
}

/** PUBLIC (every role, present and future) may create in a schema, or read or write a table. */
export async function publicPrivilegeFindings(pg: PostgresProbe): Promise<Finding[]> {
  const [schemas, tables] = await Promise.all([
    pg.query<{ name: string }>(
      `SELECT nspname AS name FROM pg_namespace WHERE nspname !~ '^pg_' AND nspname <> 'information_schema' AND has_schema_privilege('public', oid, 'CREATE') ORDER BY 1`,
    ),
    pg.query<{ name: string; privileges: string[] }>(
      `SELECT format('%I.%I', n.nspname, c.relname) AS name, array_agg(a.privilege_type ORDER BY a.privilege_type)::text[] AS privileges
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) a
        WHERE a.grantee = 0 AND c.relkind IN ('r', 'v', 'm', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        GROUP BY 1 ORDER BY 1`,
    ),
  ]);
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
