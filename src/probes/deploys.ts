/** Changes of the application's clones (deploys.repositories): commits, merges and deploy tags, as git lists them. */
import { stat } from 'node:fs/promises';
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

/** The clones' changes and last fetches, each asked once per run. */
export class DeploysProbe {
  private readonly changes = new Map<string, Promise<RepositoryChanges>>();
  private readonly fetches = new Map<string, Promise<Date | null | 'origin'>>();

  /** `repositoryChanges(repo, since, tagPattern)`, once per repository, start and pattern. */
  since(repo: string, since: Date, tagPattern: string): Promise<RepositoryChanges> {
    const key = [repo, since.toISOString(), tagPattern].join('\u0000');
    let p = this.changes.get(key);
    if (!p) this.changes.set(key, (p = repositoryChanges(repo, since, tagPattern)));
    return p;
  }

  /** `lastFetch(repo)`, once per repository. */
  lastFetch(repo: string): Promise<Date | null | 'origin'> {
    let p = this.fetches.get(repo);
    if (!p) this.fetches.set(repo, (p = lastFetch(repo)));
    return p;
  }
}
