/**
 * One example line for the `--help` of every command that runs (test/help-examples.test.ts walks the
 * tree: a command without one, an entry naming no command, or an example whose flags the command does
 * not take, fails), and the reference page of its group under docs/.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';

export const EXAMPLES: Record<string, string> = {
  'health daily': 'nvcops health daily --report junit=health.xml',
  'health db': 'nvcops health db --only-problems',
  'health security': 'nvcops health security --last-24h',
  'health security ack': 'nvcops health security ack --all --note "203.0.113.77 blocked at the WAF"',
  'weekly capacity': 'nvcops weekly capacity --format markdown',
  'weekly security': 'nvcops weekly security --fail-on fail',
  'weekly performance': 'nvcops weekly performance --only-problems',
  'maintain db': 'nvcops maintain db --vacuum --analyze --dry-run',
  'maintain indexes': 'nvcops maintain indexes --dry-run',
  'maintain stats': 'nvcops maintain stats --dry-run',
  'maintain logs': 'nvcops maintain logs --rotate --dry-run',
  'maintain cache': 'nvcops maintain cache --flush --pattern "session:*" --dry-run',
  'maintain tmp': 'nvcops maintain tmp --older-than 10d --dry-run',
  'maintain certs': 'nvcops maintain certs --format json',
  'maintain security-updates': 'nvcops maintain security-updates',
  'maintain access': 'nvcops maintain access --report markdown=access-review.md',
  'backup db': 'nvcops backup db',
  'backup app': 'nvcops backup app --app-version 1.4.2 --from /srv/payments-api',
  'backup config': 'nvcops backup config --from /etc/nvcfund',
  'backup logs': 'nvcops backup logs',
  'backup list': 'nvcops backup list --kind db',
  'backup setup': 'nvcops backup setup --print',
  'backup verify': 'nvcops backup verify --all',
  'backup restore-db': 'nvcops backup restore-db --to "2026-12-07 14:01:59" --target-dir /srv/pitr',
  'backup restore-app': 'nvcops backup restore-app --app-version 1.4.2 --target /srv/app --dry-run',
  'backup restore-config': 'nvcops backup restore-config --date 2026-12-01 --target /srv/etc --dry-run',
  'monthly dr-test': 'nvcops monthly dr-test --only restore --dry-run',
  'monthly compliance': 'nvcops monthly compliance --evidence ./evidence-2026-12',
  'monthly security': 'nvcops monthly security --attest incident-response-drill --note "GRC-77"',
  'monthly capacity': 'nvcops monthly capacity --format markdown',
  'config check': 'nvcops config check --config ./nvcops.yaml',
  'audit verify': 'nvcops audit verify',
  'audit anchor': 'nvcops audit anchor',
  'audit show': 'nvcops audit show --since 7d --action "maintain db"',
  'audit export': 'nvcops audit export --since 30d > audit.jsonl',
  history: 'nvcops history --command "health daily" --since 7d',
  'history show': 'nvcops history show 3f2a9c1e --only-problems',
  'history prune': 'nvcops history prune --older-than 400d --dry-run',
  'history report': 'nvcops history report --days 90 --output history.html',
  'incident status': 'nvcops incident status',
  'incident deploys': 'nvcops incident deploys --since 2h',
  'incident logs': 'nvcops incident logs --since 30m --level error --top 10',
  'incident db': 'nvcops incident db --long 30s',
  'incident metrics': 'nvcops incident metrics --preset api-latency --since 3h',
  'incident open': 'nvcops incident open --severity P1 --title "Payments API 5xx above 2%"',
  'incident ack': 'nvcops incident ack',
  'incident note': 'nvcops incident note "rolled back deploy-2026-12-07.2"',
  'incident resolve': 'nvcops incident resolve --note "rollback; error rate back under 0.1%"',
  'incident list': 'nvcops incident list --all',
  'incident show': 'nvcops incident show --format markdown',
  'incident timeline': 'nvcops incident timeline',
  'incident classify': 'nvcops incident classify',
  'incident diagnose': 'nvcops incident diagnose --output diagnosis.md',
  'incident postmortem': 'nvcops incident postmortem --owner "Dana Ruiz" --output postmortem.md',
  'runbook today': 'nvcops runbook today --fail-on-overdue',
  'runbook schedule': 'nvcops runbook schedule --format systemd',
  'runbook show': 'nvcops runbook show weekly',
  'runbook severity': 'nvcops runbook severity',
  'runbook oncall': 'nvcops runbook oncall --date 2026-12-24',
  schema: 'nvcops schema config > nvcops.schema.json',
  completion: 'nvcops completion bash > ~/.local/share/bash-completion/completions/nvcops',
};

/** The page under docs/ of each top-level command (a command path's longest prefix listed here wins). */
export const PAGES: Record<string, string> = {
  health: 'health.md',
  weekly: 'weekly.md',
  maintain: 'maintain.md',
  backup: 'backups-and-dr.md',
  monthly: 'monthly.md',
  'monthly dr-test': 'backups-and-dr.md',
  config: 'configuration.md',
  audit: 'state-and-audit.md',
  history: 'state-and-audit.md',
  incident: 'incident.md',
  runbook: 'runbook.md',
  schema: 'output-formats.md',
  completion: 'commands.md',
};

const pathOf = (cmd: Command): string => {
  const words: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) words.unshift(c.name());
  return words.join(' ');
};

export const pageOf = (path: string): string | undefined => {
  const words = path.split(' ');
  for (let n = words.length; n > 0; n--) {
    const page = PAGES[words.slice(0, n).join(' ')];
    if (page) return page;
  }
  return undefined;
};

/** Where the docs are: beside bin/ in the installed package or the clone, when they are there. */
function docsDir(): string | undefined {
  const bin = process.argv[1];
  if (!bin || !existsSync(bin)) return undefined;
  // npm i -g links bin/nvcops to the package's bin/nvcops.js: the docs are beside the file linked to.
  const dir = join(dirname(realpathSync(bin)), '..', 'docs');
  return existsSync(dir) ? dir : undefined;
}

/** `#anchor` of the page's heading for the command (`## health db` → `#health-db`), when it has one. */
function sectionOf(file: string, path: string): string {
  const headed = new RegExp(`^#{2,3} ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm');
  try {
    return headed.test(readFileSync(file, 'utf8')) ? `#${path.replace(/ /g, '-')}` : '';
  } catch {
    return '';
  }
}

/** Adds `Example:` (and the reference page) to the help of every command that has one. */
export function addExamples(program: Command): void {
  const walk = (cmd: Command) => {
    const path = pathOf(cmd);
    const example = EXAMPLES[path];
    if (example) {
      const page = pageOf(path);
      // A function: the docs are looked for only when the help is shown, not on every run.
      cmd.addHelpText('after', () => {
        const docs = page && docsDir();
        return `\nExample:\n  ${example}\n${page ? `\nReference: ${docs ? join(docs, page) + sectionOf(join(docs, page), path) : `docs/${page}`}\n` : ''}`;
      });
    }
    for (const sub of cmd.commands) walk(sub);
  };
  walk(program);
  program.addHelpText('after', () => {
    const docs = docsDir();
    return `\nStart with: nvcops health daily --help (every command's help ends with an example)\nReference: ${docs ? `${docs}/` : 'docs/'} (README.md beside it: install and a five-minute quick start)`;
  });
}
