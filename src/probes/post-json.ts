/** Sending JSON to a notification endpoint (a Slack-compatible webhook, the PagerDuty Events API): retries, timeouts, one-line errors. */

/** PagerDuty Events API v2 enqueue endpoint; a config's `pagerduty.url` overrides it. */
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

export interface NotifyOptions {
  attempts: number;
  /** Per attempt; a notification must not hold up the engineer for long. */
  timeoutMs: number;
  /** Before attempt n (1-based from the second): backoffMs * 2^(n-2). */
  backoffMs: number;
}

export const DEFAULT_NOTIFY: NotifyOptions = { attempts: 3, timeoutMs: 3000, backoffMs: 500 };

/** How one POST ended: the attempts it took, and the last error (one line, not yet redacted) when it never succeeded. */
export interface PostOutcome { attempts: number; error?: string }

class Permanent extends Error {}

/** POSTs JSON, retrying network errors, 429 and 5xx with backoff; a 4xx other than 429 will not improve and is not retried. Never throws. */
export async function postJson(url: string, body: unknown, opts: NotifyOptions = DEFAULT_NOTIFY): Promise<PostOutcome> {
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
