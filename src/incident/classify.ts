import { printable } from '../engine/printable.js';
import type { CheckResult, RunReport } from '../engine/report.js';
import { SEVERITIES, SEVERITY_LEVELS, type Severity } from '../runbook/severity.js';
import type { HistoryEntry } from '../state/store.js';
import type { SystemState } from './status.js';

export interface Reason {
  severity: Severity;
  /** The runbook's words for the kind of incident. */
  kind: string;
  evidence: string;
}

export interface Classification {
  /** null: nothing was seen (every check skipped or errored, nothing down), so no severity can be proposed. */
  proposed: Severity | null;
  reasons: Reason[];
  /** What could not be seen: checks that errored (and, when nothing was seen, how many were skipped). */
  unseen: string[];
}

/** Services whose failure stops money moving: the runbook's "payment processing failure". */
const PAYMENT = /pay|card|transfer|transaction|ledger|settle/i;
const AUTH = /auth|login|password|credential|token|sso/i;
/** Performance degradation >50% is P1, <50% P2 (runbook Severity Levels). */
const DEGRADED_RATIO = 1.5;
/** The checks that measure a latency; other durations (backup age, uptime, replication lag) are not "performance". */
const LATENCY_CHECKS = new Set(['http.response-time', 'aws.api-latency-p95', 'postgres.connect-time', 'redis.ping']);
/** Below 100 ms a change is not one a user notices (Nielsen, "Response Times: The 3 Important Limits": 0.1 s feels instantaneous). */
const DEGRADATION_MIN_MS = 100;
/** Earlier runs of the same check a baseline needs: a median of five is not moved by one or two odd runs. */
const DEGRADATION_MIN_RUNS = 5;

const failing = (r: CheckResult) => r.status === 'fail';
/** Only what warns or fails is evidence of an incident: a passing check is never a reason, however much it moved. */
const flagged = (r: CheckResult) => r.status === 'warn' || r.status === 'fail';
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const inMs = (o: { value: number; unit: string }) => (o.unit === 's' ? o.value * 1000 : o.value);

/** A latency check that warns or fails, against its own median over earlier runs: how much worse, as a ratio. */
function degradation(result: CheckResult, history: HistoryEntry[]): { ratio: number; baseline: number; runs: number } | undefined {
  if (!flagged(result) || !LATENCY_CHECKS.has(result.id) || !result.observed || (result.observed.unit !== 'ms' && result.observed.unit !== 's')) return undefined;
  const past = history.flatMap((h) => h.report.items.flatMap((i) => i.results)).filter((r) => r.id === result.id && r.observed && (r.observed.unit === 'ms' || r.observed.unit === 's')).map((r) => inMs(r.observed!));
  if (past.length < DEGRADATION_MIN_RUNS) return undefined;
  const baseline = median(past);
  const now = inMs(result.observed);
  return baseline > 0 && now - baseline >= DEGRADATION_MIN_MS ? { ratio: now / baseline, baseline, runs: past.length } : undefined;
}

/** A backup check's failure is data corruption only when it found backups that do not match (a count above zero); "no backup yet" is a backup finding. */
function corruption(r: CheckResult): boolean {
  if (r.id.startsWith('backups.')) return r.id === 'backups.checksums' && (r.observed?.value ?? 0) > 0;
  return /corrupt|checksum/i.test(`${r.id} ${r.message}`);
}

/**
 * Proposes a severity from what nvcops can see, in the runbook's own categories; the most severe
 * reason wins (PagerDuty: "if unsure, treat it as the higher one").
 */
