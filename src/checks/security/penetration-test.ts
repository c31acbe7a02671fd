import { defineCheck } from '../../engine/check.js';
import { DAY_MS } from '../verdicts.js';

/** Penetration testing review: how old the last penetration test report is (security.lastPenetrationTest). */
export default defineCheck({
  id: 'security.penetration-test',
  title: 'Age of the last penetration test report',
  requires: [],
  unit: 'days',
  // PCI DSS v4.0 11.4.2 (internal) and 11.4.3 (external): penetration testing at least once every 12 months
  thresholds: { fail: '> 365 days', source: 'PCI DSS v4.0 requirements 11.4.2 and 11.4.3 (at least once every 12 months)' },
  async run({ config, now }) {
    const last = config.security?.lastPenetrationTest;
    if (!last) return { status: 'skip', message: 'the last penetration test is not configured: set security.lastPenetrationTest to its report date (YYYY-MM-DD)' };
    const age = Math.floor((now().getTime() - Date.parse(`${last}T00:00:00Z`)) / DAY_MS);
    if (age < 0) return { status: 'error', message: `security.lastPenetrationTest ${last} is in the future` };
    return { value: age, message: `last penetration test report dated ${last}, ${age} days ago` };
  },
});
