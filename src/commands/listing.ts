/**
 * The top-level commands as `nvcops --help` lists them: each one's description (its register function
 * gives it this one) and, where it is more than the name, the term commander shows (its options and
 * arguments). `nvcops --help` builds the program from this list alone, not every command's subtree
 * (issue #23, start-up); test/cli.test.ts checks that it prints what the help of the whole tree (`nvcops help`) does.
 * In the order of src/cli.ts COMMANDS, which is the help's.
 */
export const TOP_COMMANDS = {
  health: { description: 'Daily Operations › Morning Health Check (8:00 AM EST)' },
  weekly: { description: 'Weekly Operations' },
  maintain: { description: 'Maintenance Procedures: database, application and security maintenance' },
  backup: { description: 'Backup and Recovery: the Backup Schedule and the Recovery Procedures' },
  monthly: { description: 'Monthly Operations' },
  config: { description: 'The configuration nvcops runs with' },
  audit: { description: 'The audit trail: who did what, where and with what outcome; hash-chained so changes are found' },
  history: { description: 'The run history: every check run with its report, for trends and month-over-month comparisons', term: 'history [options]' },
  incident: { description: 'Incident Response: investigation, severity and response timers, timeline, post-mortem' },
  runbook: { description: 'The runbook itself: its calendar, sections, severity levels and on-call rotation' },
  schema: { description: 'Print the JSON Schema of the config file or of a --format json output (config: for editors completing nvcops.yaml)', term: 'schema <name>' },
} as const satisfies Record<string, { description: string; term?: string }>;
