import { isoDay, reviewPeriod } from '../../compliance/checks.js';
import { defineCheck } from '../../engine/check.js';
import type { HistoryEntry } from '../../state/store.js';
import checksums from '../backups/checksums.js';
import restorable from '../backups/restorable.js';

const VERIFYING = [checksums.id, restorable.id];

/** The backups were verified in the period (backup verify, or health daily's backup line), and the latest verification passed. */
export default defineCheck({
  id: 'compliance.backups-verified',
  title: 'Backups verified in the period (checksums, restorable)',
  requires: [],
  unit: 'count',
  async run(ctx) {
    const { from } = reviewPeriod(ctx.now());
    const verdicts = (r: HistoryEntry) => r.report.items.flatMap((i) => i.results).filter((x) => VERIFYING.includes(x.id));
    // A run where the backup checks were skipped (no backups.directory there) verified nothing.
    const runs = (await ctx.probes.history.runs({ check: checksums.id, since: from }, ctx.now())).filter((r) => verdicts(r).some((x) => x.status !== 'skip'));
    if (!runs.length) return { status: 'fail', value: 0, message: `no backup verification since ${isoDay(from)} in the run history — run nvcops backup verify` };
    const passed = runs.filter((r) => verdicts(r).every((x) => x.status === 'pass'));
    const last = runs.at(-1)!;
    const bad = verdicts(last).filter((x) => x.status !== 'pass');
    const summary = `${runs.length} verification run${runs.length === 1 ? '' : 's'} since ${isoDay(from)}, ${passed.length} passed`;
    if (bad.length) {
      return {
        status: 'fail', value: passed.length,
        message: `the latest verification (${last.command} by ${last.by}, ${last.at}) did not pass: ${bad.map((x) => `${x.id} ${x.status} — ${x.message}`).join('; ')}`,
        details: [summary],
      };
    }
    return { status: 'pass', value: passed.length, message: `latest verification passed: ${last.command} by ${last.by}, ${last.at}`, details: [summary] };
  },
});
