import * as z from 'zod';

/** What a check status pages as: a PagerDuty Events v2 severity, or `none` (no alert for that status). */
export const ALERT_SEVERITIES = ['critical', 'error', 'warning', 'info', 'none'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];
const severity = z.enum(ALERT_SEVERITIES);
const severities = z.strictObject({ fail: severity.optional(), error: severity.optional(), warn: severity.optional() });

/**
 * Alerts per check for scheduled runs (`--notify`, or `onFail: true` for every run): a PagerDuty
 * trigger when a check turns fail, a resolve when it passes again, and one Slack-compatible webhook
 * message per run listing what changed. The routing key and the webhook URL are secrets.
 */
export const alerts = z
  .strictObject({
    onFail: z.boolean().optional(),
    /** Alert on warn too (default: only fail and error). */
    warn: z.boolean().optional(),
    pagerduty: z.strictObject({ routingKey: z.string().min(1), url: z.url({ protocol: /^https?$/ }).optional() }).optional(),
    webhook: z.url({ protocol: /^https?$/ }).optional(),
    /** Severity per status for every check (`default`) or one check id, e.g. `postgres.replication-lag: { fail: error }`. */
    severity: z.record(z.string(), severities).optional(),
  })
  .optional();

export type AlertsConfig = NonNullable<z.infer<typeof alerts>>;
