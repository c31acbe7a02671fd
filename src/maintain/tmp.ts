/** `maintain tmp` (cleanup_temp_files.sh): files older than N days in the configured temp directories. */
import { lstatSync, readdirSync, realpathSync, unlinkSync, type Stats } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { ActionPlan, ActionStep } from '../engine/action.js';
import { ConfigError } from '../engine/errors.js';
import { formatValue, parseDuration } from '../engine/units.js';
import type { PlanContext } from '../app/act.js';

// systemd tmpfiles.d/tmp.conf: /tmp is cleaned of files unused for 10 days.
const DEFAULT_OLDER_THAN = '10d';
/** Files listed one by one in the plan; the rest are counted. */
const LISTED = 100;

interface Old {
  path: string;
  size: number;
  mtimeMs: number;
  ino: number;
}

/** Regular files older than the cutoff under `dir`, never following a link (links are neither entered nor removed). */
function oldFiles(dir: string, cutoff: number, out: Old[], links: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    let st: Stats;
    try {
      st = lstatSync(path);
    } catch {
      continue; // removed meanwhile
    }
    if (st.isSymbolicLink()) links.push(path);
    else if (st.isDirectory()) oldFiles(path, cutoff, out, links);
    else if (st.isFile() && st.mtimeMs < cutoff) out.push({ path, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino });
  }
}

export async function planTmp(ctx: PlanContext, opts: { olderThan?: number }): Promise<ActionPlan> {
  const c = ctx.config.maintenance?.tmp;
  if (!c) throw new ConfigError('maintain tmp: no temp directories configured: set maintenance.tmp.directories');
  const olderThanMs = opts.olderThan ?? parseDuration(c.olderThan ?? DEFAULT_OLDER_THAN)!;
  const cutoff = Date.now() - olderThanMs;
  const age = formatValue(olderThanMs / 86_400_000, 'days');
  const summary: string[] = [];
  const steps: ActionStep[] = [];
  for (const configured of c.directories) {
    const dir = resolve(ctx.config.source ? dirname(ctx.config.source) : process.cwd(), configured);
    let st: Stats;
    try {
      st = lstatSync(dir);
    } catch {
      summary.push(`${dir}: does not exist; skipped`);
      continue;
    }
    if (st.isSymbolicLink() || !st.isDirectory() || realpathSync(dir) !== dir) {
      summary.push(`${dir}: not a directory itself (a link or a file): skipped, nothing behind it is touched`);
      continue;
    }
    const files: Old[] = [];
    const links: string[] = [];
    oldFiles(dir, cutoff, files, links);
    const total = files.reduce((n, f) => n + f.size, 0);
    summary.push(`${dir}: ${files.length} files older than ${age}, ${formatValue(total, 'bytes')}${links.length ? `; ${links.length} symbolic links left alone` : ''}`);
    if (!files.length) continue;
    files.sort((a, b) => b.size - a.size);
    steps.push({
      title: `remove ${files.length} files older than ${age} from ${dir} (${formatValue(total, 'bytes')})`,
      details: [
        ...files.slice(0, LISTED).map((f) => `${formatValue(f.size, 'bytes').padStart(9)}  ${new Date(f.mtimeMs).toISOString().slice(0, 10)}  ${f.path}`),
        ...(files.length > LISTED ? [`… and ${files.length - LISTED} more`] : []),
      ],
      async run(step) {
        let removed = 0;
        let freed = 0;
        let changed = 0;
        for (const f of files) {
          if (step.signal.aborted) throw new Error(`interrupted after ${removed} files; run it again for the rest`);
          // Look again just before removing: the same file (inode), still regular, still old; otherwise leave it.
          let now: Stats | undefined;
          try {
            now = lstatSync(f.path);
          } catch {
            now = undefined;
          }
          if (!now || !now.isFile() || now.ino !== f.ino || now.mtimeMs >= cutoff) { changed++; continue; }
          unlinkSync(f.path);
          removed++;
          freed += now.size;
          if (removed % 100 === 0) step.progress(`${removed} of ${files.length} removed`);
        }
        return `${removed} files removed, ${formatValue(freed, 'bytes')} freed${changed ? `; ${changed} changed or gone since the plan, left alone` : ''}`;
      },
    });
  }
  return { action: 'maintain tmp', target: `temp directories: ${c.directories.join(', ')}`, summary, warnings: [], steps };
}
