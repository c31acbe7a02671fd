import { Option, type Command } from 'commander';
import type { ActionCommandFlags } from '../app/act.js';
import { controlsOf } from '../controls/catalogue.js';
import { UsageError } from '../engine/errors.js';
import { addAttestationOptions, handleAttestation, type AttestationFlags } from './attest.js';
import { addActionOptions, addRunOptions, jobsArg, listFormat } from './options.js';
import type { RunFlags } from '../app/run.js';
import { TOP_COMMANDS } from './listing.js';

export function registerMonthly(program: Command, finish: (code: Promise<number>) => void): void {
  const monthly = program.command('monthly').description(TOP_COMMANDS.monthly.description);

  addActionOptions(
    monthly
      .command('dr-test')
      .description('Second Monday: Disaster Recovery Test — ./scripts/test_backup_restore.sh (restore the newest database backup into a scratch database) and ./scripts/test_failover.sh (promote dr.replica); RTO and RPO against dr.rto and dr.rpo')
      .summary('second Monday: disaster recovery test (restore drill, failover drill)')
      .addOption(new Option('--only <drill>', 'run one drill').choices(['restore', 'failover']))
      .option('--jobs <n>', 'pg_restore jobs for the restore drill', jobsArg, 1),
  )
    .addOption(listFormat())
    .action((_o, cmd: Command) => {
      const flags = cmd.optsWithGlobals<ActionCommandFlags & { only?: 'restore' | 'failover'; jobs: number }>();
      finish(Promise.all([import('../app/act.js'), import('../dr/drill.js')]).then(([act, dr]) => act.runActionCommand(flags, (ctx) => dr.planDrTest(ctx, flags), { action: 'monthly dr-test', targets: ['postgres'] })));
    });

  addAttestationOptions(
    addRunOptions(
      monthly
        .command('compliance')
        .description('First Monday: Compliance Review — SOX controls verification, PCI DSS compliance check, GDPR data processing review, AML/KYC process audit: each control checked or attested, with an evidence report')
        .summary('first Monday: compliance review (SOX, PCI DSS, GDPR, AML/KYC) with attestations and waivers'),
      { timeoutMs: 600_000 },
    ).option('--evidence <dir>', 'also write the evidence report for the auditor: DIR/evidence.md and DIR/evidence.json'),
  ).action((_o, cmd: Command) => {
    const flags = cmd.optsWithGlobals<RunFlags & AttestationFlags & { evidence?: string }>();
    finish((async () => {
      // Refused before anything is recorded: nothing half-done.
      if (flags.evidence && (flags.attest !== undefined || flags.waive !== undefined)) {
        throw new UsageError('monthly compliance: --evidence goes with a review run, not with --attest or --waive');
      }
      const { complianceReview } = await import('../compliance/review.js');
      return (await handleAttestation(flags, 'monthly compliance')) ?? complianceReview(flags);
    })());
  });

  attestedReview(
    monthly, finish, 'security',
    'Third Monday: Security Assessment — penetration testing review (report age, attested review), access control audit (from nvcops maintain access), security policy updates (attested), incident response drill (from the incident records)',
    'third Monday: security assessment (pen test, access audit, policies, incident drill)',
  );
  attestedReview(
    monthly, finish, 'capacity',
    'Fourth Monday: Capacity Planning — infrastructure scaling review (the month\'s weekly capacity runs), cost optimization analysis (capacity.costs budgets, attested analysis), performance trend analysis (health daily and health db over the month), technology roadmap update (attested)',
    'fourth Monday: capacity planning (scaling, costs, performance trends, roadmap)',
  );
}

/** A monthly review with manual controls: `--attest`/`--waive` record and exit; otherwise the review runs. */
function attestedReview(monthly: Command, finish: (code: Promise<number>) => void, name: 'security' | 'capacity', description: string, summary: string): void {
  addAttestationOptions(addRunOptions(monthly.command(name).description(description).summary(summary))).action((_o, cmd: Command) => {
    const flags = cmd.optsWithGlobals<RunFlags & AttestationFlags>();
    finish((async () => {
      const [{ asControls }, { runChecksCommand }] = await Promise.all([import('../controls/check.js'), import('../app/run.js')]);
      const command = `monthly ${name}` as const;
      const recorded = await handleAttestation(flags, command);
      return recorded ?? runChecksCommand(command, flags, undefined, { wrap: asControls(controlsOf(command)) });
    })());
  });
}
