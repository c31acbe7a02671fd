import { defineCheck } from '../../engine/check.js';
import { PrivilegeError } from '../../engine/errors.js';
import { HBA_GRANT, type HbaRule } from '../../probes/postgres-settings.js';

/** Prefix length of an IPv4 netmask (255.255.255.0 → 24); undefined when it is not one. */
function prefixOf(netmask: string): number | undefined {
  const bits = netmask.split('.').map((o) => Number(o).toString(2).padStart(8, '0')).join('');
  if (!/^1*0*$/.test(bits) || bits.length !== 32) return undefined;
  return bits.replace(/0+$/, '').length;
}

/** Whether a host rule can only match the loopback interface (127.0.0.0/8 or ::1/128), where TLS protects nothing. */
export function loopbackOnly(address: string | null, netmask: string | null): boolean {
  if (address === 'localhost') return true;
  if (!address || !netmask) return false;
  if (address.startsWith('127.')) return (prefixOf(netmask) ?? 0) >= 8;
  return address === '::1' && netmask === 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff';
}

/**
 * pg_hba.conf requires TLS for every connection over the network: no `host` (TLS optional) or
 * `hostnossl` line that admits a non-loopback address. Read from pg_hba_file_rules (superuser or a grant).
 */
export default defineCheck({
  id: 'postgres.hba-ssl',
  title: 'pg_hba.conf: network connections only over TLS (hostssl)',
  requires: ['postgres'],
  unit: 'count',
  async run({ probes }) {
    let rules: HbaRule[];
    try {
      rules = await probes.postgres.primary.query<HbaRule>(
        `SELECT line_number, type, database, user_name, address, netmask, auth_method, options, error FROM pg_hba_file_rules ORDER BY line_number`,
      );
    } catch (e) {
      if (!(e instanceof PrivilegeError)) throw e;
      return {
        status: 'error',
        message: `pg_hba_file_rules cannot be read: it needs a superuser, or ${HBA_GRANT}`,
      };
    }
    const rule = (r: HbaRule) => `line ${r.line_number}: ${r.type} ${(r.database ?? []).join(',')} ${(r.user_name ?? []).join(',')} ${[r.address, r.netmask].filter(Boolean).join(' ')} ${r.auth_method ?? ''}`.replace(/\s+/g, ' ').trim();
    // PCI DSS 4.2.1 / CIS PostgreSQL 5.8: a `host` line also admits clients that do not ask for TLS (`hostnogssenc` too;
    // `hostgssenc` is encrypted by GSSAPI instead).
    const open = rules.filter((r) => !r.error && ['host', 'hostnossl', 'hostnogssenc'].includes(r.type) && r.auth_method !== 'reject' && !loopbackOnly(r.address, r.netmask));
    const broken = rules.filter((r) => r.error).map((r) => `line ${r.line_number}: not loaded — ${r.error}`);
    const network = rules.filter((r) => !r.error && r.type.startsWith('host'));
    if (open.length) {
      return {
        status: 'fail', value: open.length,
        message: `${open.length} pg_hba.conf line${open.length === 1 ? '' : 's'} admit${open.length === 1 ? 's' : ''} network clients without TLS — make them hostssl`,
        details: [...open.map(rule), ...broken],
      };
    }
    return {
      status: 'pass', value: 0,
      message: `every one of ${network.length} network line${network.length === 1 ? '' : 's'} of pg_hba.conf is hostssl, hostgssenc, reject or loopback-only`,
      ...(broken.length ? { details: broken } : {}),
    };
  },
});
