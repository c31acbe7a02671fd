import { defineCheck } from '../../engine/check.js';

/** The default user must need a password (requirepass or ACL); otherwise anyone who reaches the port has the cache. */
export default defineCheck({
  id: 'redis.authentication',
  title: 'Redis authentication (requirepass or ACL)',
  requires: ['redis'],
  unit: 'count',
  async run({ probes }) {
    const users = await probes.redis.aclUsers();
    const open = users.filter((u) => u.on && u.nopass);
    if (open.length === 0) return { status: 'pass', message: `${users.length} ACL users, none without a password (${users.map((u) => u.name).join(', ')})` };
    return {
      status: 'fail',
      message: `${open.map((u) => u.name).join(', ')} ${open.length === 1 ? 'is' : 'are'} enabled without a password: anyone who reaches the port is in`,
      details: open.map((u) => `${u.name}: ${u.rule} — ACL SETUSER ${u.name} resetpass >… (or off), or set requirepass`),
    };
  },
});
