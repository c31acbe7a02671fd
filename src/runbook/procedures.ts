/** A runbook checklist as data: each line in the runbook's words, mapped to the checks that verify it. */
export interface Procedure {
  /** The command that runs it: `health db`. */
  id: string;
  /** Where it lives in the runbook and the script it replaces. */
  runbook: string;
  items: readonly { title: string; checks: readonly string[] }[];
}

export const procedures = {
  'health db': {
    id: 'health db',
    runbook: 'Daily Operations › Morning Health Check: python scripts/db_performance_check.py',
    items: [
      { title: 'Database connections healthy', checks: ['postgres.connect-time', 'postgres.connection-saturation'] },
      { title: 'Cache answering', checks: ['redis.ping'] },
    ],
  },
} as const satisfies Record<string, Procedure>;

export type ProcedureId = keyof typeof procedures;
