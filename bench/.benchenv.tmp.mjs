// start the bench environment and keep it up; prints config path
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { stringify } from 'yaml';
import { loadHarness } from '/work/main/scripts/harness.mjs';
const { startPostgres, startRedis, postgresBin } = await loadHarness();
const bin = postgresBin();
const work = mkdtempSync(join(tmpdir(), 'nvcops-benchenv-'));
const server = await startPostgres({ settings: { shared_preload_libraries: 'pg_stat_statements', archive_mode: 'on', archive_command: 'mkdir -p ../wal-archive && cp %p ../wal-archive/%f' } });
const redis = await startRedis();
await server.sql('CREATE DATABASE bench');
const pgUrl = server.urlFor('postgres', 'bench');
execFileSync(join(bin, 'pgbench'), ['-i', '-s', '10', '-q', pgUrl], { stdio: 'ignore' });
execFileSync(join(bin, 'pgbench'), ['-T', '5', '-c', '2', pgUrl], { stdio: 'ignore' });
const bench = new pg.Client({ connectionString: pgUrl });
await bench.connect();
await bench.query('CREATE EXTENSION pg_stat_statements; ANALYZE; CREATE ROLE nvcops_monitor LOGIN IN ROLE pg_monitor; GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO nvcops_monitor');
await bench.end();
const service = spawn(process.execPath, ['-e', "require('http').createServer((q, s) => s.end('ok')).listen(0, '127.0.0.1', function () { console.log(this.address().port) })"], { stdio: ['ignore', 'pipe', 'inherit'] });
const servicePort = Number(await new Promise((r) => service.stdout.once('data', r)));
const log = join(work, 'application.log');
const now = Date.now();
writeFileSync(log, Array.from({ length: 20_000 }, (_, i) => JSON.stringify({ time: new Date(now - 86_000_000 + i * 4300).toISOString(), level: 'info', msg: 'request', status: 200 })).join('\n') + '\n');
const backups = join(work, 'backups');
mkdirSync(backups);
const dump = join(backups, 'bench.dump');
execFileSync(join(bin, 'pg_dump'), ['-Fc', '-f', dump, pgUrl]);
writeFileSync(join(backups, 'bench.manifest.json'), JSON.stringify({
  version: 1, id: 'bench', kind: 'db', created: new Date().toISOString(), size: statSync(dump).size,
  sha256: createHash('sha256').update(readFileSync(dump)).digest('hex'), file: 'bench.dump', source: 'bench', postgres: { version: '15', startLsn: '0/1', stopLsn: '0/2' },
}));
const config = join(work, 'nvcops.yaml');
writeFileSync(config, stringify({
  postgres: { url: server.urlFor('nvcops_monitor', 'bench') }, redis: { url: redis.url },
  services: [{ name: 'api', url: `http://127.0.0.1:${servicePort}/`, samples: 10 }],
  logs: { application: log }, backups: { directory: backups }, state: { path: join(work, 'state') },
}));
writeFileSync(join(work, 'empty.mjs'), '');
console.log(config);
process.on('SIGTERM', async () => { service.kill(); await server.stop(); await redis.stop(); process.exit(0); });
setInterval(() => {}, 1 << 30);
