/**
 * The runbook's security_events_summary: security events of a time window from the application
 * log, the PostgreSQL server log and Redis (ACL LOG, errorstats), each with a severity and a
 * stable id that an acknowledgement refers to.
 */
import { createHash } from 'node:crypto';
import type { Config } from '../engine/config/index.js';
import { missingTarget } from '../engine/targets.js';
import { parseDuration } from '../engine/units.js';
import { noDatedLines, type LogEntry, type LogsProbe } from './logs.js';
import type { RedisNode, RedisProbe } from './redis.js';
import { maskSecrets } from '../engine/redact.js';
import { compareText } from '../engine/order.js';
import type { AuditRecord, Store } from '../state/store.js';

export const SEVERITIES = ['high', 'medium', 'low'] as const;
export type Severity = (typeof SEVERITIES)[number];
export type EventKind = 'brute-force' | 'privilege-change' | 'lockout' | 'access-denied' | 'auth-failure';
export type SourceName = 'application log' | 'postgres log' | 'redis';

/** How bad each kind of event is: a person must look at every high one before the line passes. */
export const SEVERITY: Record<EventKind, Severity> = {
  'brute-force': 'high',
  'privilege-change': 'high',
  lockout: 'medium',
  'access-denied': 'medium',
  'auth-failure': 'low',
};

export interface SecurityEvent {
  /** Stable across runs while the line stays in the window: what an acknowledgement names. */
  id: string;
  time: string;
  kind: EventKind;
  severity: Severity;
  source: SourceName;
  user?: string;
  from?: string;
  /** Failures a brute-force event stands for, or repeats merged into one Redis ACL LOG entry. */
  count: number;
  /** The log line or entry, secrets masked (LogsProbe masks the lines it keeps; ACL LOG entries here). */
  message: string;
  /** Made by one of nvcops' own audited actions: the audit record that says who did it and why. */
  audit?: { seq: number; action: string; by: string };
}

export interface SourceState {
  name: SourceName;
  /** read: looked at; error: configured but unreadable (the message says why); skipped: not configured. */
  state: 'read' | 'error' | 'skipped';
  note: string;
}

export interface SecurityScan {
  since: string;
  until: string;
  events: SecurityEvent[];
  sources: SourceState[];
}

/** fail2ban's defaults: maxretry 5 within findtime 10 minutes. */
export const BRUTE_FORCE_DEFAULT = { failures: 5, withinMs: 10 * 60_000 };

const stableId = (...parts: string[]) => createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 10);

const RULES: { kind: EventKind; test: RegExp }[] = [
  { kind: 'lockout', test: /\b(account|user)\b.{0,40}\blocked\b|locked out|\blockout\b/i },
  {
    kind: 'privilege-change',
    test: /\b(GRANT|REVOKE)\b.+\b(TO|FROM)\b|\b(ALTER|CREATE|DROP)\s+(ROLE|USER)\b|\b(role|privilege|permission)s?\s+(granted|revoked|changed|assigned|elevated|escalat\w*)|\bpromoted to admin|added to (group|role)/i,
  },
  {
    kind: 'auth-failure',
    test: /(authentication|login|logon|sign[- ]?in)\s+(failed|failure|unsuccessful|denied)|failed\s+(login|logon|password|authentication|sign[- ]?in)|invalid\s+(password|credentials|username or password)|bad credentials|wrong password|no pg_hba\.conf entry|WRONGPASS|NOAUTH/i,
  },
  { kind: 'access-denied', test: /permission denied|access denied|\bforbidden\b|not authori[sz]ed|insufficient privilege/i },
];

/** JSON event names applications use for the same facts. */
const EVENT_NAMES: { kind: EventKind; test: RegExp }[] = [
  { kind: 'lockout', test: /lock(ed)?_?out|account_locked/i },
  { kind: 'privilege-change', test: /(role|privilege|permission)_?(grant|revoke|change|assign)|grant(ed)?_?(role|privilege)/i },
  { kind: 'auth-failure', test: /(login|auth(entication)?|signin)_?(fail|failure|failed|denied)/i },
  { kind: 'access-denied', test: /access_?denied|forbidden|unauthori[sz]ed/i },
];

