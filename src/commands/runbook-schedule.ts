/** `nvcops runbook schedule`: the runbook's calendar as crontab lines, systemd timers or Kubernetes CronJobs to install. */
import { EXIT, UsageError } from '../engine/errors.js';
import { crontab, kubernetesCronJobs, systemdUnits } from '../runbook/timers.js';
import { runbookTimeZone, type TimerFormat } from '../runbook/schedule.js';
import type { GlobalOptions } from '../app/prepare.js';
import { prepare } from '../app/prepare.js';
import { write } from '../report/output.js';

export interface ScheduleFlags extends GlobalOptions {
  format: TimerFormat;
  at: string;
  includeActions?: boolean;
  bin: string;
  image?: string;
}

export async function runbookSchedule(flags: ScheduleFlags): Promise<number> {
  if (flags.format === 'kubernetes' && !flags.image) throw new UsageError('--image: needed with --format kubernetes: the container image that runs nvcops, such as registry.example.com/nvcops:0.1.0');
  const { config, redactor } = await prepare(flags);
  // The scheduled runs read the file this one read, wherever they start.
  const opts = {
    timezone: runbookTimeZone(config), at: flags.at, includeActions: flags.includeActions === true, bin: flags.bin,
    ...(flags.env && { env: flags.env }), ...(config.source && { config: config.source }),
  };
  const text = flags.format === 'crontab' ? crontab(opts) : flags.format === 'systemd' ? systemdUnits(opts) : kubernetesCronJobs({ ...opts, image: flags.image! });
  write(text, redactor);
  return EXIT.ok;
}
