import { hostname } from 'node:os';
import type { Config } from '../engine/config/index.js';
import type { Redactor } from '../engine/redact.js';
import { DEFAULT_NOTIFY, PAGERDUTY_EVENTS_URL, postJson as post } from '../probes/post-json.js';
import { SEVERITY_LEVELS } from '../runbook/severity.js';
import type { Incident, NotifyAction, NotifyResult } from '../probes/incidents.js';
import { shownTitle } from './records.js';

const VERB: Record<NotifyAction, string> = { trigger: 'opened', acknowledge: 'acknowledged', resolve: 'resolved' };

/** The Slack-compatible message: `text` is what Slack, Mattermost and Teams incoming webhooks all show. */
export function webhookBody(i: Incident, action: NotifyAction, by: string): Record<string, unknown> {
  const level = SEVERITY_LEVELS[i.severity];
  const env = i.environment ? ` in ${i.environment}` : '';
  const extra = action === 'resolve' && i.resolution ? ` — ${i.resolution}` : action === 'trigger' ? ` — response target: ${level.response}` : '';
  return {
    text: `[${i.severity} ${level.name}] ${i.id} ${VERB[action]}${env}: ${shownTitle(i)} (by ${by})${extra}`,
    nvcops: { incident: i.id, severity: i.severity, status: i.status, action, environment: i.environment, dedupKey: i.dedupKey, ...(i.drill && { drill: true }) },
  };
}

/** PagerDuty Events API v2: one alert per incident through the stable dedup_key. */
export function pagerDutyBody(i: Incident, action: NotifyAction, routingKey: string, at: Date): Record<string, unknown> {
  const base = { routing_key: routingKey, event_action: action, dedup_key: i.dedupKey };
  if (action !== 'trigger') return base;
  return {
    ...base,
    client: 'nvcops',
    payload: {
      summary: `[${i.severity}] ${shownTitle(i)}`.slice(0, 1024),
      source: i.environment ?? hostname(),
      severity: SEVERITY_LEVELS[i.severity].pagerDutySeverity,
      timestamp: at.toISOString(),
      component: 'nvcops',
      group: i.environment ?? 'default',
      class: 'incident',
      custom_details: { incident: i.id, severity: i.severity, opened_by: i.openedBy, started_at: i.startedAt, ...(i.drill && { drill: true }) },
    },
  };
}

/** Sends to every configured channel at once; never throws: each outcome, failures included, comes back to be shown and recorded. */
export async function notifyStakeholders(config: Config, redactor: Redactor, i: Incident, action: NotifyAction, by: string, now: () => Date, opts = DEFAULT_NOTIFY): Promise<NotifyResult[]> {
  const n = config.incident?.notify;
  const jobs: Promise<NotifyResult>[] = [];
  const done = (channel: NotifyResult['channel']) => (r: { attempts: number; error?: string }): NotifyResult => ({
    channel, action, ok: !r.error, attempts: r.attempts, at: now().toISOString(), ...(r.error && { error: redactor.apply(r.error) }),
  });
  if (n?.webhook) jobs.push(post(n.webhook, webhookBody(i, action, by), opts).then(done('webhook')));
  if (n?.pagerduty?.routingKey) {
    jobs.push(post(n.pagerduty.url ?? PAGERDUTY_EVENTS_URL, pagerDutyBody(i, action, n.pagerduty.routingKey, now()), opts).then(done('pagerduty')));
  }
  return Promise.all(jobs);
}

export const notificationsConfigured = (config: Config): boolean => !!(config.incident?.notify?.webhook || config.incident?.notify?.pagerduty?.routingKey);
