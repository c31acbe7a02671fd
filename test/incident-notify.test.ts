import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nvcops, writeConfig } from './support/cli.js';

const ROUTING_KEY = 'R0ut1ngKey-secret-0123456789abcdef';
const WEBHOOK_SECRET = 'T00000000/B00000000/XXXXsecretXXXX';

interface Receiver {
  url: string;
  bodies: { path: string; body: any }[];
  /** Status for each request in turn; the last repeats. 'hang' never answers. */
  script: (number | 'hang')[];
  server: Server;
}

/** A loopback HTTP receiver standing in for Slack and the PagerDuty Events API. */
async function receiver(script: (number | 'hang')[]): Promise<Receiver> {
  const r = { bodies: [], script } as unknown as Receiver;
  let n = 0;
  r.server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let data = '';
    req.on('data', (d) => { data += d; });
    req.on('end', () => {
      r.bodies.push({ path: req.url ?? '', body: JSON.parse(data) });
      const step = r.script[Math.min(n++, r.script.length - 1)]!;
      if (step === 'hang') return;
      res.writeHead(step, { 'content-type': 'application/json' });
      res.end(step === 202 ? JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: 'x' }) : step >= 400 ? '{"status":"error"}' : 'ok');
    });
  });
  await new Promise<void>((ok) => r.server.listen(0, '127.0.0.1', ok));
  r.url = `http://127.0.0.1:${(r.server.address() as AddressInfo).port}`;
  return r;
}

