import type { Agent, IncomingMessage, RequestOptions, ClientRequest } from 'node:http';

/** What http and https have in common for a GET. */
interface HttpLib {
  Agent: new (opts: { keepAlive: boolean; maxSockets: number }) => Agent;
  get(url: string, opts: RequestOptions, cb: (res: IncomingMessage) => void): ClientRequest;
}

export interface ServiceTarget {
  name: string;
  url: string;
  timeoutMs: number;
  samples: number;
}

/** One request: how long until the whole response was read, and what came back. */
export interface Sample {
  ms: number;
  status?: number;
  error?: string;
}

export interface ServiceMeasurement {
  service: ServiceTarget;
  samples: Sample[];
}

/** Nearest-rank percentile (p in 0..1) of numbers; undefined for none. */
export function percentile(values: number[], p: number): number | undefined {
  if (!values.length) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
}

export const isOk = (s: Sample): boolean => s.status !== undefined && s.status >= 200 && s.status < 300;

/**
 * The configured service endpoints for one run. Each service is sampled once per run (memoised)
 * with its own keep-alive connection, the way its clients reach it; the availability and the
 * response-time checks read the same samples.
 */
export class HttpProbe {
  private readonly memo = new Map<string, Promise<ServiceMeasurement>>();
  private readonly agents: Agent[] = [];
  requestCount = 0;

  constructor(readonly services: ServiceTarget[]) {}

  measure(service: ServiceTarget, signal?: AbortSignal): Promise<ServiceMeasurement> {
    let m = this.memo.get(service.name);
    if (!m) {
      m = this.sample(service, signal);
      this.memo.set(service.name, m);
    }
    return m;
  }

  measureAll(signal?: AbortSignal): Promise<ServiceMeasurement[]> {
    return Promise.all(this.services.map((s) => this.measure(s, signal)));
  }

  private async sample(service: ServiceTarget, signal?: AbortSignal): Promise<ServiceMeasurement> {
    const secure = service.url.startsWith('https:');
    const lib: HttpLib = secure ? await import('node:https') : await import('node:http');
    const agent = new lib.Agent({ keepAlive: true, maxSockets: 1 });
    this.agents.push(agent);
    const samples: Sample[] = [];
    for (let i = 0; i < service.samples && !signal?.aborted; i++) {
      const s = await this.once(lib, agent, service);
      samples.push(s);
      // A server that does not answer at all is down; waiting out its timeout again says nothing new.
      if (s.status === undefined) break;
    }
    return { service, samples };
  }

  private once(lib: HttpLib, agent: Agent, service: ServiceTarget): Promise<Sample> {
    this.requestCount++;
    const t0 = performance.now();
    return new Promise<Sample>((resolve) => {
      const done = (s: Omit<Sample, 'ms'>) => resolve({ ms: Math.round((performance.now() - t0) * 10) / 10, ...s });
      const req = lib.get(service.url, { agent, timeout: service.timeoutMs, headers: { 'user-agent': 'nvcops health' } }, (res: IncomingMessage) => {
        res.on('data', () => undefined);
        res.on('end', () => done({ status: res.statusCode }));
        res.on('error', (e) => done({ status: res.statusCode, error: e.message }));
      });
      // The socket timeout covers a silent server; the overall one a server that trickles.
      const overall = setTimeout(() => req.destroy(new Error(`no answer within ${service.timeoutMs} ms`)), service.timeoutMs);
      req.on('timeout', () => req.destroy(new Error(`no answer within ${service.timeoutMs} ms`)));
      req.on('error', (e: NodeJS.ErrnoException) => done({ error: e.code === 'ECONNREFUSED' ? 'connection refused' : e.message }));
      req.on('close', () => clearTimeout(overall));
    });
  }

  close(): void {
    for (const a of this.agents) a.destroy();
  }
}
