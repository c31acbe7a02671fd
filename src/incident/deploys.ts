import { basename } from 'node:path';
import type { Section } from './document.js';
import { ago } from './time.js';
import type { ChangeEvent, IncidentWindow, RepositoryChanges } from '../probes/deploys.js';

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
