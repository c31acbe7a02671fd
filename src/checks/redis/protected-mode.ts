import { defineCheck } from '../../engine/check.js';

/** protected-mode stops a Redis without a password from answering anyone but loopback clients. */
export default defineCheck({
  id: 'redis.protected-mode',
  title: 'Redis protected mode',
  requires: ['redis'],
  unit: 'count',
  async run({ probes }) {
    const mode = await probes.redis.setting('protected-mode');
    // redis.conf SECURITY: protected-mode yes is the default; turning it off is only safe with a password or ACL
    return mode === 'yes'
      ? { status: 'pass', message: 'protected-mode yes' }
      : { status: 'warn', message: 'protected-mode no: a Redis reachable beyond loopback answers clients the network lets through — set protected-mode yes (CONFIG SET protected-mode yes, and in redis.conf)' };
  },
});
