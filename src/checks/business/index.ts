import { defineCheck, type CheckDefinition } from '../../engine/check.js';
import type { Config } from '../../engine/config/index.js';
import { ConfigError, TargetError } from '../../engine/errors.js';
import { parseThreshold } from '../../engine/thresholds.js';

/** The runbook's Continuous Monitoring line these metrics serve. */
export const BUSINESS_ITEM = 'Business Metrics: Transaction volumes and success rates';

/**
 * One check per `business.metrics[]` entry: its SQL runs read-only on the primary and must return
 * one row with one number, judged against the metric's own warn/fail levels.
 */
export function businessMetricChecks(config: Config): CheckDefinition[] {
  const metrics = config.business?.metrics ?? [];
  const seen = new Set<string>();
  return metrics.map((m, i) => {
    if (seen.has(m.name)) throw new ConfigError(`business.metrics[${i}].name: "${m.name}" is used by an earlier metric; names must be unique`);
    seen.add(m.name);
    const unit = m.unit ?? 'count';
    // Validated here so that a bad level names the key the operator wrote.
    parseThreshold({ warn: m.warn, fail: m.fail }, unit, `business.metrics[${i}]`);
    return defineCheck({
      id: `business.${m.name}`,
      title: m.title ?? m.name,
      requires: ['postgres'],
      unit,
      thresholds: { ...(m.warn && { warn: m.warn }), ...(m.fail && { fail: m.fail }), source: `business.metrics[${i}] in the configuration` },
      async run({ probes }) {
        const rows = await probes.postgres.primary.query<Record<string, unknown>>(m.sql);
        const cells = rows.length === 1 ? Object.values(rows[0]!) : [];
        const value = cells.length === 1 && cells[0] !== null && cells[0] !== '' ? Number(cells[0]) : NaN;
        if (!Number.isFinite(value)) {
          throw new TargetError(`business.metrics[${i}].sql must return one row with one number; it returned ${rows.length} row${rows.length === 1 ? '' : 's'}${rows.length === 1 ? ` with ${JSON.stringify(rows[0]).slice(0, 80)}` : ''}`);
        }
        return { value, message: `business.metrics[${i}] ${m.name}` };
      },
    });
  });
}
