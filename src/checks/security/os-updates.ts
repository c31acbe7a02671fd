import { defineCheck } from '../../engine/check.js';
import { formatValue } from '../../engine/units.js';
import { APT_LISTS_ERROR_DAYS, APT_LISTS_WARN_DAYS, aptListsAge, aptListsDir, parseAptSimulation } from '../../maintain/updates.js';

/**
 * Pending OS security updates on this host, from apt's own simulation of an upgrade. The count is only as fresh as
 * apt's package lists: none is `error`, older than 1 day warns, older than 7 days is `error` (never `pass`).
 */
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
    const dir = await aptListsDir();
    const age = aptListsAge(now(), dir);
    const details = [...security, ...upgrades.filter((u) => !u.security)].map((u) => `${u.security ? 'SECURITY ' : ''}${u.name} ${u.from} → ${u.to} (${u.origin})${u.security ? ' — apt-get install --only-upgrade ' + u.name : ''}`);
    if (age === undefined) {
      return { status: 'error', message: `apt has no package lists in ${dir}: it cannot know of any update — run apt-get update`, details };
    }
    const days = age / 86_400_000;
    const lists = `package lists from ${formatValue(Math.round(age / 1000), 's')} ago`;
    const counted = `${security.length} security updates pending (${upgrades.length} upgrades in all)`;
    if (days > APT_LISTS_ERROR_DAYS) {
      return { status: 'error', message: `${lists} (> ${APT_LISTS_ERROR_DAYS} days): apt cannot know of fixes published since — run apt-get update; ${counted} by the stale lists`, details };
    }
    if (days > APT_LISTS_WARN_DAYS) {
      return { value: security.length, status: 'warn', message: `${counted}; ${lists} (> ${APT_LISTS_WARN_DAYS} day): run apt-get update`, details };
    }
    return {
      value: security.length,
      message: `${counted}; ${lists}`,
      details,
    };
  },
});
