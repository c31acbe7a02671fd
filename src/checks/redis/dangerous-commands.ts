import { defineCheck } from '../../engine/check.js';

/** Commands that wipe data, reconfigure, or stop the server (ACL category @dangerous, the ones that matter most). */
const DANGEROUS_COMMANDS: string[][] = [
  ['FLUSHALL'], ['FLUSHDB'], ['CONFIG', 'SET', 'dir', '/tmp'], ['SHUTDOWN'], ['DEBUG', 'SLEEP', '0'], ['KEYS', '*'], ['MODULE', 'LIST'],
];

/** Which enabled users may run commands that wipe, reconfigure or stop the server (ACL DRYRUN answers for each). */
export default defineCheck({
  id: 'redis.dangerous-commands',
  title: 'Redis dangerous commands available',
  requires: ['redis'],
  unit: 'count',
  // redis.conf SECURITY: restrict FLUSHALL, CONFIG, DEBUG, SHUTDOWN… through ACL (-@dangerous); rename-command is deprecated
  thresholds: { warn: '> 0', source: 'redis.conf SECURITY section (ACL -@dangerous)' },
  async run({ probes }) {
    const users = (await probes.redis.aclUsers()).filter((u) => u.on);
    const findings: string[] = [];
    for (const u of users) {
      const allowed: string[] = [];
      for (const cmd of DANGEROUS_COMMANDS) {
        const reply = await probes.redis.call('ACL', 'DRYRUN', u.name, ...cmd).catch((e: Error) => e.message);
        if (reply === 'OK') allowed.push(cmd.join(' '));
      }
      if (allowed.length) findings.push(`${u.name} may run ${allowed.join(', ')} — ACL SETUSER ${u.name} -@dangerous (give admin commands to a separate admin user)`);
    }
    return {
      value: findings.length,
      message: findings.length ? `${findings.length} of ${users.length} enabled users may run dangerous commands` : `none of ${users.length} enabled users may run ${DANGEROUS_COMMANDS.map((c) => c[0]).join(', ')}`,
      details: findings,
    };
  },
});