const USER_FIELDS = ['user', 'username', 'user_name', 'userId', 'user_id', 'account', 'principal', 'usr.name', 'user.name'];
const FROM_FIELDS = ['ip', 'client_ip', 'clientIp', 'remote_addr', 'remoteAddress', 'src_ip', 'source_ip', 'client', 'req.remoteAddress', 'http.client_ip', 'client.ip', 'remote_host'];

function field(e: LogEntry, names: string[]): string | undefined {
  for (const n of names) {
    const v = n.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), e.fields);
    if (typeof v === 'string' || typeof v === 'number') return String(v);
  }
  return undefined;
}

/** Which kind of security event a log line records, if any, and the line of a multi-line entry that says so. */
export function classify(e: LogEntry): { kind: EventKind; line?: string } | undefined {
  const name = field(e, ['event', 'action', 'event.action', 'type', 'event_type']);
  if (name) for (const r of EVENT_NAMES) if (r.test.test(name)) return { kind: r.kind };
  for (const r of RULES) if (r.test.test(e.message)) return { kind: r.kind, line: e.message.split('\n').find((l) => r.test.test(l)) };
  if (e.status === 401) return { kind: 'auth-failure' };
  if (e.status === 403) return { kind: 'access-denied' };
  return undefined;
}

/** The entry as printed: one line, or the first line and the one that matched for a long multi-line entry. */
function excerpt(raw: string, line?: string): string {
  const lines = raw.trim().split('\n');
  const text = lines.length > 1 && line && line !== lines[0] ? `${lines[0]!.trim()} … ${line.trim()}` : raw.trim();
  return text.slice(0, 500);
}

function userOf(e: LogEntry): string | undefined {
  return field(e, USER_FIELDS) ?? /\b(?:for user|user(?:name)?[=:]?)\s*"?([\w.@-]+)"?/i.exec(e.message)?.[1];
}

function fromOf(e: LogEntry): string | undefined {
  return field(e, FROM_FIELDS)
    ?? /\b(?:from|ip|client|host|addr)[=: ]\s*"?(\d{1,3}(?:\.\d{1,3}){3}|[0-9a-f]*:[0-9a-f:]+)/i.exec(e.message)?.[1]
    ?? (e.fields.client as string | undefined);
}

/** Security events of one log's window, with bursts of failed logins from one user and source raised as brute force. */
export function eventsFromLog(entries: LogEntry[], source: SourceName, bruteForce = BRUTE_FORCE_DEFAULT): SecurityEvent[] {
  const events: SecurityEvent[] = [];
  for (const e of entries) {
    const found = classify(e);
    if (!found || !e.time) continue;
    const { kind } = found;
    const user = userOf(e);
    const from = fromOf(e);
    events.push({
      id: stableId(source, e.raw),
      time: e.time.toISOString(),
      kind,
      severity: SEVERITY[kind],
      source,
      ...(user && { user }),
      ...(from && { from }),
      count: 1,
      message: excerpt(e.raw, found.line),
    });
  }
  return [...events, ...bursts(events, bruteForce)];
}

