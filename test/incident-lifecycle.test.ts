import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postmortemMarkdown } from '../src/incident/postmortem.js';
import type { Incident } from '../src/probes/incidents.js';
import { formatAge } from '../src/incident/time.js';
import { nvcops, startNvcops, writeConfig } from './support/cli.js';
import { startPostgres, type PgServer } from './support/servers.js';
import { connectedTo, until } from './support/until.js';

const T0 = Date.parse('2025-07-01T03:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const stateDir = () => mkdtempSync(join(tmpdir(), 'nvcops-incident-state-'));

/** One on-call engineer's terminal: their own state directory unless the config names a shared store, and a clock. */
function terminal(config: string, state = stateDir(), by = 'ada') {
  return (args: string[], minutes?: number) =>
    nvcops([...args, '--config', config, '--by', by], { env: { XDG_STATE_HOME: state, ...(minutes !== undefined && { NVCOPS_NOW: at(minutes) }) } });
}

describe('incident lifecycle: severity, response timers, list of what is overdue', () => {
  const config = writeConfig({ environment: 'staging' });

  it('starts the 5-minute acknowledgement and the severity\'s response timer, and lists what is overdue as time passes', async () => {
    const run = terminal(config);
    const opened = await run(['incident', 'open', '--severity', 'P1', '--title', 'Payments API returning 503', '--no-checks', '--format', 'json'], 0);
    // No notification channel configured: the P1 says to notify stakeholders by hand.
    expect(opened.stderr).toMatch(/^▲ P1: stakeholders must be notified, but incident.notify has no webhook or PagerDuty routing key/);
    expect(opened.exitCode).toBe(0);
    const incident = JSON.parse(opened.stdout);
    expect(incident).toMatchObject({ id: 'INC-1', severity: 'P1', status: 'open', environment: 'staging', openedBy: 'ada', openedAt: at(0), dedupKey: 'nvcops/staging/INC-1' });
    expect(incident.timers).toMatchObject({ ackDueAt: at(5), responseDueAt: at(60), ackOverdue: false, responseOverdue: false });
    const p3 = await run(['incident', 'open', '--severity', 'P3', '--title', 'Typo on the statements page', '--no-checks', '--format', 'json'], 0);
    expect(JSON.parse(p3.stdout).timers.responseDueAt).toBe(at(24 * 60));
    const p0 = await run(['incident', 'open', '--severity', 'P0', '--title', 'Ledger writes failing', '--no-checks', '--format', 'json'], 1);
    // "Immediate" is held to the 5-minute acknowledgement window.
    expect(JSON.parse(p0.stdout).timers.responseDueAt).toBe(at(6));

    const list = async (minutes: number) => Object.fromEntries(JSON.parse((await run(['incident', 'list', '--format', 'json'], minutes)).stdout).map((i: { id: string; timers: unknown }) => [i.id, i.timers]));
    expect((await list(4))['INC-1']).toMatchObject({ ackOverdue: false, responseOverdue: false });
    expect((await list(6))['INC-1']).toMatchObject({ ackOverdue: true, responseOverdue: false });
    const human = await run(['incident', 'list'], 6);
    expect(human.stdout).toMatch(/▲ Open incidents and those resolved in the last 24 hours — 3 open, 2 OVERDUE: INC-1, INC-2/);
    expect(human.stdout).toMatch(/INC-3\s+P0\s+open\s+5 min ago\s+due now\s+due now \(Immediate\)/);
    expect(human.stdout).toMatch(/INC-1\s+P1\s+open\s+6 min ago\s+OVERDUE by 60 s\s+due in 54 min \(1 hour\)/);

    const ambiguous = await run(['incident', 'ack'], 6);
    expect(ambiguous.exitCode).toBe(64);
    expect(ambiguous.stderr).toMatch(/3 incidents are open \(INC-1, INC-2, INC-3\); name the one you mean/);
    const ack = await run(['incident', 'ack', 'INC-1'], 6);
    expect(ack.stdout).toBe('INC-1 acknowledged after 6 min — the 5-minute target was missed');
    const again = await run(['incident', 'ack', 'INC-1'], 7);
    expect(again.exitCode).toBe(64);
    expect(again.stderr).toMatch(/INC-1 is already acknowledged \(acknowledged by ada at 2025-07-01T03:06:00.000Z\)/);

    expect((await list(61))['INC-1']).toMatchObject({ ackOverdue: false, responseOverdue: true });
    expect((await list(61))['INC-2']).toMatchObject({ ackOverdue: true, responseOverdue: false });
    await run(['incident', 'note', '--id', 'INC-1', 'pool exhausted on payments-db; raising the limit'], 62);
    expect((await list(62))['INC-1']).toMatchObject({ ackOverdue: false, responseOverdue: false, responseMs: 62 * 60_000 });
    const show = await run(['incident', 'show', 'INC-1'], 62);
    expect(show.stdout).toMatch(/acknowledged: 2025-07-01T03:06:00.000Z by ada \(6 min \(late\)\)/);
    expect(show.stdout).toMatch(/response \(1 hour\): 2025-07-01T04:02:00.000Z \(62 min \(late\)\)/);
  });

  it('a note after resolution is not the response; a closed incident never acknowledged or responded to says "never", target missed', async () => {
    const run = terminal(config);
    expect((await run(['incident', 'open', '--severity', 'P1', '--title', 'Card authorisations slow', '--no-checks'], 0)).exitCode).toBe(0);
    expect((await run(['incident', 'resolve', 'INC-1', '--note', 'restarted the card gateway'], 10)).exitCode).toBe(0);
    expect((await run(['incident', 'note', '--id', 'INC-1', 'follow-up: gateway logs archived'], 60)).exitCode).toBe(0);
    const show = JSON.parse((await run(['incident', 'show', 'INC-1', '--format', 'json'], 61)).stdout);
    expect(show.respondedAt).toBeUndefined();
    expect(show.timers.responseMs).toBeUndefined();
    expect(show.events.map((e: { type: string; message: string }) => `${e.type}: ${e.message}`)).toContain('resolved: resolved without acknowledgement: the 5-minute acknowledgement was never made');
    const human = await run(['incident', 'show', 'INC-1'], 61);
    expect(human.stdout).toMatch(/acknowledged: never \(missed\)/);
    expect(human.stdout).toMatch(/response \(1 hour\): never \(missed\)/);
    const pm = (await run(['incident', 'postmortem', 'INC-1'], 61)).stdout;
    expect(pm).toContain('| Time to acknowledge | never — resolved without acknowledgement (target 5 min: MISSED) |');
    expect(pm).toContain('| Time to respond (investigation begun) | never — no note, investigation or diagnosis before resolution (target 60 min: MISSED) |');
    expect(pm).toMatch(/\| incident \| ada \| resolved: resolved without acknowledgement/);
    expect(pm).not.toContain('not yet');
  });

  it('an incident still open says "not yet" where nothing has happened, and a note while it is open is the response', async () => {
    const run = terminal(config);
    await run(['incident', 'open', '--severity', 'P1', '--title', 'Statements slow', '--no-checks'], 0);
    const before = (await run(['incident', 'postmortem', 'INC-1'], 5)).stdout;
    expect(before).toContain('| Time to acknowledge | not yet |');
    await run(['incident', 'note', '--id', 'INC-1', 'looking at the statements queue'], 20);
    await run(['incident', 'resolve', 'INC-1', '--note', 'drained the queue'], 30);
    const pm = (await run(['incident', 'postmortem', 'INC-1'], 31)).stdout;
    expect(pm).toContain('| Time to respond (investigation begun) | 20 min (target 60 min: met) |');
  });

  it('the timeline starts when impact began (--started), so what was done before opening is in it', async () => {
    // The audit trail keeps the real clock, so this one runs on it too.
    const run = terminal(config);
    await run(['incident', 'open', '--severity', 'P3', '--title', 'Typo on the login page', '--no-checks']);
    await run(['incident', 'open', '--severity', 'P1', '--title', 'Transfers failing', '--started', '30m', '--no-checks']);
    const entries = JSON.parse((await run(['incident', 'timeline', 'INC-2', '--format', 'json'])).stdout).entries;
    expect(entries.map((e: { source: string; what: string }) => `${e.source}: ${e.what}`).slice(0, 2))
      .toEqual(['audit: incident open: ok — INC-1 P3: Typo on the login page', 'incident: opened: P1 opened: Transfers failing']);
  });

  it('refuses bad input with one line and exit 64', async () => {
    const run = terminal(config);
    const bad = await run(['incident', 'open', '--severity', 'P5', '--title', 'x']);
    expect(bad.exitCode).toBe(64);
    expect(bad.stderr).toMatch(/Allowed choices are P0, P1, P2, P3/);
    const noTitle = await run(['incident', 'open', '--severity', 'P2']);
    expect(noTitle.exitCode).toBe(64);
    expect(noTitle.stderr).toMatch(/--title <text>' not specified/);
    const none = await run(['incident', 'ack']);
    expect(none.exitCode).toBe(64);
    expect(none.stderr).toMatch(/no open incident in staging/);
    const unknown = await run(['incident', 'show', 'INC-99']);
    expect(unknown.exitCode).toBe(64);
    expect(unknown.stderr).toMatch(/no incident INC-99/);
    const started = await run(['incident', 'open', '--severity', 'P2', '--title', 'x', '--started', 'around lunch']);
    expect(started.exitCode).toBe(64);
    expect(started.stderr).toMatch(/--started: "around lunch" is not a time/);
    const future = await run(['incident', 'open', '--severity', 'P2', '--title', 'x', '--started', at(30), '--no-checks'], 0);
    expect(future.exitCode).toBe(64);
    expect(future.stderr.trim().split('\n')).toEqual([expect.stringContaining(`--started: ${at(30)} is later than now (${at(0)}); impact cannot begin in the future`)]);
    // Date.parse would take 2025-02-29 for 1 March: a day that does not exist is refused, not moved.
    const noDay = await run(['incident', 'open', '--severity', 'P2', '--title', 'x', '--started', '2025-02-29 10:00', '--no-checks'], 0);
    expect([noDay.exitCode, noDay.stderr]).toEqual([64, 'nvcops: --started: "2025-02-29 10:00": no such day; use a date that exists, such as 2025-07-01']);
    expect(JSON.parse((await run(['incident', 'list', '--all', '--format', 'json'], 0)).stdout)).toEqual([]);
    // A time without a zone would be read on the machine's clock: hours apart between a UTC host and a New York one.
    const zoneless = await run(['incident', 'open', '--severity', 'P2', '--title', 'x', '--started', '2025-07-01 02:50', '--no-checks'], 30);
    expect(zoneless.exitCode).toBe(64);
    expect(zoneless.stderr.trim().split('\n')).toEqual(['nvcops: --started: "2025-07-01 02:50" has no time zone; add one: 2025-07-01T02:50Z (UTC) or an offset such as 2025-07-01T02:50-05:00']);
    const zoned = await run(['incident', 'open', '--severity', 'P2', '--title', 'x', '--started', '2025-07-01T02:50Z', '--no-checks', '--format', 'json'], 30);
    expect(JSON.parse(zoned.stdout).startedAt).toBe(at(-10));
    // An id given but empty (an unset variable) is refused, never taken for the only open incident.
    const emptyId = await run(['incident', 'resolve', '', '--note', 'fixed', '--force'], 30);
    expect([emptyId.exitCode, emptyId.stderr]).toEqual([64, 'nvcops: incident resolve: the incident id is empty; name one such as INC-3 (`nvcops incident list --all` shows them)']);
    expect(JSON.parse((await run(['incident', 'list', '--format', 'json'], 30)).stdout)).toEqual([expect.objectContaining({ status: 'open' })]);
    const past = await run(['incident', 'open', '--severity', 'P2', '--title', 'x', '--started', '20m', '--no-checks', '--format', 'json'], 30);
    expect(past.exitCode).toBe(0);
    expect(JSON.parse(past.stdout).startedAt).toBe(at(10));
    // A file that cannot be written is refused before the post-mortem or the diagnosis is made, naming the flag.
    const blocked = join(stateDir(), 'a-file');
    writeFileSync(blocked, '');
    for (const args of [['incident', 'postmortem', '--force', '--output', join(blocked, 'INC-1.md')], ['incident', 'diagnose', '--output', join(blocked, 'INC-1.md')], ['incident', 'postmortem', '--force', '--output', stateDir()]]) {
      const refused = await run(args, 31);
      expect(refused.exitCode, refused.stderr).toBe(64);
      expect(refused.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^nvcops: option '--output <path>' argument '.*' is invalid\. (.*a-file is not a directory; a report goes into a directory|.* is a directory; give a file path such as DIR\/report\.md)/)]);
    }
    expect(JSON.parse((await run(['incident', 'show', 'INC-2', '--format', 'json'], 31)).stdout).events.map((e: { type: string }) => e.type)).toEqual(['opened']);
  });
});

