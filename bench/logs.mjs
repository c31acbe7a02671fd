// Log scale (issue #23): `nvcops health daily` on an application log of 10 MB, 100 MB and 1 GB (a week of
// JSON request lines, so the last 24 h are a seventh of the file), beside what reading that day costs at
// the least: `tail -c <day> | grep -c '"status":5'` (finds the failed requests without reading a line as
// JSON) and `tail -c <day> | wc -l`. The config names the log only: the checks that read it (logs.error-rate,
// security.alerts-reviewed) run, the others skip, so the difference is the log's reading plus the CLI's start.
// Targets: health daily <= 5x tail|grep; its peak RSS <= 130 MB, flat in the window's size.
//
// The commands run in turn, one of each per round, and each ratio is the median of the rounds' ratios (as
// bench/run.mjs does). Peak RSS is /usr/bin/time's %M (the largest process of the command). The logs are made
// on the fly in a temporary directory and removed after.
//
// Run alone with `npm run build && node bench/logs.mjs`; `npm run bench` runs it after bench/run.mjs.
// Env: BENCH_LOG_SIZES (MB, comma-separated; 10,100,1000), LOG_RUNS (rounds, 5), BENCH_LOG_JSON (where the
// results go as JSON; bench/results/logs.json), BENCH_LOG_BEFORE (another build's bin/nvcops.js, e.g. main's, run in
// the same rounds for a before/after).
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { median } from './results.mjs';

const CLI = new URL('../bin/nvcops.js', import.meta.url).pathname;
const DAY_MS = 86_400_000;
const SPAN_MS = 7 * DAY_MS;

/**
 * A week of request log ending now, `mb` megabytes of it: flat JSON lines as pino-http or a request logger write
 * them, about 1 in 2,000 a 5xx, 1 in 100 a 4xx warning, 1 in 500 a failed login. Returns the byte length of its last 24 h.
 */
function writeLog(file, mb) {
  const now = Date.now();
  const sample = `${JSON.stringify(line(0, now))}\n`.length;
  const total = Math.floor((mb * 1024 * 1024) / sample);
  const first = Math.ceil((total * (SPAN_MS - DAY_MS)) / SPAN_MS);
  const fd = openSync(file, 'w');
  let written = 0;
  let windowStart = 0;
  try {
    for (let i = 0; i < total;) {
      const block = [];
      for (const end = Math.min(total, i + 20_000); i < end; i++) {
        const text = JSON.stringify(line(i, now - SPAN_MS + (i / total) * SPAN_MS));
        if (i === first) windowStart = written + block.reduce((n, l) => n + l.length + 1, 0);
        block.push(text);
      }
      const text = `${block.join('\n')}\n`;
      writeSync(fd, text);
      written += text.length;
    }
  } finally {
    closeSync(fd);
  }
  return written - windowStart;
}

function line(i, t) {
  const time = new Date(t).toISOString();
  const id = ((i * 2654435761) >>> 0).toString(16).padStart(8, '0');
  if (i % 2000 === 7) return { time, level: 'error', msg: 'request failed', method: 'POST', url: '/api/v1/transfers', status: 502, responseTime: 3001, reqId: id, err: 'upstream timed out' };
  if (i % 500 === 3) return { time, level: 'warn', msg: 'login failed for user teller7', method: 'POST', url: '/api/v1/session', status: 401, responseTime: 41, reqId: id, ip: '203.0.113.7' };
  if (i % 100 === 5) return { time, level: 'warn', msg: 'request completed', method: 'GET', url: `/api/v1/accounts/${i % 99_991}`, status: 404, responseTime: 3, reqId: id };
  return { time, level: 'info', msg: 'request completed', method: i % 3 ? 'GET' : 'POST', url: `/api/v1/accounts/${i % 99_991}/transactions?page=${i % 7}`, status: i % 11 ? 200 : 201, responseTime: (i % 997) / 10, reqId: id };
}

const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/** Wall ms and peak RSS (MB, from /usr/bin/time) of one shell command. */
function run(command) {
  const args = TIME ? [TIME, ['-f', '%M', 'sh', '-c', `${command} >/dev/null`]] : ['sh', ['-c', `${command} >/dev/null`]];
  const t0 = performance.now();
  const r = spawnSync(args[0], args[1], { encoding: 'utf8' });
  const ms = performance.now() - t0;
  const kb = TIME ? Number(r.stderr.trim().split('\n').at(-1)) : NaN;
  return { ms, rssMb: kb / 1024 };
}

