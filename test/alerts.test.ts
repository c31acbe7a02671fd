import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nvcops, writeConfig } from './support/cli.js';
import { freePort, startRedis, type RedisServer } from './support/servers.js';

const ROUTING_KEY = 'R0ut1ngKey-alerts-0123456789abcdef';
const WEBHOOK_TOKEN = 'T0000ALRT/B0000ALRT/alertsWebhookSecretXYZ';

interface Receiver {
  url: string;
  bodies: { path: string; body: any }[];
  server: Server;
}

/** A loopback stand-in for PagerDuty's Events API v2 (202 on POST /v2/enqueue) and a Slack webhook (200), or one answering `status` to everything. */
async function receiver(status?: number): Promise<Receiver> {
  const r = { bodies: [] } as unknown as Receiver;
  r.server = createServer((req, res) => {
    let data = '';
    req.on('data', (d) => { data += d; });
    req.on('end', () => {
      r.bodies.push({ path: req.url ?? '', body: JSON.parse(data) });
      const code = status ?? (req.url === '/v2/enqueue' ? 202 : 200);
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(code === 202 ? JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: 'x' }) : code >= 400 ? '{"status":"error"}' : 'ok');
    });
  });
  await new Promise<void>((ok) => r.server.listen(0, '127.0.0.1', ok));
  r.url = `http://127.0.0.1:${(r.server.address() as AddressInfo).port}`;
  return r;
}

/** Every file under a directory, as text (the run history and audit trail a state directory keeps). */
const filesUnder = (dir: string): string =>
  readdirSync(dir).map((f) => join(dir, f)).map((p) => (statSync(p).isDirectory() ? filesUnder(p) : readFileSync(p, 'utf8'))).join('\n');