export function classify(states: SystemState[], report: RunReport, history: HistoryEntry[]): Classification {
  const reasons: Reason[] = [];
  const explained = new Set<string>();
  const add = (severity: Severity, kind: string, evidence: string, checkId?: string) => {
    reasons.push({ severity, kind, evidence });
    if (checkId) explained.add(checkId);
  };
  const services = states.filter((s) => s.kind === 'service' || s.kind === 'aws');
  const down = states.filter((s) => s.up === false);
  const primaryDown = down.some((s) => s.kind === 'postgres' && s.name === 'primary');
  const allServicesDown = services.length > 0 && services.every((s) => s.up === false);
  if (allServicesDown) add('P0', 'Complete system outage', `all ${services.length} services down: ${services.map((s) => `${s.name} (${s.detail})`).join(', ')}`);
  else if (primaryDown) add('P0', 'Complete system outage', `the PostgreSQL primary is down: ${states.find((s) => s.name === 'primary')!.detail}`);
  for (const s of down.filter((x) => x.kind === 'service' && PAYMENT.test(x.name))) add('P0', 'Payment processing failure', `${s.name} is down (${s.detail})`);
  const results = report.items.flatMap((i) => i.results);
  for (const r of results.filter((x) => failing(x) && x.id.startsWith('business.') && PAYMENT.test(`${x.id} ${x.title}`))) add('P0', 'Payment processing failure', `${r.title}: ${r.message}`, r.id);
  for (const r of results.filter((x) => failing(x) && x.id.startsWith('security.'))) add('P0', 'Security breach', `${r.title}: ${r.message} — confirm whether it is a breach`, r.id);
  for (const r of results.filter((x) => failing(x) && corruption(x))) add('P0', 'Data corruption', `${r.title}: ${r.message}`, r.id);

  const partial = down.filter((s) => !(s.kind === 'postgres' && s.name === 'primary'));
  if (partial.length && !allServicesDown) add('P1', 'Partial system outage', `${partial.map((s) => `${s.name} (${s.detail})`).join(', ')} down`);
  for (const r of results) {
    const d = degradation(r, history);
    if (!d) continue;
    const pct = Math.round((d.ratio - 1) * 100);
    const evidence = `${r.title}: ${Math.round(inMs(r.observed!) * 10) / 10} ms against its own median of ${Math.round(d.baseline * 10) / 10} ms over ${d.runs} earlier runs (+${pct}%)`;
    if (d.ratio > DEGRADED_RATIO) add('P1', 'Performance degradation >50%', evidence, r.id);
    else add('P2', 'Performance degradation <50%', evidence, r.id);
  }
  for (const r of results.filter((x) => failing(x) && x.id.startsWith('backups.') && !explained.has(x.id))) add('P2', 'Non-critical feature issues', `backup finding — ${r.title}: ${r.message}`, r.id);
  for (const r of results.filter((x) => failing(x) && !x.id.startsWith('security.') && AUTH.test(`${x.id} ${x.title} ${x.message}`))) add('P1', 'Authentication issues', `${r.title}: ${r.message}`, r.id);
  for (const r of results.filter((x) => failing(x) && x.id.startsWith('compliance.'))) add('P1', 'Compliance violations', `${r.title}: ${r.message}`, r.id);

  // Liveness checks of what is down are the outage already named above.
  const outage = new Set(['http.service-up', 'postgres.connect-time', 'redis.ping']);
  for (const r of results.filter((x) => failing(x) && !explained.has(x.id) && !(down.length && outage.has(x.id)))) add('P2', 'Non-critical feature issues', `${r.title}: ${r.message}`);
  // A check that errored saw nothing: it is listed as unseen, never counted as evidence that all is well.
  const unseen = [
    ...states.filter((s) => s.up === null).map((s) => `${s.name}: ${s.detail}`),
    ...results.filter((r) => r.status === 'error').map((r) => `${r.id}: ${r.message}`),
  ];
  const { pass, warn, fail, skip } = report.summary;
  if (!reasons.length && pass + warn + fail === 0) {
    if (skip) unseen.push(`${skip} check${skip === 1 ? '' : 's'} skipped (not configured)`);
    return { proposed: null, reasons, unseen };
  }
  if (!reasons.length) add('P3', 'Minor bugs', `nothing seen is down and no check fails (${pass} pass, ${warn} warn)${unseen.length ? ` — but ${unseen.length} could not be evaluated, so a higher severity is not ruled out` : ''}`);
  reasons.sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity));
  return { proposed: reasons[0]!.severity, reasons, unseen };
}

/** Exit 3 when nothing could be classified, or when checks that could not be evaluated might hide something more severe than proposed. */
export const classificationExit = (c: Classification): number => (c.proposed === null || (c.unseen.length && c.proposed !== 'P0') ? 3 : 0);

export function classificationText(c: Classification): string {
  const unseen = c.unseen.map((u) => `  could not be seen: ${printable(u)}`);
  if (c.proposed === null) {
    return [
      'Cannot classify: no check passed, warned or failed and nothing is seen down — nothing could be seen',
      ...unseen,
      'Assess the severity by hand (nvcops runbook severity); if unsure, take the higher one.',
    ].join('\n');
  }
  const level = SEVERITY_LEVELS[c.proposed];
  return [
    `Proposed severity: ${c.proposed} — ${level.name} (response: ${level.response})`,
    ...c.reasons.map((r) => `  ${r.severity} ${r.kind}: ${printable(r.evidence)}`),
    ...unseen,
    'If unsure, take the higher severity. Then: nvcops incident open --severity ' + c.proposed + ' --title "…"',
  ].join('\n');
}
