import { defineCheck } from '../../engine/check.js';
import { formatValue } from '../../engine/units.js';
import { aptListsAge, parseAptSimulation } from '../../maintain/updates.js';

/** Pending OS security updates on this host, from apt's own simulation of an upgrade. */
export default defineCheck({
  id: 'security.os-updates',
  title: 'Pending OS security updates',
  item: 'Security patch review (security_updates.sh)',
  requires: [],
  unit: 'count',
  // CIS Debian Linux benchmark 1.9: ensure updates, patches and additional security software are installed
  thresholds: { warn: '> 0', source: 'CIS Debian Linux benchmark 1.9' },
  timeoutMs: 60_000,
  async run({ now }) {
    const { execa } = await import('execa');
    const apt = await execa('apt-get', ['-s', '-o', 'Debug::NoLocking=1', 'upgrade'], { reject: false, env: { LC_ALL: 'C' } }).catch((e: Error) => e);
    if (apt instanceof Error || (apt as { code?: string }).code === 'ENOENT') {
      return { status: 'skip', message: 'apt-get not found: only Debian and Ubuntu package updates are checked' };
    }
    if (apt.exitCode !== 0) return { status: 'error', message: `apt-get -s upgrade exited ${apt.exitCode}: ${apt.stderr.trim().split('\n')[0]}` };
    const upgrades = parseAptSimulation(apt.stdout);
    const security = upgrades.filter((u) => u.security);
    const age = aptListsAge(now());
    const lists = age === undefined ? 'apt has no package lists: run apt-get update' : `package lists from ${formatValue(Math.round(age / 1000), 's')} ago`;
    return {
      value: security.length,
      message: `${security.length} security updates pending (${upgrades.length} upgrades in all); ${lists}`,
      details: [...security, ...upgrades.filter((u) => !u.security)].map((u) => `${u.security ? 'SECURITY ' : ''}${u.name} ${u.from} → ${u.to} (${u.origin})${u.security ? ' — apt-get install --only-upgrade ' + u.name : ''}`),
    };
  },
});