describe('alerts per check: PagerDuty Events v2 trigger/resolve and one webhook message per run', () => {
  const receivers: Receiver[] = [];
  const servers: RedisServer[] = [];
  afterAll(async () => {
    for (const r of receivers) { r.server.closeAllConnections(); r.server.close(); }
    await Promise.all(servers.map((s) => s.stop()));
  });
  const make = async (status?: number) => {
    const r = await receiver(status);
    receivers.push(r);
    return r;
  };
  const redis = async (port?: number) => {
    const s = await startRedis({ port });
    servers.push(s);
    return s;
  };

  it('triggers once when Redis stops, not again while it stays down, resolves when it is back; secrets appear nowhere', async () => {
    const receiverUp = await make();
    const state = mkdtempSync(join(tmpdir(), 'nvcops-alerts-'));
    const alerts = {
      pagerduty: { routingKey: ROUTING_KEY, url: `${receiverUp.url}/v2/enqueue` },
      webhook: `${receiverUp.url}/services/${WEBHOOK_TOKEN}`,
    };
    let server = await redis();
    const port = server.port;
    const run = async (args: string[] = ['--notify']) => {
      const config = writeConfig({ environment: 'production', redis: { url: server.url }, alerts });
      return nvcops(['health', 'db', '--config', config, '--format', 'json', ...args], { env: { XDG_STATE_HOME: state } });
    };
    const pd = () => receiverUp.bodies.filter((b) => b.path === '/v2/enqueue').map((b) => b.body);
    const slack = () => receiverUp.bodies.filter((b) => b.path !== '/v2/enqueue').map((b) => b.body);
    const outputs: string[] = [];
    const keep = <R extends { stdout: string; stderr: string }>(r: R): R => { outputs.push(r.stdout, r.stderr); return r; };

    const healthy = keep(await run());
    expect(JSON.parse(healthy.stdout).items.flatMap((i: any) => i.results).find((r: any) => r.id === 'redis.ping').status).toBe('pass');
    expect(pd().filter((e) => e.dedup_key === 'nvcops/production/redis.ping')).toEqual([]);
    const pdBeforeDown = pd().length;

    await server.stop();
    const down = keep(await run());
    expect(down.exitCode).toBe(2);
    // The Redis checks that cannot connect fold into redis.ping's failure: one page.
    const triggers = pd().slice(pdBeforeDown);
    expect(triggers).toEqual([
      expect.objectContaining({
        routing_key: ROUTING_KEY, event_action: 'trigger', client: 'nvcops',
        payload: expect.objectContaining({
          severity: 'critical', source: 'production', class: 'check', component: 'redis',
          summary: expect.stringMatching(/^redis\.ping fail in production: /),
          custom_details: expect.objectContaining({ check: 'redis.ping', status: 'fail', was: 'pass', command: 'health db' }),
        }),
      }),
    ]);
    // One webhook message for the run, listing every change.
    expect(slack()).toHaveLength(1);
    expect(slack()[0].text).toMatch(/^nvcops health db in production: 1 check changed\n/);
    expect(slack()[0].text).toMatch(/^▲ redis\.ping pass → fail \(critical\): /m);
    expect(down.stderr).toMatch(/^nvcops: alerts sent: 1 trigger, 0 resolve to PagerDuty and one webhook message$/m);

    const afterDown = receiverUp.bodies.length;
    const stillDown = keep(await run());
    expect(stillDown.exitCode).toBe(2);
    expect(receiverUp.bodies.length).toBe(afterDown);
    expect(stillDown.stderr).not.toMatch(/alerts/);

    server = await redis(port);
    const back = keep(await run());
    const events = pd().filter((e) => e.dedup_key === 'nvcops/production/redis.ping').map((e) => e.event_action);
    expect(events).toEqual(['trigger', 'resolve']);
    expect(slack().at(-1).text).toMatch(/^✔ redis\.ping fail → pass: /m);
    expect(back.stderr).toMatch(/^nvcops: alerts sent: 0 trigger, 1 resolve to PagerDuty and one webhook message$/m);

    // The routing key and the webhook token: in no output, no run history or audit record, no event but the routing_key field.
    const shown = writeConfig({ environment: 'production', alerts });
    keep(await nvcops(['history', 'list', '--format', 'json', '--config', shown], { env: { XDG_STATE_HOME: state } }));
    expect(keep(await nvcops(['config', 'check', '--config', shown])).stdout).toMatch(/routingKey/);
    for (const text of [...outputs, filesUnder(state), JSON.stringify(slack())]) {
      expect(text).not.toContain(ROUTING_KEY);
      expect(text).not.toContain(WEBHOOK_TOKEN);
    }
    expect(JSON.stringify(pd().map(({ routing_key: _, ...e }) => e))).not.toContain(ROUTING_KEY);
  });

  it('a receiver that is down or answers 500 leaves the exit code as it is, says so in one line on stderr, and the next run sends it again', async () => {
    const failing = await make(500);
    const closed = await freePort();
    const server = await redis();
    await server.stop();
    const state = mkdtempSync(join(tmpdir(), 'nvcops-alerts-'));
    const configWith = (pagerDutyUrl: string) => writeConfig({
      environment: 'staging',
      redis: { url: server.url },
      alerts: { pagerduty: { routingKey: ROUTING_KEY, url: pagerDutyUrl }, webhook: `${failing.url}/services/${WEBHOOK_TOKEN}` },
    });
    const config = configWith(`http://127.0.0.1:${closed}/v2/enqueue`);
    const plain = await nvcops(['health', 'db', '--config', config]);
    const notified = await nvcops(['health', 'db', '--config', config, '--notify'], { env: { XDG_STATE_HOME: state } });
    expect(plain.exitCode).toBe(2);
    expect(notified.exitCode).toBe(plain.exitCode);
    const lines = notified.stderr.split('\n').filter((l) => /alerts/.test(l));
    expect(lines).toHaveLength(1);
    // Redis down: redis.ping fails, and the Redis checks that cannot connect fold into it (one page, not eleven).
    expect(lines[0]).toBe(
      "nvcops: alerts (1 trigger, 0 resolve) NOT all delivered, the exit code is the run's: PagerDuty: 1 of 1 events (redis.ping): ECONNREFUSED after 3 attempt(s); " +
        'webhook: the message: HTTP 500 {"status":"error"} after 3 attempt(s)',
    );
    // The webhook was retried (3 attempts of one message).
    expect(failing.bodies).toHaveLength(3);
    expect(notified.stdout + notified.stderr).not.toContain(WEBHOOK_TOKEN);
    expect(notified.stdout + notified.stderr).not.toContain(ROUTING_KEY);
    // PagerDuty is back: the trigger it never got is sent by the next run, though the history already says fail.
    const up = await make();
    const next = await nvcops(['health', 'db', '--config', configWith(`${up.url}/v2/enqueue`), '--notify'], { env: { XDG_STATE_HOME: state } });
    expect(next.exitCode).toBe(2);
    expect(up.bodies.map((b) => [b.body.event_action, b.body.dedup_key])).toEqual([['trigger', 'nvcops/staging/redis.ping']]);
    // And once delivered, not again.
    await nvcops(['health', 'db', '--config', configWith(`${up.url}/v2/enqueue`), '--notify'], { env: { XDG_STATE_HOME: state } });
    expect(up.bodies).toHaveLength(1);
  });

  it('alerts.onFail alerts every run; an error (cannot see) pages unless its severity is none, per check or by default', async () => {
    const up = await make();
    const server = await redis();
    // A wrong password: Redis answers and refuses nvcops, so every Redis check is error (blind), none fails.
    const wrong = Object.assign(new URL(server.url), { password: 'not-the-password' }).toString();
    const run = (severity?: object) =>
      nvcops(['health', 'db', '--format', 'json', '--config', writeConfig({
        redis: { url: wrong },
        alerts: { onFail: true, pagerduty: { routingKey: ROUTING_KEY, url: `${up.url}/v2/enqueue` }, ...(severity && { severity }) },
      })]);
    const blind = await run();
    expect(blind.exitCode).toBe(3);
    const errors = JSON.parse(blind.stdout).items.flatMap((i: any) => i.results).filter((x: any) => x.status === 'error').map((x: any) => x.id);
    expect(errors).toContain('redis.ping');
    expect(up.bodies.map((b) => [b.body.dedup_key, b.body.payload.severity]).sort()).toEqual(errors.map((id: string) => [`nvcops/default/${id}`, 'error']).sort());
    up.bodies.length = 0;
    // A fresh state directory (no earlier run): only redis.ping pages, at the severity set for it.
    const quiet = await run({ default: { error: 'none' }, 'redis.ping': { error: 'critical' } });
    expect(quiet.exitCode).toBe(3);
    expect(up.bodies.map((b) => [b.body.dedup_key, b.body.payload.severity])).toEqual([['nvcops/default/redis.ping', 'critical']]);
  });

  it('warn pages (severity warning) only with alerts.warn: true', async () => {
    const up = await make();
    const server = await redis();
    // Every real PING takes more than 0 ms: redis.ping warns.
    const run = (warn: boolean) =>
      nvcops(['health', 'db', '--notify', '--format', 'json', '--config', writeConfig({
        redis: { url: server.url },
        thresholds: { 'redis.ping': { warn: '> 0ms', fail: '> 1s' } },
        alerts: { warn, pagerduty: { routingKey: ROUTING_KEY, url: `${up.url}/v2/enqueue` } },
      })]);
    const quiet = await run(false);
    expect(JSON.parse(quiet.stdout).items.flatMap((i: any) => i.results).find((r: any) => r.id === 'redis.ping').status).toBe('warn');
    expect(up.bodies.filter((b) => b.body.dedup_key === 'nvcops/default/redis.ping')).toEqual([]);
    await run(true);
    expect(up.bodies.filter((b) => b.body.dedup_key === 'nvcops/default/redis.ping').map((b) => [b.body.event_action, b.body.payload.severity])).toEqual([['trigger', 'warning']]);
  });

  it('refuses --notify without a channel, and a severity for a check that does not exist, before anything runs (exit 78)', async () => {
    const server = await redis();
    const none = await nvcops(['health', 'db', '--notify', '--config', writeConfig({ redis: { url: server.url } })]);
    expect(none.exitCode).toBe(78);
    expect(none.stderr.trim()).toMatch(/^[^\n]*--notify: no alert channel configured; set alerts\.pagerduty\.routingKey or alerts\.webhook$/);
    const typo = await nvcops(['health', 'db', '--notify', '--config', writeConfig({ redis: { url: server.url }, alerts: { webhook: 'http://127.0.0.1:9/x', severity: { 'redis.pong': { fail: 'info' } } } })]);
    expect(typo.exitCode).toBe(78);
    expect(typo.stderr.trim()).toMatch(/alerts\.severity\.redis\.pong: no such check/);
    expect(typo.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  });
});
