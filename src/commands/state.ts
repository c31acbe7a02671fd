/** `nvcops audit …` and `nvcops history …`: reading, verifying, exporting and pruning the state store. */
import type { Config } from '../engine/config/index.js';
import { EXIT, UsageError } from '../engine/errors.js';
import type { Redactor } from '../engine/redact.js';
import type { CheckResult } from '../engine/report.js';
import { summaryText, observedText } from '../report/text.js';
import { openStore, type AuditRecord, type HistoryEntry, type Store } from '../state/index.js';
import { newest } from '../state/store.js';
import type { ActionPlan } from '../engine/action.js';
import type { PlanContext } from '../app/act.js';
import type { GlobalOptions } from '../app/prepare.js';
import { prepare, prepareReading } from '../app/prepare.js';
import { screenWidth, useColor, write, writeOutputFile } from '../report/output.js';
import { clockFromEnv } from '../engine/clock.js';
import type { Format } from '../report/formats.js';
import { renderer } from '../report/index.js';
import { paragraph, writeDocument, type Block } from '../report/document.js';

export type ListFormat = 'human' | 'json';

export interface AuditShowFlags extends GlobalOptions {
  since?: Date;
  action?: string;
  limit?: number;
  format: ListFormat;
}

export interface HistoryFlags extends GlobalOptions {
  command?: string;
  check?: string;
  since?: Date;
  limit?: number;
  format: ListFormat;
}

interface Session {
  store: Store;
  /** --env a,b,c or all: the environments whose runs are read. */
  environments?: string[];
  config: Config;
  redactor: Redactor;
}

export async function withStore(flags: GlobalOptions, fn: (s: Session) => Promise<number>, several = false): Promise<number> {
  const { config, redactor, environments } = several ? await prepareReading(flags) : { ...(await prepare(flags)), environments: undefined };
  const store = await openStore(config);
  try {
    return await fn({ store, config, redactor, environments });
  } finally {
    await store.close();
  }
}

const time = (iso: string) => iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');

const outcomeText = (r: AuditRecord) => (r.phase === 'started' ? 'started' : `${r.outcome ?? ''}${r.message ? `: ${r.message}` : ''}`);

export const auditShow = (flags: AuditShowFlags): Promise<number> =>
  withStore(flags, async ({ store, redactor }) => {
    let records = await store.audit.list({ since: flags.since, action: flags.action });
    if (flags.limit) records = records.slice(-flags.limit);
    await writeDocument({
      blocks: [records.length === 0
        ? paragraph([`no audit records${flags.since || flags.action ? ' match' : ' yet'} (${store.location})`])
        : {
            kind: 'table', columns: ['#', 'time', 'action', 'outcome', 'by', 'host', 'environment', 'command'],
            rows: records.map((r) => [String(r.seq), time(r.at), r.action, outcomeText(r), r.by, r.host, r.environment ?? '—', `nvcops ${r.args.join(' ')}`]),
          }],
      json: records,
    }, flags.format, redactor);
    return EXIT.ok;
  });

/** One record per line, exactly as chained, for write-once storage; verifiable with the same hashes. */
export const auditExport = (flags: GlobalOptions & { since?: Date }): Promise<number> =>
  withStore(flags, async ({ store, redactor }) => {
    for (const r of await store.audit.list({ since: flags.since })) {
      const line = JSON.stringify(r);
      const masked = redactor.apply(line);
      // Secrets are masked before a record is written; one known only now is still kept out, at the cost of that record's hash.
      if (masked !== line) write(`nvcops: record ${r.seq} holds a secret; masked in the export, so its hash will not verify there\n`, redactor, process.stderr);
      process.stdout.write(`${masked}\n`);
    }
    return EXIT.ok;
  });

const resultOf = (e: HistoryEntry, check: string): CheckResult | undefined =>
  e.report.items.flatMap((i) => i.results).find((r) => r.id === check);

export const historyList = (flags: HistoryFlags): Promise<number> =>
  withStore(flags, async ({ store, redactor, environments }) => {
    const filter = { command: flags.command, check: flags.check, since: flags.since };
    // --env a,b,c or all: those environments' runs, the newest --limit of them together.
    const entries = environments
      ? newest((await store.history.list(filter)).filter((e) => e.environment !== null && environments.includes(e.environment)), flags.limit)
      : await store.history.list({ ...filter, limit: flags.limit });
    const check = flags.check;
    const shown: Block = entries.length === 0
      ? paragraph([`no check runs${flags.command || check || flags.since ? ' match' : ' kept yet'} (${store.location})`])
      : check
        ? {
            kind: 'table', columns: ['started', 'command', 'environment', check, 'observed', 'message'],
            rows: entries.map((e) => {
              const r = resultOf(e, check)!;
              return [time(e.at), e.command, e.environment ?? '—', r.status, observedText(r), r.message];
            }),
          }
        : {
            kind: 'table', columns: ['started', 'command', 'environment', 'status', 'exit', 'checks', 'by'],
            rows: entries.map((e) => [time(e.at), e.command, e.environment ?? '—', e.status, String(e.exitCode), summaryText(e.report.summary), e.by]),
          };
    await writeDocument({
      blocks: [shown],
      json: check ? entries.map(({ report, ...e }) => ({ ...e, check: resultOf({ ...e, report }, check) })) : entries,
    }, flags.format, redactor);
    return EXIT.ok;
  }, true);

