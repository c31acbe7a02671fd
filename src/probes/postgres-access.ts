/** What `maintain access` (access_audit.py) reads from PostgreSQL: roles, their passwords' form, and PUBLIC's privileges. */
import type { PostgresProbe } from './postgres.js';

export interface RoleRow {
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

/** Every role but the predefined pg_* ones, with what makes it powerful or unused. */
export const roles = (pg: PostgresProbe): Promise<RoleRow[]> => pg.query<RoleRow>(ROLES);

export interface PasswordRow {
  name: string;
  bootstrap: boolean;
  none: boolean;
  md5: boolean;
}

/** How each login role's password is stored (none, MD5): pg_authid, so a superuser's session (postgres.adminUrl); a PrivilegeError otherwise. */
export const loginPasswords = (admin: PostgresProbe): Promise<PasswordRow[]> =>
  admin.query<PasswordRow>(
    `SELECT rolname AS name, oid = 10 AS bootstrap, rolpassword IS NULL AS none, rolpassword LIKE 'md5%' AS md5 FROM pg_authid WHERE rolcanlogin ORDER BY 1`,
  );

export interface PublicPrivileges {
  /** Schemas PUBLIC may CREATE in. */
  schemas: { name: string }[];
  /** Tables, views and materialized views PUBLIC holds privileges on. */
  tables: { name: string; privileges: string[] }[];
}

/** What PUBLIC (every role, present and future) may do on schemas and tables. */
export async function publicPrivileges(pg: PostgresProbe): Promise<PublicPrivileges> {
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
  return { schemas, tables };
}