export async function benchLogs({ sizes = (process.env.BENCH_LOG_SIZES ?? '10,100,1000').split(',').map(Number), runs = Number(process.env.LOG_RUNS ?? 5) } = {}) {
  const work = mkdtempSync(join(tmpdir(), 'nvcops-bench-logs-'));
  const out = process.env.BENCH_LOG_JSON ?? new URL('results/logs.json', import.meta.url).pathname;
  const rows = [];
  try {
    console.log(`\n# log scale: health daily on a week of application log (the last 24 h a seventh of it), ${runs} rounds (after 1 to warm up)`);
    if (!TIME) console.log('# /usr/bin/time not found: no peak RSS (apt-get install time)');
    for (const mb of sizes) {
      const log = join(work, 'application.log');
      const t0 = performance.now();
      const windowBytes = writeLog(log, mb);
      const config = join(work, 'nvcops.yaml');
      writeFileSync(config, `logs:\n  application: ${log}\nstate:\n  path: ${join(work, 'state')}\n`);
      const commands = {
        nvcops: `${process.execPath} ${CLI} health daily --config ${config} --format json`,
        grep: `tail -c ${windowBytes} ${log} | grep -c '"status":5'`,
        wc: `tail -c ${windowBytes} ${log} | wc -l`,
        ...(process.env.BENCH_LOG_BEFORE && { before: `${process.execPath} ${process.env.BENCH_LOG_BEFORE} health daily --config ${config} --format json` }),
      };
      const once = spawnSync('sh', ['-c', commands.nvcops], { encoding: 'utf8' });
      const check = JSON.parse(once.stdout).items?.flatMap((item) => item.results).find((c) => c.id === 'logs.error-rate');
      console.log(`# ${mb} MB written in ${((performance.now() - t0) / 1000).toFixed(1)} s; window ${(windowBytes / 1048576).toFixed(1)} MB; logs.error-rate: ${check ? `${check.status}, ${check.message}` : 'not in the report'}`);
      const times = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
      const rss = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
      for (let round = -1; round < runs; round++) {
        for (const [name, command] of Object.entries(commands)) {
          const r = run(command);
          if (round < 0) continue;
          times[name].push(r.ms);
          rss[name].push(r.rssMb);
        }
      }
      const ratio = (base) => median(times.nvcops.map((t, i) => t / times[base][i]));
      rows.push({
        sizeMb: mb, windowMb: windowBytes / 1048576,
        ms: Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)])),
        peakRssMb: Object.fromEntries(Object.entries(rss).map(([k, v]) => [k, median(v)])),
        overGrep: ratio('grep'), overWc: ratio('wc'), ...(times.before && { overBefore: ratio('before') }),
        msPerWindowMb: median(times.nvcops) / (windowBytes / 1048576),
      });
      rmSync(log);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const f = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : '–');
  console.log('\n| log | window | health daily ms | tail|grep ms | tail|wc -l ms | × grep | × wc -l | ms / window MB | peak RSS MB (nvcops / grep) |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(`| ${r.sizeMb} MB | ${f(r.windowMb, 1)} MB | ${f(r.ms.nvcops)} | ${f(r.ms.grep)} | ${f(r.ms.wc)} | ${f(r.overGrep, 2)} | ${f(r.overWc, 2)} | ${f(r.msPerWindowMb, 2)} | ${f(r.peakRssMb.nvcops)} / ${f(r.peakRssMb.grep, 1)} |`);
  }
  if (rows.some((r) => r.overBefore !== undefined)) {
    console.log(`\nbefore: ${process.env.BENCH_LOG_BEFORE}`);
    console.log('| log | before ms | this build ms | before / this build | peak RSS MB before / this build |');
    console.log('|---:|---:|---:|---:|---:|');
    for (const r of rows) console.log(`| ${r.sizeMb} MB | ${f(r.ms.before)} | ${f(r.ms.nvcops)} | ${f(1 / r.overBefore, 2)} | ${f(r.peakRssMb.before)} / ${f(r.peakRssMb.nvcops)} |`);
  }
  const largest = rows.at(-1);
  if (largest) {
    const verdict = (ok) => (ok ? 'met' : 'MISSED');
    console.log(`health daily on ${largest.sizeMb} MB: ${f(largest.overGrep, 2)}x tail|grep (target <= 5x: ${verdict(largest.overGrep <= 5)})`);
    const peak = Math.max(...rows.map((r) => r.peakRssMb.nvcops));
    console.log(`health daily peak RSS: ${rows.map((r) => `${f(r.peakRssMb.nvcops)} MB at ${r.sizeMb} MB`).join(', ')} (target <= 130 MB, flat: ${TIME ? verdict(peak <= 130) : 'not measured'})`);
  }
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, runs, rows }, null, 2)}\n`);
  console.log(`results: ${out}`);
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) await benchLogs();
