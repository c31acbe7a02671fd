import { defineCheck } from '../../engine/check.js';
import { formatValue } from '../../engine/units.js';
import { parseAptSimulation, parseKeptBack, type AptUpgrade } from '../../probes/apt.js';

/** Package lists older than this warn, and older than the error limit make the count meaningless: apt cannot know of fixes published after them. */
const APT_LISTS_WARN_DAYS = 1;
const APT_LISTS_ERROR_DAYS = 7;

/** The command that installs a pending upgrade: a held-back one needs apt-get install (new packages, removals) or dist-upgrade. */
const howToInstall = (u: AptUpgrade): string =>
  u.heldBack ? ` — held back by apt-get upgrade (it needs new packages or removals, or is held with apt-mark hold): apt-get install ${u.name} or apt-get dist-upgrade`
    : u.security ? ` — apt-get install --only-upgrade ${u.name}` : '';

/**
 * Pending OS security updates on this host, from apt's own simulation of an upgrade; those it keeps back (they need new
 * packages or removals, or are held) count too, with their versions from a dist-upgrade simulation. The count is only as fresh as
 * apt's package lists: none is `error`, older than 1 day warns, older than 7 days is `error` (never `pass`).
 */
export default defineCheck({
  id: 'security.os-updates',
  title: 'Pending OS security updates',
  requires: [],
  unit: 'count',
  // CIS Debian Linux benchmark 1.9: ensure updates, patches and additional security software are installed
  thresholds: { warn: '> 0', source: 'CIS Debian Linux benchmark 1.9' },
  timeoutMs: 60_000,
  async run({ probes, now }) {
    const apt = await probes.apt.simulate(['upgrade']);
    if (apt instanceof Error || apt.code === 'ENOENT') {
      return { status: 'skip', message: 'apt-get not found: only Debian and Ubuntu package updates are checked' };
    }
    if (apt.exitCode !== 0) return { status: 'error', message: `apt-get -s upgrade exited ${apt.exitCode}: ${apt.stderr.trim().split('\n')[0]}` };
    // What apt-get upgrade keeps back is still pending: dist-upgrade (holds ignored) says to which version and from where.
    const kept = parseKeptBack(apt.stdout);
    let heldBack: AptUpgrade[] = [];
    if (kept.length) {
      const full = await probes.apt.simulate(['--ignore-hold', 'dist-upgrade']);
      if (full instanceof Error || full.exitCode !== 0) {
        return { status: 'error', message: `apt-get -s --ignore-hold dist-upgrade failed (${full instanceof Error ? full.message : `exit ${full.exitCode}: ${full.stderr.trim().split('\n')[0]}`}): cannot tell which of the ${kept.length} packages apt-get upgrade keeps back are security fixes (${kept.join(', ')})` };
      }
      heldBack = parseAptSimulation(full.stdout).filter((u) => kept.includes(u.name)).map((u) => ({ ...u, heldBack: true as const }));
      const unplanned = kept.filter((name) => !heldBack.some((u) => u.name === name));
      if (unplanned.length) {
        return { status: 'error', message: `apt keeps back ${unplanned.join(', ')} and cannot plan its upgrade even with dist-upgrade: whether it is a security fix is unknown — run apt-get install ${unplanned.join(' ')} to see why` };
      }
    }
    const upgrades = [...parseAptSimulation(apt.stdout), ...heldBack];
    const security = upgrades.filter((u) => u.security);
    const { dir, age } = await probes.apt.lists(now());
    const details = [...security, ...upgrades.filter((u) => !u.security)].map((u) => `${u.security ? 'SECURITY ' : ''}${u.name} ${u.from} → ${u.to} (${u.origin})${howToInstall(u)}`);
    if (age === undefined) {
      return { status: 'error', message: `apt has no package lists in ${dir}: it cannot know of any update — run apt-get update`, details };
    }
    const days = age / 86_400_000;
    const lists = `package lists from ${formatValue(Math.round(age / 1000), 's')} ago`;
    const counted = `${security.length} security updates pending (${upgrades.length} upgrades in all${heldBack.length ? `, ${heldBack.length} held back by apt-get upgrade` : ''})`;
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
