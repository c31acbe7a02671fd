import type { Procedure } from '../engine/procedure.js';

/** Maintenance Procedures › Security Maintenance: the read-only reviews (the actions live in src/maintain). */
export const maintenanceProcedures = {
  'maintain certs': {
    id: 'maintain certs',
    runbook: 'Maintenance Procedures › Security Maintenance: ./scripts/check_certificates.sh',
    items: [{ title: 'Certificate renewal check', checks: ['certs.days-left', 'certs.validity', 'certs.strength'] }],
  },
  'maintain security-updates': {
    id: 'maintain security-updates',
    runbook: 'Maintenance Procedures › Security Maintenance: ./scripts/security_updates.sh',
    items: [{ title: 'Security patch review', checks: ['security.os-updates', 'security.npm-audit'] }],
  },
  'maintain access': {
    id: 'maintain access',
    runbook: 'Maintenance Procedures › Security Maintenance: python scripts/access_audit.py',
    items: [{ title: 'Access review', checks: ['access.postgres-roles', 'access.postgres-privileges', 'access.redis-users'] }],
  },
} as const satisfies Record<string, Procedure>;
