import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import errorReplies from '../src/checks/redis/error-replies.js';
import { defineCheck, type CheckDefinition } from '../src/engine/check.js';
import { loadConfig, type Config } from '../src/engine/config/index.js';
import type { CheckResult } from '../src/engine/report.js';
import { runCheck, runProcedure } from '../src/engine/runner.js';
import { resolveThresholds } from '../src/engine/thresholds.js';
import { Probes } from '../src/probes/index.js';
import { writeConfig } from './support/cli.js';
import { startRedis, type RedisServer } from './support/servers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const clock = () => new Date('2026-12-07T09:00:00Z');

/** What the line says: the rate, the errors counted, the window (ms or s) and the total since the server started. */
const LINE = /^([\d.]+) error replies per second \((\d+) in ([\d.]+) (ms|s); (\d+) since the server started\)$/;
function said(result: CheckResult) {
  const m = LINE.exec(result.message);
  expect(m, result.message).not.toBeNull();
  return { rate: Number(m![1]), errors: Number(m![2]), windowMs: Number(m![3]) * (m![4] === 's' ? 1000 : 1), total: Number(m![5]) };
}

/** A Redis of the harness as one environment sees it: its config, and a client of the test's own on it. */
interface Env { server: RedisServer; config: Config; client: Redis }

/** nvcops' connections to the env's server, as CLIENT LIST gives them. */
const nvcopsClients = async ({ client }: Env) => String(await client.call('CLIENT', 'LIST')).split('\n').filter((line) => / name=nvcops /.test(line));

/**
 * Until the check has taken its first reading: nvcops' connection, in the URL's database (after its SELECT, so
 * not ioredis' ready check, itself an INFO), with INFO as its last command.
 */
async function firstReadingTaken(env: Env): Promise<void> {
  while (!(await nvcopsClients(env)).some((line) => / db=3 /.test(line) && / cmd=info /.test(line))) await sleep(5);
}

/** Closes a run's probes and waits until the server has seen its connection go, so the next run's first reading is not taken for it. */
async function closed(probes: Probes, env: Env): Promise<void> {
  await probes.close();
  while ((await nvcopsClients(env)).length) await sleep(5);
}

/** `count` commands the server answers with an error (an unknown command each). */
const errorsOn = ({ client }: Env, count: number) => Promise.all(Array.from({ length: count }, () => client.call('NO-SUCH-COMMAND').catch(() => undefined)));

/**
 * One run of the check beside another check of the same run, on fresh probes: that check waits for the first
 * reading, then does `work` on the env's server.
 */
async function run(env: Env, work: () => Promise<unknown>): Promise<CheckResult> {
  const other = defineCheck({ id: 't.work', title: 'Work', requires: [], unit: 'count', run: async () => { await firstReadingTaken(env); await work(); return { value: 0, message: 'done' }; } });
  const defs: CheckDefinition[] = [errorReplies, other];
  const probes = new Probes(env.config);
  try {
    const report = await runProcedure({ id: 'daily', runbook: 't', items: [{ title: 'Errors', checks: defs.map((c) => c.id) }] }, new Map(defs.map((c) => [c.id, c])), {
      probes, thresholds: resolveThresholds(defs), concurrency: 8, deadlineMs: 10_000, failOn: 'warn', now: clock,
    });
    return report.items[0]!.results[0]!;
  } finally {
    await closed(probes, env);
  }
}

describe('redis.error-replies: counted over the run itself, against a real Redis', () => {
  let one: Env;
  let two: Env;
  const envOf = async (server: RedisServer): Promise<Env> => ({
    server,
    config: await loadConfig({ path: writeConfig({ redis: { url: server.url } }), environ: {} }),
    client: new Redis(server.url, { maxRetriesPerRequest: 0 }),
  });

  beforeAll(async () => {
    const [a, b] = await Promise.all([startRedis(), startRedis()]);
    [one, two] = await Promise.all([envOf(a), envOf(b)]);
  });
  afterAll(async () => {
    for (const env of [one, two]) env?.client.disconnect();
    await Promise.all([one?.server.stop(), two?.server.stop()]);
  });

  it('warns about the error replies made while the run goes, as errors over the run\'s own span', async () => {
    // 40 errors while the run's other check works for 600 ms: about 60 per second.
    const result = await run(one, async () => { await errorsOn(one, 40); await sleep(600); });
    const line = said(result);
    expect(result).toMatchObject({ status: 'warn', threshold: { warn: '> 5' } });
    expect(line.errors).toBe(40);
    expect(line.windowMs).toBeGreaterThanOrEqual(600);
    expect(line.rate).toBe(result.observed!.value);
    // The errors over the window the line states: the rate is rounded to 0.1, a window of 1 s or more to 0.1 s.
    const rate = (40 * 1000) / line.windowMs;
    expect(Math.abs(line.rate - rate)).toBeLessThanOrEqual(0.05 + rate * 0.05);
    expect(line.total).toBeGreaterThanOrEqual(40);
  });

  it('stays quiet on a healthy busy server: thousands of commands answered, none an error', async () => {
    const result = await run(one, async () => {
      const end = performance.now() + 400;
      while (performance.now() < end) {
        const p = one.client.pipeline();
        for (let i = 0; i < 200; i++) p.set(`session:${i}`, 'ok').get(`session:${i}`);
        await p.exec();
      }
    });
    expect(result).toMatchObject({ status: 'pass', observed: { value: 0 } });
    expect(said(result)).toMatchObject({ rate: 0, errors: 0 });
    expect(said(result).windowMs).toBeGreaterThanOrEqual(400);
  });

  it('run alone, it watches at least 250 ms and counts the errors made before its second reading', async () => {
    const probes = new Probes(one.config);
    try {
      const quiet = await runCheck(errorReplies, probes, clock);
      expect(quiet).toMatchObject({ status: 'pass', observed: { value: 0 }, message: expect.stringMatching(/^0 error replies per second \(0 in \d+ ms; \d+ since the server started\)$/) });
      expect(said(quiet).windowMs).toBeGreaterThanOrEqual(250);
      expect(said(quiet).windowMs).toBeLessThan(1000);
    } finally {
      await closed(probes, one);
    }
    const again = new Probes(one.config);
    try {
      // "The others" are done once 3 errors are made after its first reading: 3 in at least 250 ms, at most 12 per second.
      const result = await runCheck(errorReplies, again, clock, { othersDone: firstReadingTaken(one).then(() => errorsOn(one, 3)).then(() => undefined) });
      expect(said(result).errors).toBe(3);
      expect(result.observed!.value).toBeGreaterThan(0);
      expect(result.observed!.value).toBeLessThanOrEqual(12);
    } finally {
      await closed(again, one);
    }
  });

  it('two environments run side by side each judge their own window and their own errors', async () => {
    const [busy, quiet] = await Promise.all([
      run(one, async () => { await errorsOn(one, 30); await sleep(300); }),
      run(two, () => sleep(900)),
    ]);
    expect(busy.status).toBe('warn');
    expect(said(busy).errors).toBe(30);
    expect(said(busy).windowMs).toBeLessThan(900);
    expect(quiet).toMatchObject({ status: 'pass', observed: { value: 0 } });
    expect(said(quiet).windowMs).toBeGreaterThanOrEqual(900);
  });
});
