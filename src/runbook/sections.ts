/**
 * The runbook's sections as nvcops knows them, for `runbook show`: each heading, the commands that
 * carry it out (with the script each replaces), and the runbook's own checklist where it has one.
 * The calendar sections come from the schedule; a command's checks come from its procedure.
 */
import { SCHEDULE, type Cadence, type ScheduleSection } from './schedule.js';

export interface SectionCommand {
  /** What to type after `nvcops`. */
  command: string;
  /** The runbook's script or line it replaces. */
  runbook: string;
  cadence?: Cadence;
}

export interface SectionHeading {
  title: string;
  cadence?: Cadence;
  commands: readonly SectionCommand[];
  /** The runbook's checklist under the heading, where it has one and no procedure holds it. */
  checklist?: readonly string[];
}

export interface RunbookSection {
  id: string;
  /** The runbook's heading. */
  title: string;
  headings: readonly SectionHeading[];
}

const fromSchedule = (section: ScheduleSection): SectionHeading[] =>
  SCHEDULE.filter((e) => e.section === section).map((e) => ({
    title: e.title, cadence: e.cadence, commands: e.commands.map(({ command, runbook }) => ({ command, runbook })),
  }));

const weeklyMaintenance = SCHEDULE.find((e) => e.section === 'maintenance')!;

export const SECTIONS = [
  { id: 'daily', title: 'Daily Operations', headings: fromSchedule('daily') },
  { id: 'weekly', title: 'Weekly Operations', headings: fromSchedule('weekly') },
  { id: 'monthly', title: 'Monthly Operations', headings: fromSchedule('monthly') },
  {
    id: 'incident',
    title: 'Incident Response',
    headings: [
      {
        title: 'Severity Levels',
        commands: [
          { command: 'runbook severity', runbook: 'P0 Critical … P3 Low, with their response targets' },
          { command: 'incident classify', runbook: 'Initial Response: Assess severity and impact' },
        ],
      },
      {
        title: '1. Detection and Alert',
        commands: [
          { command: 'incident status', runbook: './scripts/system_status.sh; open https://monitoring.nvcfund.com' },
          { command: 'incident deploys', runbook: 'git log --oneline --since="1 hour ago"' },
        ],
      },
      {
        title: '2. Initial Response',
        commands: [
          { command: 'incident open --severity P0|P1|P2|P3 --title TEXT', runbook: 'Notify stakeholders if P0/P1 (incident.notify)' },
          { command: 'incident ack', runbook: 'Acknowledge alert within 5 minutes' },
          { command: 'incident classify', runbook: 'Assess severity and impact' },
          { command: 'incident note TEXT', runbook: 'Begin investigation' },
        ],
        checklist: ['Acknowledge alert within 5 minutes', 'Assess severity and impact', 'Notify stakeholders if P0/P1', 'Begin investigation'],
      },
      {
        title: '3. Investigation',
        commands: [
          { command: 'incident logs', runbook: 'tail -f /var/log/nvcfund/application.log' },
          { command: 'incident db', runbook: 'python scripts/db_diagnostics.py' },
          { command: 'incident metrics', runbook: 'aws cloudwatch get-metric-statistics' },
          { command: 'incident diagnose', runbook: 'all of the above, as one report on the incident' },
        ],
      },
      {
        title: '4. Resolution',
        commands: [{ command: 'incident resolve --note TEXT', runbook: 'Verify resolution (re-runs the checks failing at open); Document resolution; Update stakeholders' }],
        checklist: ['Implement fix or workaround', 'Verify resolution', 'Update stakeholders', 'Document resolution'],
      },
      {
        title: '5. Post-Incident',
        commands: [{ command: 'incident postmortem', runbook: 'Conduct post-mortem (P0/P1)' }],
        checklist: ['Conduct post-mortem (P0/P1)', 'Update runbooks', 'Implement preventive measures', 'Update monitoring'],
      },
    ],
  },
  {
    id: 'maintenance',
    title: 'Maintenance Procedures',
    headings: [
      {
        title: 'Database Maintenance',
        commands: [
          ...weeklyMaintenance.commands.map(({ command, runbook }) => ({ command, runbook, cadence: weeklyMaintenance.cadence })),
          { command: 'maintain indexes', runbook: 'python scripts/optimize_indexes.py' },
          { command: 'maintain stats', runbook: 'python scripts/update_db_stats.py' },
        ],
      },
      {
        title: 'Application Maintenance',
        commands: [
          { command: 'maintain logs --rotate', runbook: './scripts/rotate_logs.sh' },
          { command: 'maintain cache --flush', runbook: 'redis-cli FLUSHDB' },
          { command: 'maintain tmp', runbook: './scripts/cleanup_temp_files.sh' },
        ],
      },
      {
        title: 'Security Maintenance',
        commands: [
          { command: 'maintain certs', runbook: './scripts/check_certificates.sh' },
          { command: 'maintain security-updates', runbook: './scripts/security_updates.sh' },
          { command: 'maintain access', runbook: 'python scripts/access_audit.py' },
        ],
      },
    ],
  },
  {
    id: 'backup',
    title: 'Backup and Recovery',
    headings: [
      {
        title: 'Backup Schedule',
        commands: [
          { command: 'backup db', runbook: 'Database: Every 6 hours + transaction log backup' },
          { command: 'backup app --app-version V --from DIR', runbook: 'Application: Daily full backup' },
          { command: 'backup config --from DIR', runbook: 'Configuration: Weekly backup' },
          { command: 'backup logs', runbook: 'Logs: Continuous archival' },
          { command: 'backup verify', runbook: 'each kind against the schedule (Daily Operations: Backup verification completed)' },
        ],
      },
      {
        title: 'Recovery Procedures',
        commands: [
          { command: 'backup restore-db --backup-id ID', runbook: './scripts/restore_database.sh --backup-id $BACKUP_ID' },
          { command: 'backup restore-app --app-version V --target DIR', runbook: './scripts/restore_application.sh --version $VERSION' },
          { command: 'backup restore-config --date D --target DIR', runbook: './scripts/restore_config.sh --date $DATE' },
        ],
      },
    ],
  },
  {
    id: 'contacts',
    title: 'Contact Information',
    headings: [
      {
        title: 'On-Call Rotation',
        commands: [{ command: 'runbook oncall', runbook: 'Primary: DevOps Engineer; Secondary: Senior Developer; Escalation: Engineering Manager (24/7)' }],
      },
    ],
  },
] as const satisfies readonly RunbookSection[];

export type SectionId = (typeof SECTIONS)[number]['id'];
export const SECTION_IDS = SECTIONS.map((s) => s.id);
