import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Section } from './document.js';
import { ago } from './time.js';
import { compareText } from '../engine/order.js';

export interface ChangeEvent {
  kind: 'deploy' | 'merge' | 'commit';
  /** Abbreviated commit id. */
  sha: string;
  /** ISO 8601: committer date for commits, tagger date for annotated deploy tags. */
  time: string;
  author: string;
  subject: string;
  tags: string[];
  /** The incidents whose window holds this change (a deploy in the hour before an incident is a suspect). */
  incidents: string[];
}

export interface RepositoryChanges {
  repository: string;
  events: ChangeEvent[];
  error?: string;
}

export interface IncidentWindow {
  from: Date;
  to: Date;
  incidentId: string;
}

/** Deploys are marked by tags: `deploy-*` unless deploys.tagPattern says otherwise (e.g. `v*` for release tags). */
export const DEFAULT_DEPLOY_TAG_PATTERN = 'deploy-*';

const US = '\u001f';
const RS = '\u001e';

async function git(repo: string, args: string[]): Promise<string> {
  const { execa } = await import('execa');
  const r = await execa('git', ['-C', repo, '-c', 'log.showSignature=false', ...args], {
    reject: false, timeout: 10_000, env: { LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0' }, stripFinalNewline: false,
  });
  if (r.failed) {
    const why = (r.stderr || r.shortMessage || '').split('\n').find((l) => l.trim()) ?? 'git failed';
    throw new Error(why.replace(/^fatal: /, ''));
  }
  return r.stdout;
}

const inWindows = (t: Date, ws: IncidentWindow[]) => ws.filter((w) => t >= w.from && t <= w.to).map((w) => w.incidentId);

/**
 * When a clone last heard from its remotes (FETCH_HEAD's time; null: never fetched), or `origin`
 * when it has no remote: its tags are the deploys themselves, not a copy that can fall behind.
 */
export async function lastFetch(repo: string): Promise<Date | null | 'origin'> {
  if (!(await git(repo, ['remote'])).trim()) return 'origin';
  const path = (await git(repo, ['rev-parse', '--path-format=absolute', '--git-path', 'FETCH_HEAD'])).trim();
  return stat(path).then((s) => s.mtime, () => null);
}

/** `git log --since` of one clone plus its deploy tags, newest first. */
export async function repositoryChanges(repo: string, since: Date, tagPattern: string, windows: IncidentWindow[] = []): Promise<RepositoryChanges> {
  try {
    const log = await git(repo, ['log', 'HEAD', `--since=${since.toISOString()}`, '--date=iso-strict', `--format=%h${US}%an <%ae>${US}%cI${US}%P${US}%s${US}%D${RS}`]);
    const events: ChangeEvent[] = log.split(RS).map((r) => r.replace(/^\n/, '')).filter(Boolean).map((rec) => {
      const [sha, author, time, parents, subject, decoration] = rec.split(US) as [string, string, string, string, string, string];
      const tags = decoration.split(', ').filter((d) => d.startsWith('tag: ')).map((d) => d.slice(5)).sort();
      return { kind: parents.trim().split(' ').length > 1 ? 'merge' : 'commit', sha, time: new Date(time).toISOString(), author, subject, tags, incidents: inWindows(new Date(time), windows) };
    });
    const refs = await git(repo, ['for-each-ref', '--sort=-creatordate',
      `--format=%(refname:short)${US}%(objecttype)${US}%(creatordate:iso-strict)${US}%(*objectname:short)${US}%(objectname:short)${US}%(taggername) %(taggeremail)${US}%(authorname) %(authoremail)${US}%(contents:subject)${RS}`,
      `refs/tags/${tagPattern}`]);
    for (const rec of refs.split(RS).map((r) => r.replace(/^\n/, '')).filter(Boolean)) {
      const [tag, type, created, peeled, object, tagger, author, message] = rec.split(US) as [string, string, string, string, string, string, string, string];
      const time = new Date(created);
      if (time < since) continue;
      events.push({
        kind: 'deploy', sha: peeled || object, time: time.toISOString(), author: (tagger.trim() || author.trim()),
        // Only an annotated tag has a message of its own; a lightweight tag would repeat the commit's.
        subject: type === 'tag' && message ? `${tag}: ${message}` : tag, tags: [tag], incidents: inWindows(time, windows),
      });
    }
    events.sort((a, b) => compareText(b.time, a.time) || (a.kind === 'deploy' ? -1 : b.kind === 'deploy' ? 1 : 0));
    return { repository: repo, events };
  } catch (e) {
    return { repository: repo, events: [], error: (e as Error).message };
  }
}

export function deploySections(changes: RepositoryChanges[], since: Date, now: Date, windows: IncidentWindow[] = []): Section[] {
  return changes.map((c) => {
    const title = `${basename(c.repository)} (${c.repository})`;
    if (c.error) return { title, state: 'error' as const, summary: `cannot read the repository: ${c.error}`, data: c };
    const count = (k: ChangeEvent['kind']) => c.events.filter((e) => e.kind === k).length;
    const flagged = c.events.filter((e) => e.incidents.length).length;
    const counts = `${count('deploy')} deploys, ${count('merge')} merges, ${count('commit')} commits since ${since.toISOString()}`;
    return {
      title,
      state: flagged ? 'attention' as const : 'ok' as const,
      summary: `${counts}${windows.length ? ` · ${flagged} inside the window of ${windows.map((w) => `${w.incidentId} (from ${w.from.toISOString()})`).join(', ')}` : ''}`,
      table: {
        head: ['when', 'time', 'kind', 'commit', 'author', 'subject', ''],
        rows: c.events.map((e) => [
          ago(new Date(e.time), now), e.time, e.kind, e.sha, e.author,
          e.subject + (e.kind !== 'deploy' && e.tags.length ? ` [${e.tags.join(', ')}]` : ''),
          e.incidents.length ? `◀ ${e.incidents.join(', ')}` : '',
        ]),
      },
      data: c,
    };
  });
}
