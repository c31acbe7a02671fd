// npm run demo: the morning health check against a throwaway bank on loopback — PostgreSQL with a
// streaming replica, Redis, a small HTTP service, a day of application log, a fresh backup — then
// the security review and its acknowledgement, and everything is stopped and removed.
// Needs PostgreSQL server binaries and redis-server (Debian: apt-get install postgresql redis-server).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadHarness } from './harness.mjs';

const CLI = new URL('../bin/nvcops.js', import.meta.url).pathname;
const say = (text) => process.stderr.write(`\x1b[2m# ${text}\x1b[0m\n`);
const stops = [];
const work = mkdtempSync(join(tmpdir(), 'nvcops-demo-'));

async function cleanup() {
  for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
}
process.once('SIGINT', () => { cleanup().finally(() => process.exit(130)); });

/** A day of JSON-lines application log: requests, a few failed logins, a denied access, and one burst of guessing. */
function applicationLog(now) {
  const lines = [];
  const at = (msAgo) => new Date(now - msAgo).toISOString();
  for (let i = 0; i < 6000; i++) {
    const ago = Math.round((24 * 3600_000 * (6000 - i)) / 6000) - 1000;
    const status = i === 4321 ? 503 : i % 97 === 0 ? 404 : 200;
    lines.push({ time: at(ago), level: status >= 500 ? 'error' : 'info', msg: 'request completed', method: 'POST', path: '/v1/payments', status, duration_ms: 20 + (i % 40) });
    if (i === 1500) lines.push({ time: at(ago - 10), level: 'warn', event: 'login_failed', user: 'j.smith', ip: '10.20.0.14', msg: 'invalid password' });
    if (i === 3000) lines.push({ time: at(ago - 10), level: 'warn', msg: 'access denied to /admin/ledger', user: 'c.jones', ip: '10.20.0.31', status: 403 });
    if (i === 3500) lines.push({ time: at(ago - 10), level: 'info', msg: 'refund issued for card 4111 1111 1111 1111 after dispute', user: 'ops.bot' });
  }
  // Seven failed logins for one account from one address inside two minutes: brute force.
  const burst = now - 3 * 3600_000;
  for (let k = 0; k < 7; k++) lines.push({ time: new Date(burst + k * 15_000).toISOString(), level: 'warn', event: 'login_failed', user: 'treasury.admin', ip: '203.0.113.77', msg: 'authentication failed' });
  lines.sort((a, b) => a.time.localeCompare(b.time));
  return `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`;
}