describe('two engineers on one incident at once', () => {
  let service: Server;
  let up = false;
  beforeAll(async () => {
    // Down when the incident opens; then up, but slow, so each resolve's re-run of the checks takes a while.
    service = createServer((_q, s) => (up ? setTimeout(() => s.end('ok'), 400) : s.writeHead(503).end('down')));
    await new Promise<void>((r) => service.listen(0, '127.0.0.1', r));
  });
  afterAll(() => new Promise<void>((r) => service.close(() => r())));

  it('resolve: the second to finish is refused, never overwrites who resolved it, when and how', async () => {
    const config = writeConfig({ environment: 'staging', services: [{ name: 'payments-api', url: `http://127.0.0.1:${(service.address() as AddressInfo).port}/health`, samples: 3 }] });
    const state = stateDir();
    const [ada, grace] = [terminal(config, state, 'ada'), terminal(config, state, 'grace')];
    expect((await ada(['incident', 'open', '--severity', 'P1', '--title', 'Payments API returning 503'])).exitCode).toBe(0);
    up = true;
    const [a, g] = await Promise.all([
      ada(['incident', 'resolve', '--force', '--note', 'restarted the payments pods']),
      grace(['incident', 'resolve', '--force', '--note', 'rolled back deploy-42']),
    ]);
    expect([a.exitCode, g.exitCode].sort()).toEqual([0, 64]);
    const [winner, loser] = a.exitCode === 0 ? (['ada', g] as const) : (['grace', a] as const);
    const note = winner === 'ada' ? 'restarted the payments pods' : 'rolled back deploy-42';
    expect(loser.stderr).toMatch(new RegExp(`INC-1 is already resolved \\(by ${winner} at `));
    const shown = JSON.parse((await ada(['incident', 'show', 'INC-1', '--format', 'json'])).stdout);
    expect(shown).toMatchObject({ status: 'resolved', resolvedBy: winner, resolution: note });
    expect(shown.events.filter((e: { type: string }) => e.type === 'resolved').map((e: { by: string; message: string }) => `${e.by}: ${e.message}`))
      .toEqual([`${winner}: resolved without acknowledgement: the 5-minute acknowledgement was never made`, `${winner}: ${note}`]);
  });
});

