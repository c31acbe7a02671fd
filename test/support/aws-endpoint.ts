/**
 * A loopback AWS endpoint that speaks the real wire protocols of the SDK clients nvcops uses:
 * CloudWatch (awsJson1_0, query-compatible: x-amz-target, epoch-second timestamps, errors with
 * x-amzn-query-error) and Auto Scaling (awsQuery: form POST, XML replies with the <OpResult>
 * wrapper, ISO-8601 timestamps). It computes statistics (percentiles included) and metric math
 * from raw per-minute samples that a test scripts, and records every request so tests can assert
 * the metric names, dimensions, stat, period and window that were asked for.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { XMLBuilder } from 'fast-xml-parser';

/** Raw samples published in one minute (epoch seconds): one value, several, or none (undefined). */
export type Samples = (minute: number) => number | number[] | undefined;

export interface RecordedRequest {
  service: 'cloudwatch' | 'autoscaling';
  operation: string;
  /** From the SigV4 credential scope: the region the client signed for. */
  region: string;
  path: string;
  /** Parsed JSON (CloudWatch) or form fields (Auto Scaling). */
  body: Record<string, any>;
}

export interface Group {
  name: string;
  min: number;
  max: number;
  desired: number;
  instances: { id: string; lifecycle?: string; health?: string }[];
}

export interface Activity {
  group: string;
  status: 'Successful' | 'Failed' | 'Cancelled' | 'InProgress';
  start: Date;
  cause?: string;
  description?: string;
}

type Fault = 'Throttling' | 'AccessDenied' | 'InternalServiceFault';

interface StatQuery {
  Id: string;
  ReturnData?: boolean;
  Label?: string;
  MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions?: { Name: string; Value: string }[] }; Period: number; Stat: string };
  Expression?: string;
  Period?: number;
}

const key = (namespace: string, name: string, dims: Record<string, string>) =>
  `${namespace}|${name}|${Object.entries(dims).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join(',')}`;

/** CloudWatch statistics over raw samples; pNN by nearest rank. */
export function statistic(stat: string, values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sum = values.reduce((a, b) => a + b, 0);
  switch (stat) {
    case 'Sum': return sum;
    case 'Average': return sum / values.length;
    case 'Minimum': return Math.min(...values);
    case 'Maximum': return Math.max(...values);
    case 'SampleCount': return values.length;
  }
  const p = /^p(\d+(?:\.\d+)?)$/.exec(stat);
  if (!p) throw new FaultError(400, 'InvalidParameterValue', `The value ${stat} for parameter Stat is not supported.`);
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((Number(p[1]) / 100) * sorted.length) - 1))];
}

class FaultError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

/** Metric math: + - * / with parentheses, numbers, ids and FILL(id, n); missing values count as 0, x/0 drops the point. */
function evaluate(expression: string, series: Map<string, Map<number, number>>): Map<number, number> {
  const tokens = expression.match(/\d+(?:\.\d+)?|[A-Za-z_][A-Za-z0-9_]*|[-+*/(),]/g) ?? [];
  let i = 0;
  const times = [...new Set([...series.values()].flatMap((s) => [...s.keys()]))].sort((a, b) => a - b);
  type V = (t: number) => number | undefined;
  const primary = (): V => {
    const tok = tokens[i++];
    if (tok === '(') { const v = sum(); i++; return v; }
    if (tok === '-') { const v = primary(); return (t) => { const x = v(t); return x === undefined ? undefined : -x; }; }
    if (tok && /^\d/.test(tok)) return () => Number(tok);
    if (tok === 'FILL') {
      i++; const v = sum(); i++; const fill = sum(); i++;
      return (t) => v(t) ?? fill(t);
    }
    if (tok && series.has(tok)) { const s = series.get(tok)!; return (t) => s.get(t) ?? 0; }
    throw new FaultError(400, 'ValidationError', `Unknown id or function in expression: ${tok}`);
  };
  const product = (): V => {
    let left = primary();
    while (tokens[i] === '*' || tokens[i] === '/') {
      const op = tokens[i++]; const l = left; const r = primary();
      left = (t) => { const a = l(t); const b = r(t); if (a === undefined || b === undefined) return undefined; if (op === '/' && b === 0) return undefined; return op === '*' ? a * b : a / b; };
    }
    return left;
  };
  const sum = (): V => {
    let left = product();
    while (tokens[i] === '+' || tokens[i] === '-') {
      const op = tokens[i++]; const l = left; const r = product();
      left = (t) => { const a = l(t); const b = r(t); return a === undefined || b === undefined ? undefined : op === '+' ? a + b : a - b; };
    }
    return left;
  };
  const value = sum();
  const out = new Map<number, number>();
  for (const t of times) { const v = value(t); if (v !== undefined && Number.isFinite(v)) out.set(t, v); }
  return out;
}