/** Runs the CLI as a person would; asynchronously, so the HTTP service in this process keeps answering. */
function run(args) {
  say(`nvcops ${args.join(' ')}`);
  const child = spawn(process.execPath, [CLI, ...args], { stdio: 'inherit' });
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

try {
  const { startPostgres, startReplica, startRedis, redisCli, stopLeftovers } = await loadHarness();
  // Last to run: whatever is still up, and the throwaway CA.
  stops.push(stopLeftovers);
  say(`starting PostgreSQL (primary and a streaming replica), Redis and an HTTP service on loopback in ${work}`);
  const pg = await startPostgres({
    settings: {
      shared_preload_libraries: 'pg_stat_statements',
      archive_mode: 'on',
      // Runs in the data directory: archives beside it, in the server's own temporary directory.
      archive_command: 'mkdir -p ../wal-archive && cp %p ../wal-archive/%f',
      log_statement: 'ddl',
    },
  });
  stops.push(() => pg.stop());
  await pg.sql('CREATE DATABASE bank');
  const bank = await pg.connect('postgres', 'bank');
  await bank.query(`
    CREATE EXTENSION pg_stat_statements;
    CREATE TABLE payments (id bigserial PRIMARY KEY, amount numeric(12,2) NOT NULL, status text NOT NULL, created_at timestamptz NOT NULL);
    INSERT INTO payments (amount, status, created_at)
      SELECT round((random() * 500)::numeric, 2), CASE WHEN g % 250 = 0 THEN 'declined' ELSE 'succeeded' END, now() - g * interval '10 seconds'
      FROM generate_series(1, 80000) g;
    ANALYZE payments;
    GRANT SELECT ON ALL TABLES IN SCHEMA public TO nvcops_monitor;
    GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO nvcops_monitor;
    SELECT pg_switch_wal();`);
  const replica = await startReplica(pg);
  stops.push(() => replica.stop());
  const redis = await startRedis(['--save', '3600 1']);
  stops.push(() => redis.stop());
  for (const command of [['SET', 'session:demo', 'ok'], ['GET', 'session:demo'], ['BGSAVE']]) await redisCli(redis, command);

  const api = createServer((req, res) => {
    setTimeout(() => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"status":"ok"}'); }, 3 + Math.random() * 12);
  });
  await new Promise((r) => api.listen(0, '127.0.0.1', r));
  stops.push(() => new Promise((r) => api.close(r)));

  say('writing a day of application log');
  const now = Date.now();
  const logFile = join(work, 'application.log');
  writeFileSync(logFile, applicationLog(now));
  await bank.end();
  const backups = join(work, 'backups');
  const app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'server.js'), "console.log('bank api 1.0.0');\n");
  const etc = join(work, 'etc');
  mkdirSync(etc);

  const config = join(etc, 'nvcops.yaml');
  writeFileSync(config, stringify({
    environment: 'demo',
    postgres: {
      url: pg.urlFor('nvcops_monitor', 'bank'),
      adminUrl: pg.urlFor('postgres', 'bank'),
      replicas: [{ name: 'replica1', url: replica.urlFor('nvcops_monitor', 'bank') }],
    },
    redis: { url: redis.url },
    services: [{ name: 'payments-api', url: `http://127.0.0.1:${api.address().port}/healthz`, timeout: '2s', samples: 20 }],
    logs: { application: logFile, postgres: pg.logFile },
    backups: { directory: backups },
    state: { path: join(work, 'state') },
    business: {
      metrics: [
        {
          name: 'payment-success-rate', title: 'Payment success rate, last hour', unit: '%', warn: '< 99.5%', fail: '< 98%',
          sql: `SELECT 100.0 * count(*) FILTER (WHERE status = 'succeeded') / nullif(count(*), 0) FROM payments WHERE created_at > now() - interval '1 hour'`,
        },
        {
          name: 'payment-volume-vs-last-week', title: 'Payments this hour vs the same hour a week ago', unit: '%', warn: '< 70%', fail: '< 50%',
          sql: `SELECT 100.0 * (SELECT count(*) FROM payments WHERE created_at > now() - interval '1 hour')
                / nullif((SELECT count(*) FROM payments WHERE created_at > now() - interval '7 days 1 hour' AND created_at <= now() - interval '7 days'), 0)`,
        },
      ],
    },
  }));

  say('the Backup Schedule: database (pg_dump with its manifest), application, configuration, logs');
  await run(['backup', 'db', '--config', config]);
  await run(['backup', 'app', '--app-version', '1.0.0', '--from', app, '--config', config]);
  await run(['backup', 'config', '--from', etc, '--config', config]);
  await run(['backup', 'logs', '--config', config]);

  const code = await run(['health', 'daily', '--config', config]);
  say(`exit code ${code}. The security line is open: look at the events, then record the review`);
  await run(['health', 'security', '--last-24h', '--config', config]);
  await run(['health', 'security', 'ack', '--all', '--note', 'demo: role and grants are the setup; 203.0.113.77 blocked at the WAF; the rest expected', '--by', 'on-call', '--config', config]);
  say('the checklist again, as a CI gate or Nagios would read it');
  const again = await run(['health', 'daily', '--config', config, '--format', 'nagios']);
  say(`exit code ${again}; stopping the servers and removing ${work}`);
} finally {
  await cleanup();
}
