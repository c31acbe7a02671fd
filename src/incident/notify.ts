import { hostname } from 'node:os';
import type { Config } from '../engine/config/index.js';
import type { Redactor } from '../engine/redact.js';
import { SEVERITY_LEVELS } from '../runbook/severity.js';
import { shownTitle, type Incident, type NotifyAction, type NotifyResult } from './records.js';

/** PagerDuty Events API v2 enqueue endpoint; incident.notify.pagerduty.url overrides it. */
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

export interface NotifyOptions {
  attempts: number;
  /** Per attempt; a notification must not hold up the engineer for long. */
  timeoutMs: number;
  /** Before attempt n (1-based from the second): backoffMs * 2^(n-2). */
  backoffMs: number;
}

export const DEFAULT_NOTIFY: NotifyOptions = { attempts: 3, timeoutMs: 3000, backoffMs: 500 };

class Permanent extends Error {}

/** POSTs JSON, retrying network errors, 429 and 5xx with backoff; a 4xx other than 429 will not improve and is not retried. */
async function post(url: string, body: unknown, opts: NotifyOptions): Promise<{ attempts: number; error?: string }> {
  let last = '';
  for (let attempt = 1; attempt <= opts.attempts; attempt++) {
    if (attempt > 1) await new Promise((r) => setTimeout(r, opts.backoffMs * 2 ** (attempt - 2)));
    try {
      const res = await fetch(url, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(opts.timeoutMs),
      });
      const text = (await res.text()).slice(0, 200);
      if (res.ok) return { attempts: attempt };
      last = `HTTP ${res.status}${text ? ` ${text.replace(/\s+/g, ' ')}` : ''}`;
      if (res.status < 500 && res.status !== 429) throw new Permanent(last);
    } catch (e) {
      if (e instanceof Permanent) return { attempts: attempt, error: last };
      const err = e as Error & { cause?: { code?: string; message?: string } };
      last = err.name === 'TimeoutError' ? `no answer within ${opts.timeoutMs / 1000} s` : err.cause?.code ?? err.cause?.message ?? err.message;
    }
  }
  return { attempts: opts.attempts, error: last };
}

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