describe('spans that run backwards', () => {
  it('are never shown as 0: they say the times are inconsistent', () => {
    expect(formatAge(-90_000)).toBe('-90 s (inconsistent: it ends before it begins)');
    expect(formatAge(0)).toBe('0 s');
    // A record written before --started was checked: impact "began" after it was resolved.
    const i: Incident = {
      id: 'INC-7', title: 'Old record', severity: 'P1', status: 'resolved', environment: null, startedAt: at(30), openedAt: at(0), openedBy: 'ada',
      acknowledgedAt: at(1), acknowledgedBy: 'ada', respondedAt: at(2), resolvedAt: at(10), resolvedBy: 'ada', resolution: 'fixed',
      checksFrom: 'not looked at', failingChecks: [], dedupKey: 'k', notifications: [], reports: [], events: [],
    };
    const md = postmortemMarkdown(i, [], 'ada', new Date(at(60)));
    expect(md).toContain('| Duration of impact | -20 min (inconsistent: it ends before it begins) |');
    expect(md).not.toMatch(/Duration of impact \| 0 s/);
  });
});

describe('incident records on a real PostgreSQL', () => {
  let db: PgServer;
  let state: PgServer;
  beforeAll(async () => {
    [db, state] = await Promise.all([
      startPostgres({ settings: { max_connections: 20, archive_mode: 'on', archive_command: '/bin/true', archive_timeout: 60 } }),
      startPostgres(),
    ]);
    await db.sql('SELECT pg_switch_wal()');
  });
  afterAll(async () => {
    await Promise.all([db?.stop(), state?.stop()]);
  });

  it('one incident list for a team on state.url: several engineers open at once and each gets their own number', async () => {
    const config = writeConfig({ environment: 'production', state: { url: state.url } });
    const engineers = ['ada', 'grace', 'linus', 'barbara'].map((by) => terminal(config, stateDir(), by));
    const opened = await Promise.all(engineers.map((run, k) => run(['incident', 'open', '--severity', 'P2', '--title', `report ${k}`, '--no-checks', '--format', 'json'])));
    expect(opened.map((r) => r.exitCode)).toEqual([0, 0, 0, 0]);
    expect(opened.map((r) => JSON.parse(r.stdout).id).sort()).toEqual(['INC-1', 'INC-2', 'INC-3', 'INC-4']);
    const seen = JSON.parse((await engineers[3]!(['incident', 'list', '--format', 'json'])).stdout);
    expect(seen.map((i: { title: string }) => i.title).sort()).toEqual(['report 0', 'report 1', 'report 2', 'report 3']);
    await engineers[1]!(['incident', 'ack', 'INC-1']);
    const show = JSON.parse((await engineers[2]!(['incident', 'show', 'INC-1', '--format', 'json'])).stdout);
    expect(show).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'grace' });
  });

  it('records the checks failing at open and resolves only when they pass again (verify resolution)', async () => {
    const config = writeConfig({ environment: 'staging', postgres: { url: db.monitorUrl } });
    const run = terminal(config);
    let held: pg.Client[] = await Promise.all(Array.from({ length: 15 }, () => db.connect()));
    try {
      const opened = JSON.parse((await run(['incident', 'open', '--severity', 'P1', '--title', 'Connections exhausted', '--format', 'json'])).stdout);
      expect(opened.checksFrom).toMatch(/^health daily run at open/);
      expect(opened.failingChecks).toEqual([expect.objectContaining({ id: 'postgres.connection-saturation', status: 'fail' })]);
      const refused = await run(['incident', 'resolve', '--note', 'raised max_connections']);
      expect(refused.exitCode).toBe(2);
      expect(refused.stderr).toMatch(/INC-1 NOT resolved — still not passing: postgres.connection-saturation fail/);
      expect(refused.stderr).toMatch(/resolve anyway with --force/);
      expect(JSON.parse((await run(['incident', 'show', '--format', 'json'])).stdout).status).toBe('open');
      await Promise.all(held.map((c) => c.end()));
      held = [];
      const resolved = await run(['incident', 'resolve', '--note', 'killed the leaking batch job']);
      expect(resolved.exitCode).toBe(0);
      expect(resolved.stdout).toMatch(/INC-1 resolved after .* — all 1 checks failing at open now pass\n\s+✔ postgres.connection-saturation: fail → pass/);
      expect(resolved.stdout).toMatch(/a P1 needs a post-mortem — nvcops incident postmortem INC-1/);
      const show = JSON.parse((await run(['incident', 'show', 'INC-1', '--format', 'json'])).stdout);
      expect(show).toMatchObject({ status: 'resolved', resolution: 'killed the leaking batch job', verification: [{ id: 'postgres.connection-saturation', before: 'fail', after: 'pass' }] });

      const pm = join(stateDir(), 'INC-1.md');
      const written = await run(['incident', 'postmortem', 'INC-1', '--output', pm, '--owner', 'grace']);
      expect(written.stdout).toBe(`post-mortem draft for INC-1 written to ${pm}`);
      const text = readFileSync(pm, 'utf8');
      for (const heading of ['## Summary', '## Impact', '## Timeline (UTC)', '## Detection', '## Root causes', '## Trigger', '## Resolution', '## Action items', '## Lessons learned', '### Where we got lucky']) expect(text).toContain(heading);
      expect(text).toMatch(/\| 1 \| mitigate \| Make the fix permanent: killed the leaking batch job \| grace \|/);
      expect(text).toMatch(/\| \d \| prevent \| Keep `postgres.connection-saturation` passing/);
      expect(text).toMatch(/\| \d \| process \| Update runbooks/);
      expect(text).toMatch(/\| .* \| incident \| ada \| verification: resolution not verified: still not passing: postgres.connection-saturation fail \|/);
      expect(text).toMatch(/\| .* \| history \| ada \| health daily: fail/);
    } finally {
      await Promise.all(held.map((c) => c.end()));
    }
  });

  it('puts every nvcops action and check run of the environment into the open incident\'s timeline, and only while it is open', async () => {
    const config = writeConfig({ environment: 'staging', postgres: { url: db.monitorUrl } });
    const run = terminal(config);
    await run(['health', 'db']);
    await run(['incident', 'open', '--severity', 'P2', '--title', 'Slow statements page', '--no-checks']);
    await run(['incident', 'open', '--severity', 'P3', '--title', 'Unrelated cosmetic bug', '--no-checks']);
    await run(['health', 'db']);
    await run(['incident', 'note', '--id', 'INC-2', 'checked the CSS']);
    await run(['incident', 'db']);
    await run(['incident', 'resolve', 'INC-1', '--note', 'added an index']);
    await run(['health', 'db']);
    const timeline = JSON.parse((await run(['incident', 'timeline', 'INC-1', '--format', 'json'])).stdout).entries;
    const whats = timeline.map((e: { source: string; what: string }) => `${e.source}: ${e.what}`);
    expect(whats[0]).toBe('incident: opened: P2 opened: Slow statements page');
    expect(whats.filter((w: string) => w.startsWith('history: health db')).length).toBe(1);
    expect(whats).toContainEqual(expect.stringMatching(/^audit: incident open: ok — INC-2 P3: Unrelated cosmetic bug$/));
    expect(whats).toContainEqual(expect.stringMatching(/^audit: incident note: ok — checked the CSS$/));
    expect(whats).toContainEqual(expect.stringMatching(/^incident: investigation: incident db: /));
    expect(whats.at(-1)).toBe('incident: resolved: added an index');
    const human = await run(['incident', 'timeline', 'INC-1']);
    expect(human.stdout).toMatch(/✔ INC-1 \[P2\] Slow statements page — \d+ entries, resolved/);
  });
});

