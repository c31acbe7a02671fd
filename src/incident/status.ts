import type { Config } from '../engine/config.js';
import { parseDuration } from '../engine/units.js';
import { Probes } from '../probes/index.js';
import type { Section } from './document.js';

export interface SystemState {
  kind: 'service' | 'postgres' | 'redis';
  name: string;
  /** Where it is, without credentials. */
  address: string;
  up: boolean;
  latencyMs: number | null;
  detail: string;
}

/** system_status.sh must answer within 5 s at 3 a.m.: no single probe may take longer than this. */
export const STATUS_PROBE_TIMEOUT_MS = 3000;

function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s (${what})`)), ms); });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

async function timed(kind: SystemState['kind'], name: string, address: string, timeoutMs: number, probe: () => Promise<string>): Promise<SystemState> {
  const t0 = performance.now();
  try {
    const detail = await within(probe(), timeoutMs, name);
    return { kind, name, address, up: true, latencyMs: Math.round(performance.now() - t0), detail };
  } catch (e) {
    return { kind, name, address, up: false, latencyMs: null, detail: (e as Error).message };
  }
}

async function httpCheck(url: string, timeoutMs: number): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    if (err.name === 'TimeoutError') throw new Error(`no answer within ${timeoutMs / 1000} s`);
    throw new Error(err.cause?.code === 'ECONNREFUSED' ? 'connection refused' : (err.cause?.message ?? err.message));
  }
  await res.body?.cancel();
  if (res.status < 200 || res.status >= 300) throw new Error(`HTTP ${res.status}`);
  return `HTTP ${res.status}`;
}

/** Every configured service, PostgreSQL server and Redis, probed at once; down first, then slowest first. */
export async function systemStatus(config: Config): Promise<SystemState[]> {
  const cap = (text: string | undefined) => Math.min(text ? (parseDuration(text) ?? STATUS_PROBE_TIMEOUT_MS) : STATUS_PROBE_TIMEOUT_MS, STATUS_PROBE_TIMEOUT_MS);
  const probes = new Probes({
    ...config,
    ...(config.postgres && { postgres: { ...config.postgres, connectTimeout: `${cap(config.postgres.connectTimeout)}ms`, statementTimeout: '2s' } }),
    ...(config.redis && { redis: { ...config.redis, connectTimeout: `${cap(config.redis.connectTimeout)}ms` } }),
  });
  const jobs: Promise<SystemState>[] = [];
  for (const s of config.services ?? []) {
    const t = cap(s.timeout);
    const u = new URL(s.url);
    jobs.push(timed('service', s.name, `${u.host}${u.pathname}`, t, () => httpCheck(s.url, t)));
  }
  if (config.postgres) {
    const { primary, replicas } = probes.postgres;
    for (const p of [primary, ...replicas]) {
      jobs.push(timed('postgres', p.name, p.address, STATUS_PROBE_TIMEOUT_MS, async () => {
        const [row] = await p.query<{ recovery: boolean }>('SELECT pg_is_in_recovery() AS recovery');
        const role = row!.recovery ? 'in recovery (read-only)' : 'accepting writes';
        if (p === primary && row!.recovery) throw new Error('the primary is in recovery: not accepting writes');
        return role;
      }));
    }
  }
  if (config.redis?.url) {
    const r = probes.redis;
    jobs.push(timed('redis', 'redis', r.address, STATUS_PROBE_TIMEOUT_MS, async () => `${String(await r.call('PING'))}`));
  }
  try {
    const states = await Promise.all(jobs);
    return states.sort((a, b) => Number(a.up) - Number(b.up) || (b.latencyMs ?? 0) - (a.latencyMs ?? 0));
  } finally {
    await probes.close();
  }
}

export function statusSections(states: SystemState[], config: Config): Section[] {
  const down = states.filter((s) => !s.up);
  const systems: Section = {
    title: 'Systems',
    state: states.length === 0 ? 'error' : down.length ? 'attention' : 'ok',
    summary: states.length === 0
      ? 'nothing configured to probe: set services[], postgres.url or redis.url'
      : down.length ? `${down.length} of ${states.length} DOWN: ${down.map((s) => s.name).join(', ')}` : `all ${states.length} up`,
    table: {
      head: ['', 'system', 'kind', 'address', 'latency', 'detail'],
      rows: states.map((s) => [s.up ? 'up' : 'DOWN', s.name, s.kind, s.address, s.latencyMs === null ? '—' : `${s.latencyMs} ms`, s.detail]),
    },
    data: states,
  };
  const dashboards = config.links?.dashboards ?? [];
  const links: Section = {
    title: 'Dashboards',
    state: dashboards.length ? 'ok' : 'skipped',
    summary: dashboards.length ? `${dashboards.length} configured` : 'none configured: list them in links.dashboards[] (name, url)',
    lines: dashboards.map((d) => `${d.name}: ${d.url}`),
    data: dashboards,
  };
  return [systems, links];
}