/** Failed logins by user and source: each run of `failures` or more, each within `withinMs` of the last, is one brute-force event. */
export function bursts(events: SecurityEvent[], bruteForce = BRUTE_FORCE_DEFAULT): SecurityEvent[] {
  const groups = new Map<string, SecurityEvent[]>();
  for (const e of events.filter((x) => x.kind === 'auth-failure')) {
    const key = `${e.user ?? '?'}\u0000${e.from ?? '?'}`;
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  const out: SecurityEvent[] = [];
  for (const group of groups.values()) {
    group.sort((a, b) => compareText(a.time, b.time));
    let start = 0;
    for (let i = 1; i <= group.length; i++) {
      const gap = i < group.length ? Date.parse(group[i]!.time) - Date.parse(group[i - 1]!.time) : Infinity;
      if (gap <= bruteForce.withinMs) continue;
      const run = group.slice(start, i);
      if (run.length >= bruteForce.failures) {
        const first = run[0]!;
        out.push({
          id: stableId('brute-force', first.id),
          time: first.time,
          kind: 'brute-force',
          severity: SEVERITY['brute-force'],
          source: first.source,
          ...(first.user && { user: first.user }),
          ...(first.from && { from: first.from }),
          count: run.length,
          message: `${run.length} failed logins for ${first.user ?? 'an unknown user'} from ${first.from ?? 'an unknown source'} between ${first.time} and ${run.at(-1)!.time}`,
        });
      }
      start = i;
    }
  }
  return out;
}

type AclEntry = Record<string, string | number>;

/** ACL LOG entries (auth failures, denied commands and keys) as events; repeats Redis merged keep one id. */
export function eventsFromAclLog(reply: unknown[], now: Date, since: Date, bruteForce = BRUTE_FORCE_DEFAULT): SecurityEvent[] {
  const events: SecurityEvent[] = [];
  for (const raw of reply as unknown[][]) {
    const e: AclEntry = {};
    for (let i = 0; i + 1 < raw.length; i += 2) e[String(raw[i])] = raw[i + 1] as string | number;
    const created = e['timestamp-created'] !== undefined ? new Date(Number(e['timestamp-created'])) : new Date(now.getTime() - Number(e['age-seconds']) * 1000);
    const updated = new Date(now.getTime() - Number(e['age-seconds']) * 1000);
    if (updated < since) continue;
    const from = /addr=([^\s]+):\d+/.exec(String(e['client-info'] ?? ''))?.[1];
    const count = Number(e.count ?? 1);
    const kind: EventKind = e.reason === 'auth' ? (count >= bruteForce.failures ? 'brute-force' : 'auth-failure') : 'access-denied';
    const id = stableId('redis', String(e.reason), String(e.username), String(e.object), String(e.context), from ?? '', String(e['entry-id'] ?? ''));
    events.push({
      id,
      time: created.toISOString(),
      kind,
      severity: SEVERITY[kind],
      source: 'redis',
      user: String(e.username),
      ...(from && { from }),
      count,
      message: `ACL LOG: ${e.reason === 'auth' ? 'authentication failed' : `${e.reason} denied`} for user ${e.username}${e.reason !== 'auth' ? ` (${e.context} ${maskSecrets(String(e.object))})` : ''}, ${count} time${count > 1 ? 's' : ''}`,
    });
  }
  return events;
}

async function redisEvents(node: RedisNode, now: Date, since: Date, bruteForce: typeof BRUTE_FORCE_DEFAULT): Promise<{ events: SecurityEvent[]; note: string }> {
  const reply = (await node.call('ACL', 'LOG', 128)) as unknown[];
  const info = await node.info();
  const errors = Object.entries(info.errorstats ?? {})
    .filter(([k]) => /WRONGPASS|NOAUTH|NOPERM/.test(k))
    .map(([k, v]) => `${k.replace('errorstat_', '')} ${v.replace('count=', '')}`);
  return {
    events: eventsFromAclLog(reply, now, since, bruteForce),
    note: `ACL LOG read (${reply.length} entries)${errors.length ? `; errorstats since restart: ${errors.join(', ')}` : ''}`,
  };
}

/** nvcops' own actions that change privileges (a restore re-grants and re-owns what it restores), and the application_name their sessions carry. */
const OWN_ACTIONS: Record<string, string> = { 'backup restore-db': 'nvcops', 'maintain db': 'nvcops maintenance' };
/** log_line_prefix precision is a millisecond, the audit record's too; a second either side covers clocks read a moment apart. */
const AUDIT_SLACK_MS = 1000;

/** The PostgreSQL log line's prefix (before "LOG:", "STATEMENT:", …) names this application (%a) or role (%u). */
const prefixNames = (message: string, name: string): boolean => {
  const prefix = /^(.*?)\b(?:LOG|STATEMENT|DETAIL|ERROR|WARNING|NOTICE|FATAL|AUDIT):/.exec(message)?.[1] ?? '';
  return new RegExp(`(^|[\\s\\[@,:])${name}(?=[\\s\\],@:]|$)`).test(prefix);
};

/**
 * Links privilege changes in the PostgreSQL log to the audit record of the nvcops action that made them: same
 * application in the line's prefix, inside the action's started…finished window. Anything else stays as it is.
 */
export function linkToAudit(events: SecurityEvent[], audits: AuditRecord[]): SecurityEvent[] {
  const own = audits.filter((a) => a.phase === 'finished' && a.endedAt && OWN_ACTIONS[a.action]);
  return events.map((e) => {
    if (e.source !== 'postgres log' || e.kind !== 'privilege-change') return e;
    const t = Date.parse(e.time);
    const a = own.find((x) => t >= Date.parse(x.startedAt) - AUDIT_SLACK_MS && t <= Date.parse(x.endedAt!) + AUDIT_SLACK_MS && prefixNames(e.message, OWN_ACTIONS[x.action]!));
    return a ? { ...e, audit: { seq: a.seq, action: a.action, by: a.by } } : e;
  });
}

/** What the scan reads through: the run's log windows, Redis (asked for only when configured) and the state store. */
export interface EventSources {
  readonly logs: LogsProbe;
  readonly redis: RedisProbe;
  state(): Promise<Store>;
}

/** The finished audit records of nvcops' own privilege-changing actions in this environment since the window began. */
async function ownActions(config: Config, probes: EventSources, since: Date): Promise<AuditRecord[]> {
  const store = await probes.state();
  const lists = await Promise.all(Object.keys(OWN_ACTIONS).map((action) => store.audit.list({ action, since: new Date(since.getTime() - AUDIT_SLACK_MS) })));
  return lists.flat().filter((a) => a.environment === (config.environment ?? null));
}

/** Reads every configured source; a source that cannot be read is reported, never taken as "no events". */
export async function collectSecurityEvents(config: Config, probes: EventSources, since: Date, now: Date): Promise<SecurityScan> {
  const bruteForce = config.security?.bruteForce
    ? { failures: config.security.bruteForce.failures, withinMs: parseDuration(config.security.bruteForce.within)! }
    : BRUTE_FORCE_DEFAULT;
  const sources: SourceState[] = [];
  const events: SecurityEvent[] = [];
  const logs: [SourceName, string | undefined, string][] = [
    ['application log', config.logs?.application, 'set logs.application'],
    ['postgres log', config.logs?.postgres, 'set logs.postgres to the PostgreSQL server log'],
  ];
  await Promise.all([
    ...logs.map(async ([name, file, how]) => {
      if (!file) return sources.push({ name, state: 'skipped', note: `not configured: ${how}` });
      try {
        const w = await probes.logs.window(file, now.getTime() - since.getTime(), now);
        // A window without one dated line was not seen: an empty log may be a quiet service, or one not logging here.
        const blind = noDatedLines(w);
        if (blind) return sources.push({ name, state: 'error', note: `${file}: ${blind}; no security event can be reviewed from it` });
        events.push(...eventsFromLog(w.notable, name, bruteForce));
        // Lines nvcops cannot place may be in the window: an event among them would go unseen.
        if (w.undated) return sources.push({ name, state: 'error', note: `${file}: ${w.undated} line${w.undated === 1 ? '' : 's'} above the first dated one without a time nvcops could read: they may hold events of the window` });
        sources.push({ name, state: 'read', note: `${file}: ${w.lines} entries in the window` });
      } catch (e) {
        sources.push({ name, state: 'error', note: (e as Error).message });
      }
    }),
    (async () => {
      const missing = missingTarget('redis', config);
      if (missing) return sources.push({ name: 'redis', state: 'skipped', note: missing });
      try {
        const nodes = await probes.redis.nodes();
        const read = await Promise.all(nodes.map((n) => redisEvents(n, now, since, bruteForce)));
        for (const r of read) events.push(...r.events);
        sources.push({ name: 'redis', state: 'read', note: read.map((r) => r.note).join('; ') });
      } catch (e) {
        const message = (e as Error).message;
        sources.push({ name: 'redis', state: 'error', note: /NOPERM|missing privilege/.test(message) ? `${message} (the user needs "+acl|log" and "+info")` : message });
      }
    })(),
  ]);
  const linked = events.some((e) => e.source === 'postgres log' && e.kind === 'privilege-change') ? linkToAudit(events, await ownActions(config, probes, since)) : events;
  const order = (s: Severity) => SEVERITIES.indexOf(s);
  linked.sort((a, b) => order(a.severity) - order(b.severity) || compareText(b.time, a.time));
  sources.sort((a, b) => compareText(a.name, b.name));
  return { since: since.toISOString(), until: now.toISOString(), events: linked, sources };
}