describe('SIGTERM or Ctrl-C while incident open, resolve or classify runs its checks', () => {
  let frozen: PgServer;
  beforeAll(async () => {
    // A server that takes connections and never answers: the checks hang until the signal comes.
    frozen = await startPostgres();
    process.kill(frozen.pid(), 'SIGSTOP');
  });
  afterAll(async () => {
    process.kill(frozen.pid(), 'SIGCONT');
    await frozen?.stop();
  });

  /** Starts nvcops as a real process, waits until it hangs on the frozen server, signals it and returns how it ended. */
  async function signalled(args: string[], state: string, signal: 'SIGTERM' | 'SIGINT') {
    const child = startNvcops(args, state);
    await until('nvcops has connected to the frozen server', () => connectedTo(frozen.port));
    const t0 = Date.now();
    child.kill(signal);
    const r = await child;
    return { ...r, ms: Date.now() - t0 };
  }

  it('open records the incident with what the checks saw, says they were interrupted, audits it so and exits 143; resolve then stays open', async () => {
    const state = stateDir();
    const cfg = writeConfig({ environment: 'staging', postgres: { url: frozen.url, connectTimeout: '60s' } });
    const run = terminal(cfg, state);
    const r = await signalled(['incident', 'open', '--severity', 'P1', '--title', 'Ledger database not answering', '--config', cfg, '--by', 'ada'], state, 'SIGTERM');
    expect([r.exitCode, r.signal]).toEqual([143, undefined]);
    expect(r.ms).toBeLessThan(10_000);
    expect(r.stdout).toMatch(/^INC-1 opened: \[P1 [^\]]+\] Ledger database not answering$/m);
    expect(r.stdout).toMatch(/failing checks \(health daily run at open \([^)]+\), interrupted by SIGTERM: checks that had not finished are listed as error\): .*postgres\.connect-time error/);
    const incident = JSON.parse((await run(['incident', 'show', 'INC-1', '--format', 'json'])).stdout);
    expect(incident).toMatchObject({ id: 'INC-1', status: 'open', checksFrom: expect.stringContaining('interrupted by SIGTERM') });
    expect(incident.failingChecks).toContainEqual({ id: 'postgres.connect-time', status: 'error', message: 'interrupted (SIGTERM) before it finished' });
    const history = JSON.parse((await run(['history', '--format', 'json'])).stdout);
    expect(history).toMatchObject([{ command: 'health daily', exitCode: 143, report: { interrupted: true } }]);
    const trail = JSON.parse((await run(['audit', 'show', '--format', 'json'])).stdout);
    expect(trail).toMatchObject([{ action: 'incident open', outcome: 'interrupted', message: expect.stringMatching(/^INC-1 P1: Ledger database not answering; checks interrupted by SIGTERM/) }]);

    // An interrupted verification never resolves, not even with --force: it is recorded and the incident stays open.
    const resolve = await signalled(['incident', 'resolve', 'INC-1', '--force', '--note', 'restarted the ledger database', '--config', cfg, '--by', 'ada'], state, 'SIGINT');
    expect([resolve.exitCode, resolve.signal]).toEqual([130, undefined]);
    expect(resolve.stderr).toMatch(/^INC-1 NOT resolved — interrupted by Ctrl-C: checks that had not finished are listed as error; not passing: .*postgres\.connect-time error/);
    expect(resolve.stderr).toMatch(/Run it again to verify\.$/);
    const after = JSON.parse((await run(['incident', 'show', 'INC-1', '--format', 'json'])).stdout);
    expect(after).toMatchObject({ status: 'open' });
    expect(after.resolvedAt).toBeUndefined();
    expect(after.verification).toContainEqual(expect.objectContaining({ id: 'postgres.connect-time', after: 'error', message: 'interrupted (Ctrl-C) before it finished' }));
    expect(after.events.at(-1)).toMatchObject({ type: 'verification', message: expect.stringMatching(/^resolution not verified: interrupted by Ctrl-C/) });
  });

  it('classify proposes from what finished, says the health run was interrupted, keeps it in the history and exits 143', async () => {
    const state = stateDir();
    const cfg = writeConfig({ environment: 'staging', postgres: { url: frozen.url, connectTimeout: '60s' } });
    const r = await signalled(['incident', 'classify', '--config', cfg, '--format', 'json'], state, 'SIGTERM');
    expect([r.exitCode, r.signal]).toEqual([143, undefined]);
    expect(r.ms).toBeLessThan(10_000);
    const c = JSON.parse(r.stdout);
    expect(c).toMatchObject({ interrupted: true });
    expect(c.summary.error).toBeGreaterThan(0);
    const history = JSON.parse((await terminal(cfg, state)(['history', '--format', 'json'])).stdout);
    expect(history).toMatchObject([{ command: 'health daily', exitCode: 143, report: { interrupted: true } }]);
  });
});