export interface HistoryShowFlags extends GlobalOptions {
  format: Format;
  onlyProblems?: boolean;
}

/** `history show <run>`: a kept run's report (secrets already masked) through the check-run renderers, as its run showed it. */
export const historyShow = (id: string, flags: HistoryShowFlags): Promise<number> =>
  withStore(flags, async ({ store, redactor }) => {
    const found = (await store.history.list()).filter((e) => e.id.startsWith(id));
    if (found.length !== 1) {
      throw new UsageError(found.length
        ? `history show: ${id} is the start of ${found.length} run ids; give more of it`
        : `history show: no kept check run ${id} in ${store.location} (nvcops history --format json lists the ids)`);
    }
    const color = useColor(flags.color);
    const { report } = found[0]!;
    // The page's charts: the runs of its command in its environment over the days before it, as its own run drew them.
    const trend = flags.format === 'html' ? await (await import('../app/run.js')).trendOf(report, async () => store, redactor) : undefined;
    write((await renderer(flags.format))(report, { color, width: screenWidth(), onlyProblems: flags.onlyProblems, trend }), redactor);
    return EXIT.ok;
  });

export interface HistoryReportFlags extends GlobalOptions {
  command?: string;
  days: number;
  output?: string;
}

/** `history report`: the page of this environment's kept runs and DR drills over the last --days (to the run clock, NVCOPS_NOW). */
export const historyReport = (flags: HistoryReportFlags): Promise<number> =>
  withStore(flags, async ({ store, config, redactor }) => {
    const to = clockFromEnv()();
    const from = new Date(to.getTime() - flags.days * 86_400_000);
    const environment = config.environment ?? null;
    const until = new Date(to.getTime() + 1);
    const runs = await store.history.list({ command: flags.command, environment, since: from, until });
    const drills = flags.command && flags.command !== 'monthly dr-test'
      ? []
      : (await store.audit.list({ action: 'monthly dr-test', since: from, until, ...(environment !== null && { environment }) })).filter((r) => r.phase === 'finished' && r.environment === environment);
    const { historyPage } = await import('../report/history-page.js');
    const { procedures } = await import('../runbook/procedures.js');
    const { DEFAULT_RPO, DEFAULT_RTO } = await import('../dr/drill.js');
    // Masked again: a secret known now may not have been when a run was kept.
    const page = redactor.apply(historyPage({
      environment, from, to, days: flags.days, runs: redactor.applyDeep(runs), drills: redactor.applyDeep(drills),
      objectives: { rto: config.dr?.rto ?? DEFAULT_RTO, rpo: config.dr?.rpo ?? DEFAULT_RPO }, order: Object.keys(procedures),
    }));
    if (flags.output) writeOutputFile(flags.output, page);
    else write(page, redactor);
    return EXIT.ok;
  });

/** `history prune`: plans the removal of old check runs; the action framework confirms, runs and audits it. */
export async function planHistoryPrune(ctx: PlanContext, olderThan: number): Promise<ActionPlan> {
  const store = await ctx.probes.state();
  const before = new Date(Date.now() - olderThan);
  // This environment's runs only: a shared store also holds other environments', under their own protection.
  const environment = ctx.probes.config.environment ?? null;
  const planned = (await store.history.list({ until: before, environment })).length;
  const runs = (n: number) => `${n} check run${n === 1 ? '' : 's'}`;
  const of = environment === null ? 'made without an environment' : `of ${environment}`;
  return {
    action: 'history prune',
    target: `the run history in ${store.location}`,
    summary: [`${runs(planned)} ${of} started before ${time(before.toISOString())}; other environments' runs and the audit trail are kept`],
    warnings: planned ? ['removed runs no longer count in trends and month-over-month comparisons'] : [],
    steps: planned
      ? [{
          title: `remove ${runs(planned)} ${of} that started before ${time(before.toISOString())}`,
          async run() {
            const removed = await store.history.prune(before, environment);
            return { message: `removed ${runs(removed)}`, data: { removed } };
          },
        }]
      : [],
  };
}