const xml = new XMLBuilder({ ignoreAttributes: false, suppressEmptyNode: true });
const members = <T>(items: T[]) => (items.length ? { member: items } : '');

export interface AwsEndpoint {
  url: string;
  requests: RecordedRequest[];
  /** Scripts a metric's raw per-minute samples for one exact dimension set. */
  metric(namespace: string, name: string, dimensions: Record<string, string>, samples: Samples): void;
  groups: Group[];
  activities: Activity[];
  /** The next `times` calls of `operation` fail with `fault` (Infinity: every call). */
  fail(operation: string, fault: Fault, times?: number): void;
  /** Forgets scripted metrics, groups, activities, faults and recorded requests. */
  reset(): void;
  /** Requests of one operation, CloudWatch GetMetricData by default. */
  calls(operation?: string): RecordedRequest[];
  /** The environment a CLI process needs to reach this endpoint with throwaway credentials. */
  env(): Record<string, string>;
  stop(): Promise<void>;
}

export async function startAwsEndpoint(): Promise<AwsEndpoint> {
  const metrics = new Map<string, Samples>();
  const faults: { operation: string; fault: Fault; times: number }[] = [];
  const requests: RecordedRequest[] = [];
  const state = { groups: [] as Group[], activities: [] as Activity[] };

  function series(q: StatQuery, start: number, end: number): Map<number, number> {
    const m = q.MetricStat!;
    const dims = Object.fromEntries((m.Metric.Dimensions ?? []).map((d) => [d.Name, d.Value]));
    const samples = metrics.get(key(m.Metric.Namespace, m.Metric.MetricName, dims));
    const out = new Map<number, number>();
    if (!samples) return out;
    for (let p = start; p < end; p += m.Period) {
      const values: number[] = [];
      for (let minute = p; minute < Math.min(p + m.Period, end); minute += 60) {
        const s = samples(minute);
        if (s !== undefined) values.push(...(Array.isArray(s) ? s : [s]));
      }
      const v = statistic(m.Stat, values);
      if (v !== undefined) out.set(p, v);
    }
    return out;
  }

  function getMetricData(body: { StartTime: number; EndTime: number; MetricDataQueries: StatQuery[]; ScanBy?: string }) {
    if (typeof body.StartTime !== 'number' || typeof body.EndTime !== 'number') throw new FaultError(400, 'InvalidParameterValue', 'StartTime and EndTime must be epoch seconds');
    const computed = new Map<string, Map<number, number>>();
    for (const q of body.MetricDataQueries) {
      if (!/^[a-z][A-Za-z0-9_]*$/.test(q.Id)) throw new FaultError(400, 'ValidationError', `Invalid metric data query id ${q.Id}`);
      if (q.MetricStat) {
        if (q.MetricStat.Period % 60 !== 0) throw new FaultError(400, 'InvalidParameterValue', 'The parameter Period must be a multiple of 60.');
        computed.set(q.Id, series(q, body.StartTime, body.EndTime));
      }
    }
    for (const q of body.MetricDataQueries) if (q.Expression) computed.set(q.Id, evaluate(q.Expression, computed));
    const descending = (body.ScanBy ?? 'TimestampDescending') === 'TimestampDescending';
    return {
      MetricDataResults: body.MetricDataQueries.filter((q) => q.ReturnData !== false).map((q) => {
        const points = [...computed.get(q.Id)!.entries()].sort(([a], [b]) => (descending ? b - a : a - b));
        return { Id: q.Id, Label: q.Label ?? q.MetricStat?.Metric.MetricName ?? q.Id, Timestamps: points.map(([t]) => t), Values: points.map(([, v]) => v), StatusCode: 'Complete' };
      }),
      Messages: [],
    };
  }

  function getMetricStatistics(body: { Namespace: string; MetricName: string; Dimensions?: { Name: string; Value: string }[]; StartTime: number; EndTime: number; Period: number; Statistics?: string[]; ExtendedStatistics?: string[] }) {
    if (body.Statistics?.length && body.ExtendedStatistics?.length) {
      throw new FaultError(400, 'InvalidParameterCombination', 'Statistics and ExtendedStatistics cannot both be specified.');
    }
    if (!body.Statistics?.length && !body.ExtendedStatistics?.length) throw new FaultError(400, 'MissingParameter', 'Statistics or ExtendedStatistics must be specified.');
    if ((body.EndTime - body.StartTime) / body.Period > 1440) throw new FaultError(400, 'InvalidParameterCombination', 'You have requested up to 1,440 datapoints, which exceeds the limit of 1,440.');
    const stats = [...(body.Statistics ?? []), ...(body.ExtendedStatistics ?? [])];
    const query = (stat: string): StatQuery => ({ Id: 'x', MetricStat: { Metric: { Namespace: body.Namespace, MetricName: body.MetricName, Dimensions: body.Dimensions }, Period: body.Period, Stat: stat } });
    const byStat = stats.map((s) => [s, series(query(s), body.StartTime, body.EndTime)] as const);
    const times = [...byStat[0]![1].keys()];
    return {
      Label: body.MetricName,
      Datapoints: times.map((t) => ({
        Timestamp: t,
        Unit: 'None',
        ...Object.fromEntries(byStat.filter(([s]) => body.Statistics?.includes(s)).map(([s, m]) => [s, m.get(t)])),
        ...(body.ExtendedStatistics?.length && { ExtendedStatistics: Object.fromEntries(byStat.filter(([s]) => body.ExtendedStatistics!.includes(s)).map(([s, m]) => [s, m.get(t)])) }),
      })),
    };
  }

  function putMetricData(body: { Namespace: string; MetricData: unknown[] }) {
    if (!body.Namespace || !Array.isArray(body.MetricData) || body.MetricData.length === 0) throw new FaultError(400, 'MissingParameter', 'Namespace and MetricData are required');
    return {};
  }

  function autoScaling(params: URLSearchParams): Record<string, unknown> {
    const action = params.get('Action')!;
    if (action === 'DescribeAutoScalingGroups') {
      const names = [...params.entries()].filter(([k]) => k.startsWith('AutoScalingGroupNames.member.')).map(([, v]) => v);
      const groups = state.groups.filter((g) => names.length === 0 || names.includes(g.name));
      return {
        AutoScalingGroups: members(groups.map((g) => ({
          AutoScalingGroupName: g.name, MinSize: g.min, MaxSize: g.max, DesiredCapacity: g.desired, DefaultCooldown: 300,
          AvailabilityZones: members(['us-east-1a']), HealthCheckType: 'ELB', CreatedTime: '2024-01-01T00:00:00.000Z',
          Instances: members(g.instances.map((i) => ({
            InstanceId: i.id, AvailabilityZone: 'us-east-1a', LifecycleState: i.lifecycle ?? 'InService', HealthStatus: i.health ?? 'Healthy', ProtectedFromScaleIn: false,
          }))),
        }))),
      };
    }
    if (action === 'DescribeScalingActivities') {
      const group = params.get('AutoScalingGroupName');
      const list = state.activities.filter((a) => a.group === group).sort((a, b) => b.start.getTime() - a.start.getTime());
      return {
        Activities: members(list.map((a, n) => ({
          ActivityId: `act-${n}`, AutoScalingGroupName: a.group, Description: a.description ?? 'Launching a new EC2 instance',
          Cause: a.cause ?? 'At 2024-01-01T00:00:00Z a user request update of AutoScalingGroup constraints', StartTime: a.start.toISOString(),
          ...(a.status !== 'InProgress' && { EndTime: a.start.toISOString() }), StatusCode: a.status, Progress: a.status === 'InProgress' ? 50 : 100,
        }))),
      };
    }
    throw new FaultError(400, 'InvalidAction', `The action ${action} is not valid for this web service.`);
  }

  function takeFault(operation: string): Fault | undefined {
    const f = faults.find((x) => x.operation === operation && x.times > 0);
    if (!f) return undefined;
    f.times--;
    return f.fault;
  }

  const FAULTS: Record<Fault, FaultError> = {
    Throttling: new FaultError(400, 'Throttling', 'Rate exceeded'),
    AccessDenied: new FaultError(403, 'AccessDenied', 'User: arn:aws:iam::123456789012:user/nvcops is not authorized to perform this action'),
    InternalServiceFault: new FaultError(500, 'InternalServiceFault', 'Internal service error'),
  };

  function handle(req: IncomingMessage, raw: string, res: ServerResponse): void {
    const region = /Credential=[^/]+\/\d+\/([^/]+)\//.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const target = req.headers['x-amz-target'];
    if (typeof target === 'string' && target.startsWith('GraniteServiceVersion20100801.')) {
      const operation = target.split('.')[1]!;
      const body = JSON.parse(raw || '{}');
      requests.push({ service: 'cloudwatch', operation, region, path: req.url ?? '/', body });
      try {
        const fault = takeFault(operation);
        if (fault) throw FAULTS[fault];
        const handlers: Record<string, (b: any) => unknown> = { GetMetricData: getMetricData, GetMetricStatistics: getMetricStatistics, PutMetricData: putMetricData };
        const h = handlers[operation];
        if (!h) throw new FaultError(400, 'InvalidAction', `Unsupported operation ${operation}`);
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify(h(body)));
      } catch (e) {
        const f = e instanceof FaultError ? e : new FaultError(500, 'InternalServiceFault', String(e));
        res.writeHead(f.status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-query-error': `${f.code};${f.status >= 500 ? 'Receiver' : 'Sender'}` });
        res.end(JSON.stringify({ __type: `com.amazonaws.cloudwatch#${f.code}`, message: f.message }));
      }
      return;
    }
    const params = new URLSearchParams(raw);
    const operation = params.get('Action') ?? '?';
    requests.push({ service: 'autoscaling', operation, region, path: req.url ?? '/', body: Object.fromEntries(params) });
    try {
      const fault = takeFault(operation);
      if (fault) throw FAULTS[fault];
      const result = autoScaling(params);
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${xml.build({
        [`${operation}Response`]: {
          '@_xmlns': 'http://autoscaling.amazonaws.com/doc/2011-01-01/',
          [`${operation}Result`]: result,
          ResponseMetadata: { RequestId: '00000000-0000-4000-8000-000000000000' },
        },
      })}`);
    } catch (e) {
      const f = e instanceof FaultError ? e : new FaultError(500, 'InternalFailure', String(e));
      res.writeHead(f.status, { 'content-type': 'text/xml' });
      res.end(xml.build({ ErrorResponse: { '@_xmlns': 'http://autoscaling.amazonaws.com/doc/2011-01-01/', Error: { Type: f.status >= 500 ? 'Receiver' : 'Sender', Code: f.code, Message: f.message }, RequestId: '0' } }));
    }
  }

  const server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (raw += c));
    req.on('end', () => handle(req, raw, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    requests,
    get groups() { return state.groups; },
    set groups(g) { state.groups = g; },
    get activities() { return state.activities; },
    set activities(a) { state.activities = a; },
    metric(namespace, name, dimensions, samples) {
      metrics.set(key(namespace, name, dimensions), samples);
    },
    fail(operation, fault, times = Infinity) {
      faults.push({ operation, fault, times });
    },
    reset() {
      metrics.clear();
      faults.length = 0;
      requests.length = 0;
      state.groups = [];
      state.activities = [];
    },
    calls(operation = 'GetMetricData') {
      return requests.filter((r) => r.operation === operation);
    },
    env() {
      return {
        AWS_ACCESS_KEY_ID: 'AKIATESTNVCOPS000000',
        AWS_SECRET_ACCESS_KEY: 'test-secret-key-nvcops-do-not-print',
        AWS_REGION: 'eu-west-1',
        AWS_ENDPOINT_URL: url,
        AWS_CONFIG_FILE: '/nonexistent',
        AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
        AWS_EC2_METADATA_DISABLED: 'true',
      };
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
