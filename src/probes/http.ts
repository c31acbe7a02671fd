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
  /** No answer within the service's timeout: the request took at least that long. */
  timedOut?: true;
}

export interface ServiceMeasurement {
  service: ServiceTarget;
  /** The first request, which also opens the connection (TCP, TLS): it counts for availability, not for latency. */
  first?: Sample;
  /** The timed requests that follow it on the open connection. */
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
 * One service sampled the way its clients reach it: a first request that opens a keep-alive
 * connection, then the timed requests on it.
 */
export async function sampleService(service: ServiceTarget, signal?: AbortSignal): Promise<ServiceMeasurement> {
  const secure = service.url.startsWith('https:');
  const lib: HttpLib = secure ? await import('node:https') : await import('node:http');
  const agent = new lib.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const first = await once(lib, agent, service);
    const samples: Sample[] = [];
    // A server that does not answer at all is down; waiting out its timeout again says nothing new.
    for (let i = 0; i < service.samples && first.status !== undefined && !signal?.aborted; i++) {
      const s = await once(lib, agent, service);
      samples.push(s);
      if (s.status === undefined) break;
    }
    return { service, first, samples };
  } finally {
    agent.destroy();
  }
}

function once(lib: HttpLib, agent: Agent, service: ServiceTarget): Promise<Sample> {
  const t0 = performance.now();
  return new Promise<Sample>((resolve) => {
    const done = (s: Omit<Sample, 'ms'>) => resolve({ ms: Math.round((performance.now() - t0) * 10) / 10, ...s });
    let timedOut = false;
    const req = lib.get(service.url, { agent, timeout: service.timeoutMs, headers: { 'user-agent': 'nvcops health' } }, (res: IncomingMessage) => {
      res.on('data', () => undefined);
      res.on('end', () => done({ status: res.statusCode }));
      res.on('error', (e) => done({ status: res.statusCode, error: e.message }));
    });
    // The socket timeout covers a silent server; the overall one a server that trickles.
    const giveUp = () => {
      timedOut = true;
      req.destroy(new Error(`no answer within ${service.timeoutMs} ms`));
    };
    const overall = setTimeout(giveUp, service.timeoutMs);
    req.on('timeout', giveUp);
    req.on('error', (e: NodeJS.ErrnoException) => done({ error: e.code === 'ECONNREFUSED' ? 'connection refused' : e.message, ...(timedOut && { timedOut: true as const }) }));
    req.on('close', () => clearTimeout(overall));
  });
}

/** Where samples are taken off the main thread: SamplingThread (http-thread.ts). */
export interface SamplingThread {
  sample(service: ServiceTarget, signal?: AbortSignal): Promise<ServiceMeasurement>;
  close(): Promise<void>;
}

/**
 * The configured service endpoints for one run. Each service is sampled once per run (memoised);
 * the availability and the response-time checks read the same samples. With a `thread`, the
 * sampling runs there, where the rest of the run's work (a day of log, a backup's checksum) cannot
 * hold up the responses and add its own time to the latencies measured.
 */
export class HttpProbe {
  private readonly memo = new Map<string, Promise<ServiceMeasurement>>();
  requestCount = 0;

  constructor(
    readonly services: ServiceTarget[],
    private readonly thread?: SamplingThread,
  ) {}

  measure(service: ServiceTarget, signal?: AbortSignal): Promise<ServiceMeasurement> {
    let m = this.memo.get(service.name);
    if (!m) {
      m = (this.thread ? this.thread.sample(service, signal) : sampleService(service, signal)).then((r) => {
        this.requestCount += (r.first ? 1 : 0) + r.samples.length;
        return r;
      });
      this.memo.set(service.name, m);
    }
    return m;
  }

  measureAll(signal?: AbortSignal): Promise<ServiceMeasurement[]> {
    return Promise.all(this.services.map((s) => this.measure(s, signal)));
  }

  close(): Promise<void> {
    return this.thread?.close() ?? Promise.resolve();
  }
}
