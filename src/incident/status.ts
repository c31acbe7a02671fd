import type { Config } from '../engine/config/index.js';
import { PrivilegeError, refusedNvcops } from '../engine/errors.js';
import { parseDuration } from '../engine/units.js';
import { missingTarget } from '../engine/targets.js';
import { HttpProbe, isOk, type Sample } from '../probes/http.js';
import { Probes } from '../probes/index.js';
import type { Section } from './document.js';
import { presetSummaries } from './metrics.js';

export interface SystemState {
  kind: 'service' | 'postgres' | 'redis' | 'aws';
  name: string;
  /** Where it is, without credentials. */
  address: string;
  /** null: it answered but refused nvcops (its login, or PING to nvcops' Redis user), so whether it serves its applications is not seen. */
  up: boolean | null;
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

/** A system that did not answer as asked: not seen when it answered and refused nvcops, else down. */
const unreached = (kind: SystemState['kind'], name: string, address: string, e: unknown): SystemState =>
  ({ kind, name, address, up: refusedNvcops(e) ? null : false, latencyMs: null, detail: (e as Error).message });

async function timed(kind: SystemState['kind'], name: string, address: string, timeoutMs: number, probe: () => Promise<string>): Promise<SystemState> {
  const t0 = performance.now();
  try {
    const detail = await within(probe(), timeoutMs, name);
    return { kind, name, address, up: true, latencyMs: Math.round(performance.now() - t0), detail };
  } catch (e) {
    return unreached(kind, name, address, e);
  }
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
  const services = (config.services ?? []).map((s) => ({ name: s.name, url: s.url, timeoutMs: cap(s.timeout), samples: 1 }));
  const http = new HttpProbe(services);
  for (const s of services) {
    const u = new URL(s.url);
    jobs.push(timed('service', s.name, `${u.host}${u.pathname}`, s.timeoutMs + 500, async () => {
      // A server that never answers has only its first (untimed) request to show.
      const { first, samples } = await http.measure(s);
      const sample: Sample = samples[0] ?? first!;
      if (!isOk(sample)) throw new Error(sample.error ?? `HTTP ${sample.status}`);
      return `HTTP ${sample.status}`;
    }));
  }
  if (config.postgres) {
    const { primary, replicas } = probes.postgres;
    for (const p of [primary, ...replicas]) {
      jobs.push(timed('postgres', p.name, p.address, STATUS_PROBE_TIMEOUT_MS, async () => {
        const [row] = await p.query<{ recovery: boolean }>('SELECT pg_is_in_recovery() AS recovery');
        if (p === primary && row!.recovery) throw new Error('the primary is in recovery: not accepting writes');
        return row!.recovery ? 'in recovery (read-only)' : 'accepting writes';
      }));
    }
  }
  if (!missingTarget('redis', config)) {
    const nodes = await within(probes.redis.nodes(), STATUS_PROBE_TIMEOUT_MS, 'redis').catch((e: Error) => e);
    if (nodes instanceof Error) jobs.push(Promise.resolve(unreached('redis', 'redis', probes.redis.address, nodes)));
    else for (const n of nodes) jobs.push(timed('redis', nodes.length > 1 ? `redis ${n.address}` : 'redis', n.address, STATUS_PROBE_TIMEOUT_MS, async () => String(await n.call('PING'))));
  }
  if (!missingTarget('aws', config) && config.aws?.loadBalancer && config.aws.targetGroup) {
    const tg = config.aws.targetGroup;
    jobs.push(timed('aws', 'load balancer targets', tg, STATUS_PROBE_TIMEOUT_MS, async () => {
      // Five minutes: CloudWatch publishes HealthyHostCount each minute, a little late.
      const [hosts] = await presetSummaries(config, ['healthy-hosts'], 5 * 60_000);
      if (!hosts) throw new Error('healthy-hosts cannot be read from this configuration');
      if (hosts.error) throw hosts.refused ? new PrivilegeError(hosts.error) : new Error(hosts.error);
      if (hosts.last === null) throw new Error('no data: CloudWatch returned no HealthyHostCount, so nothing says a target is healthy');
      if (hosts.last < 1) throw new Error('no healthy target behind the load balancer');
      return `${hosts.last} healthy host(s)`;
    }));
  }
  try {
    const states = await Promise.all(jobs);
    // Down, then not seen, then up; slowest first within each.
    const rank = (s: SystemState) => (s.up === false ? 0 : s.up === null ? 1 : 2);
    return states.sort((a, b) => rank(a) - rank(b) || (b.latencyMs ?? 0) - (a.latencyMs ?? 0));
  } finally {
    await http.close();
    await probes.close();
  }
}

export const NOTHING_TO_PROBE = 'nothing configured to probe: set services[], postgres.url, redis.url or aws.loadBalancer with aws.targetGroup';

export function statusSections(states: SystemState[], config: Config): Section[] {
  const down = states.filter((s) => s.up === false);
  const unseen = states.filter((s) => s.up === null);
  const notSeen = `could not be seen: ${unseen.map((s) => s.name).join(', ')}`;
  const systems: Section = {
    title: 'Systems',
    state: states.length === 0 || (unseen.length && !down.length) ? 'error' : down.length ? 'attention' : 'ok',
    summary: states.length === 0
      ? NOTHING_TO_PROBE
      : down.length ? `${down.length} of ${states.length} DOWN: ${down.map((s) => s.name).join(', ')}${unseen.length ? `; ${unseen.length} ${notSeen}` : ''}`
        : unseen.length ? `${unseen.length} of ${states.length} ${notSeen}` : `all ${states.length} up`,
    table: {
      head: ['', 'system', 'kind', 'address', 'latency', 'detail'],
      rows: states.map((s) => [s.up ? 'up' : s.up === null ? 'NOT SEEN' : 'DOWN', s.name, s.kind, s.address, s.latencyMs === null ? '—' : `${s.latencyMs} ms`, s.detail]),
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
