import { defineCheck } from '../../engine/check.js';

/** nvcops' audit trail verifies end to end (the same reading the attestations are trusted on). */
export default defineCheck({
  id: 'compliance.audit-trail',
  title: 'Audit trail verifies (hash chain and head)',
  requires: [],
  unit: 'count',
  async run({ probes }) {
    const store = await probes.state();
    const { verify: v } = await probes.attestations();
    const where = `${store.location}`;
    if (!v.ok) {
      return { status: 'fail', value: v.problem!.seq, message: `the audit trail failed verification at seq ${v.problem!.seq} (${v.problem!.kind}): ${v.problem!.message}`, details: [`${where}: ${v.count} records read; last good hash ${v.head}`] };
    }
    return {
      status: 'pass', value: v.count,
      message: `${v.count} records verified; head hash ${v.head}`,
      details: [`${where}${v.tornTail ? '; a last line cut short by a crash (never acknowledged) is ignored' : ''}`],
    };
  },
});