describe('P0/P1 notify stakeholders: Slack-compatible webhook and PagerDuty Events API v2', () => {
  const receivers: Receiver[] = [];
  const make = async (script: (number | 'hang')[]) => {
    const r = await receiver(script);
    receivers.push(r);
    return r;
  };
  afterAll(() => {
    for (const r of receivers) { r.server.closeAllConnections(); r.server.close(); }
  });

  it('triggers, acknowledges and resolves one PagerDuty alert through a stable dedup key, retrying a failing endpoint, and posts to the webhook', async () => {
    const slack = await make([200]);
    const pd = await make([500, 503, 202]);
    const state = mkdtempSync(join(tmpdir(), 'nvcops-notify-'));
    const config = writeConfig({
      environment: 'production',
      incident: { notify: { webhook: `${slack.url}/services/${WEBHOOK_SECRET}`, pagerduty: { routingKey: ROUTING_KEY, url: `${pd.url}/v2/enqueue` } } },
    });
    const run = (args: string[]) => nvcops([...args, '--config', config, '--by', 'ada'], { env: { XDG_STATE_HOME: state } });
    const opened = await run(['incident', 'open', '--severity', 'P1', '--title', 'Card authorisations timing out', '--no-checks']);
    expect(opened.exitCode).toBe(0);
    expect(opened.stdout).toMatch(/✔ webhook trigger sent/);
    expect(opened.stdout).toMatch(/✔ PagerDuty trigger sent after 3 attempts/);
    expect(slack.bodies[0]!.body.text).toBe('[P1 High] INC-1 opened in production: Card authorisations timing out (by ada) — response target: 1 hour');
    expect(pd.bodies).toHaveLength(3);
    expect(pd.bodies[2]).toMatchObject({
      path: '/v2/enqueue',
      body: {
        routing_key: ROUTING_KEY, event_action: 'trigger', dedup_key: 'nvcops/production/INC-1',
        payload: { summary: '[P1] Card authorisations timing out', severity: 'error', source: 'production', custom_details: { incident: 'INC-1' } },
      },
    });
    await run(['incident', 'ack']);
    await run(['incident', 'resolve', '--note', 'rolled back deploy-2025-07-01.1']);
    expect(pd.bodies.slice(3).map((b) => [b.body.event_action, b.body.dedup_key])).toEqual([
      ['acknowledge', 'nvcops/production/INC-1'], ['resolve', 'nvcops/production/INC-1'],
    ]);
    expect(slack.bodies.map((b) => b.body.text.split(':')[0])).toEqual(['[P1 High] INC-1 opened in production', '[P1 High] INC-1 acknowledged in production', '[P1 High] INC-1 resolved in production']);
    const show = await run(['incident', 'show', 'INC-1', '--format', 'json']);
    expect(JSON.parse(show.stdout).notifications.map((n: { channel: string; action: string; ok: boolean }) => `${n.channel} ${n.action} ${n.ok}`).sort()).toEqual([
      'pagerduty acknowledge true', 'pagerduty resolve true', 'pagerduty trigger true', 'webhook acknowledge true', 'webhook resolve true', 'webhook trigger true',
    ]);
    // The secrets in the configuration appear nowhere.
    for (const out of [opened, show, await run(['config', 'check'])]) {
      expect(out.stdout + out.stderr).not.toContain(ROUTING_KEY);
      expect(out.stdout + out.stderr).not.toContain(WEBHOOK_SECRET);
    }
  });

  it('shows and records a notification that fails, and a receiver that never answers does not hold up the local record', async () => {
    const slack = await make(['hang']);
    const pd = await make([400]);
    const state = mkdtempSync(join(tmpdir(), 'nvcops-notify-'));
    const config = writeConfig({
      environment: 'production',
      incident: { notify: { webhook: `${slack.url}/services/${WEBHOOK_SECRET}`, pagerduty: { routingKey: ROUTING_KEY, url: `${pd.url}/v2/enqueue` } } },
    });
    const run = (args: string[]) => nvcops([...args, '--config', config], { env: { XDG_STATE_HOME: state } });
    const opened = await run(['incident', 'open', '--severity', 'P0', '--title', 'Ledger down', '--no-checks']);
    expect(opened.exitCode).toBe(0);
    expect(opened.stdout).toMatch(/^INC-1 opened: \[P0 Critical\] Ledger down/);
    expect(opened.stderr).toMatch(/▲ webhook trigger FAILED after 3 attempt\(s\): no answer within 3 s — recorded; tell stakeholders another way/);
    // A 400 will not get better by retrying: one attempt.
    expect(opened.stderr).toMatch(/▲ PagerDuty trigger FAILED after 1 attempt\(s\): HTTP 400/);
    expect(pd.bodies).toHaveLength(1);
    expect(opened.stderr).not.toContain(WEBHOOK_SECRET);
    const show = JSON.parse((await run(['incident', 'show', 'INC-1', '--format', 'json'])).stdout);
    expect(show.status).toBe('open');
    expect(show.notifications).toEqual([
      expect.objectContaining({ channel: 'webhook', action: 'trigger', ok: false, attempts: 3, error: 'no answer within 3 s' }),
      expect.objectContaining({ channel: 'pagerduty', action: 'trigger', ok: false, attempts: 1, error: expect.stringMatching(/^HTTP 400/) }),
    ]);
    expect(show.events.filter((e: { type: string }) => e.type === 'notification')).toHaveLength(2);
  });

  it('does not page for P2 and P3', async () => {
    const pd = await make([202]);
    const config = writeConfig({ incident: { notify: { pagerduty: { routingKey: ROUTING_KEY, url: `${pd.url}/v2/enqueue` } } } });
    const r = await nvcops(['incident', 'open', '--severity', 'P2', '--title', 'Slow export', '--no-checks', '--config', config]);
    expect(r.exitCode).toBe(0);
    expect(pd.bodies).toHaveLength(0);
  });

  it('says DRILL in every notification of a drill, so no one takes it for a real incident', async () => {
    const slack = await make([200]);
    const pd = await make([202]);
    const state = mkdtempSync(join(tmpdir(), 'nvcops-notify-'));
    const config = writeConfig({
      environment: 'production',
      incident: { notify: { webhook: `${slack.url}/services/${WEBHOOK_SECRET}`, pagerduty: { routingKey: ROUTING_KEY, url: `${pd.url}/v2/enqueue` } } },
    });
    const opened = await nvcops(['incident', 'open', '--drill', '--severity', 'P1', '--title', 'Card authorisations timing out', '--no-checks', '--config', config], { env: { XDG_STATE_HOME: state } });
    expect(opened.exitCode).toBe(0);
    expect(slack.bodies[0]!.body.text).toMatch(/^\[P1 High\] INC-1 opened in production: DRILL: Card authorisations timing out \(by /);
    expect(slack.bodies[0]!.body.nvcops).toMatchObject({ incident: 'INC-1', drill: true });
    expect(pd.bodies[0]!.body.payload).toMatchObject({ summary: '[P1] DRILL: Card authorisations timing out', custom_details: { incident: 'INC-1', drill: true } });
    // The post-mortem draft says it was a drill too.
    const pm = join(state, 'postmortem.md');
    const written = await nvcops(['incident', 'postmortem', 'INC-1', '--output', pm, '--owner', 'grace', '--config', config], { env: { XDG_STATE_HOME: state } });
    expect(written.exitCode).toBe(0);
    expect(readFileSync(pm, 'utf8').split('\n')[0]).toBe('# Post-mortem: INC-1 — DRILL: Card authorisations timing out');
  });
});
