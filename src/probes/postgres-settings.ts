import { createHash } from 'node:crypto';
import { PrivilegeError } from '../engine/errors.js';
import type { PostgresProbe } from './postgres.js';

/**
 * What a server is configured with, fingerprinted as check_postgres settings_checksum does: every
 * setting taken from a configuration file, the command line or ALTER SYSTEM, and every line of
 * pg_hba.conf. Values are kept as hashes (a primary_conninfo may hold a password), so a snapshot can
 * go in the audit trail; `shown` holds what may be printed.
 */
export interface SettingsSnapshot {
  /** sha256 of the sorted items. */
  fingerprint: string;
  /** `shared_buffers`, `pg_hba.conf: host all all 10.0.0.0/8 scram-sha-256` → the value's sha256 (16 hex digits). */
  items: Record<string, string>;
  /** The value to print for each item; hidden for settings that may carry a secret. */
  shown: Record<string, string>;
}

/** Settings whose value may carry a password or a command line with one: named, never printed. */
const SECRET_BEARING = /conninfo|command|passphrase|password/;

const digest = (text: string) => createHash('sha256').update(text).digest('hex');

export const HBA_GRANT = 'GRANT SELECT ON pg_hba_file_rules TO <the nvcops role>; GRANT EXECUTE ON FUNCTION pg_hba_file_rules() TO <the nvcops role>';

/** A row of pg_hba_file_rules: one line of pg_hba.conf as the server parses it. */
export interface HbaRule {
  line_number: number;
  type: string;
  database: string[] | null;
  user_name: string[] | null;
  address: string | null;
  netmask: string | null;
  auth_method: string | null;
  options: string[] | null;
  /** Why the line would not load; null when it would. */
  error: string | null;
}

export async function readSettings(server: PostgresProbe): Promise<SettingsSnapshot> {
  const settings = await server.query<{ name: string; setting: string; unit: string | null }>(
    // The sources an operator sets (file, ALTER SYSTEM, command line); not this session's own (client, session) nor built-ins (default, override).
    `SELECT name, setting, unit FROM pg_settings WHERE source IN ('configuration file', 'command line', 'environment variable', 'global') ORDER BY name`,
  );
  let hba: HbaRule[];
  try {
    hba = await server.query<HbaRule>(`SELECT line_number, type, database, user_name, address, netmask, auth_method, options, error FROM pg_hba_file_rules ORDER BY line_number`);
  } catch (e) {
    if (!(e instanceof PrivilegeError)) throw e;
    throw new PrivilegeError(`pg_hba_file_rules cannot be read on ${server.name} (${server.address}): it needs a superuser, or ${HBA_GRANT}`);
  }
  const items: Record<string, string> = {};
  const shown: Record<string, string> = {};
  for (const s of settings) {
    const value = `${s.setting}${s.unit ? ` ${s.unit}` : ''}`;
    items[s.name] = digest(value).slice(0, 16);
    shown[s.name] = SECRET_BEARING.test(s.name) ? '(value not shown)' : value;
  }
  for (const l of hba) {
    const words = [l.type, (l.database ?? []).join(','), (l.user_name ?? []).join(','), l.address, l.netmask, l.auth_method, ...(l.options ?? [])];
    const text = words.filter(Boolean).join(' ');
    // The same line twice is two lines: numbered by its occurrence, not its position, so an inserted line changes only itself.
    let key = `pg_hba.conf: ${text}`;
    for (let n = 2; key in items; n++) key = `pg_hba.conf: ${text} (#${n})`;
    items[key] = digest('').slice(0, 16);
    shown[key] = `line ${l.line_number}`;
  }
  const fingerprint = digest(Object.keys(items).sort().map((k) => `${k}=${items[k]}`).join('\n'));
  return { fingerprint, items, shown };
}

/** What differs between an accepted snapshot's items and the server's now, one line each. */
export function settingsChanges(accepted: Record<string, string>, now: SettingsSnapshot): string[] {
  const keys = [...new Set([...Object.keys(accepted), ...Object.keys(now.items)])].sort();
  return keys.flatMap((k) => {
    if (!(k in now.items)) return [`removed: ${k}`];
    if (!(k in accepted)) return [`added: ${k}${k.startsWith('pg_hba.conf: ') ? ` (${now.shown[k]})` : ` = ${now.shown[k]}`}`];
    return accepted[k] === now.items[k] ? [] : [`changed: ${k} = ${now.shown[k]}`];
  });
}
