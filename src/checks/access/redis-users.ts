import { defineCheck } from '../../engine/check.js';
import { redisUserFindings, verdictOf } from '../access-findings.js';

/** Redis ACL users: the default user without a password, users with +@all. */
export default defineCheck({
  id: 'access.redis-users',
  title: 'Redis ACL users',
  requires: ['redis'],
  unit: 'count',
  run: async ({ probes }) => verdictOf(redisUserFindings(await probes.redis.aclUsers()), 'ACL users'),
});
