/**
 * Incident Response › Severity Levels, in the runbook's words, with the response targets the
 * incident timers and `runbook severity` read. Change the runbook, then this.
 */
export const SEVERITIES = ['P0', 'P1', 'P2', 'P3'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface SeverityLevel {
  id: Severity;
  name: 'Critical' | 'High' | 'Medium' | 'Low';
  /** The runbook's response target as written: "Immediate", "1 hour", … */
  response: string;
  /** The same target in milliseconds; "Immediate" is held to the 5-minute acknowledgement window. */
  responseMs: number;
  /** The runbook's examples of incidents at this level. */
  examples: readonly string[];
  /** Initial Response: "Notify stakeholders if P0/P1". */
  notifyStakeholders: boolean;
  /** Post-Incident: "Conduct post-mortem (P0/P1)". */
  postmortem: boolean;
  /** PagerDuty Events API v2 payload.severity for this level. */
  pagerDutySeverity: 'critical' | 'error' | 'warning' | 'info';
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Initial Response: "Acknowledge alert within 5 minutes" — every severity. */
export const ACKNOWLEDGE_WITHIN_MS = 5 * MINUTE;

export const SEVERITY_LEVELS: Readonly<Record<Severity, SeverityLevel>> = {
  P0: {
    id: 'P0', name: 'Critical', response: 'Immediate', responseMs: ACKNOWLEDGE_WITHIN_MS,
    examples: ['Complete system outage', 'Security breach', 'Data corruption', 'Payment processing failure'],
    notifyStakeholders: true, postmortem: true, pagerDutySeverity: 'critical',
  },
  P1: {
    id: 'P1', name: 'High', response: '1 hour', responseMs: HOUR,
    examples: ['Partial system outage', 'Performance degradation >50%', 'Authentication issues', 'Compliance violations'],
    notifyStakeholders: true, postmortem: true, pagerDutySeverity: 'error',
  },
  P2: {
    id: 'P2', name: 'Medium', response: '4 hours', responseMs: 4 * HOUR,
    examples: ['Non-critical feature issues', 'Performance degradation <50%', 'Minor security concerns', 'Documentation updates'],
    notifyStakeholders: false, postmortem: false, pagerDutySeverity: 'warning',
  },
  P3: {
    id: 'P3', name: 'Low', response: '24 hours', responseMs: 24 * HOUR,
    examples: ['Enhancement requests', 'Minor bugs', 'Cosmetic issues', 'Training requests'],
    notifyStakeholders: false, postmortem: false, pagerDutySeverity: 'info',
  },
};

export const isSeverity = (s: string): s is Severity => (SEVERITIES as readonly string[]).includes(s);
