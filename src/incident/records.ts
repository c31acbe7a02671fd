import { StateConflictError, UsageError } from '../engine/errors.js';
import type { Store } from '../state/store.js';
import { isOpen } from '../checks/incident-timers.js';
import { INCIDENT_KIND, listIncidents, type Incident, type IncidentEvent, type Stored } from '../probes/incidents.js';

export async function getIncident(store: Store, id: string): Promise<Incident> {
  const found = await store.records.get<Stored>(INCIDENT_KIND, id);
  if (!found) throw new UsageError(`no incident ${id}; \`nvcops incident list --all\` shows them`);
  return found.data;
}

/** Creates the record under the next free INC-n; two engineers opening at once get two numbers. */
export async function createIncident(store: Store, draft: Omit<Incident, 'id' | 'dedupKey'>, by: string): Promise<Incident> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const taken = (await store.records.list(INCIDENT_KIND)).map((v) => Number(v.id.replace(/^INC-/, ''))).filter(Number.isFinite);
    const id = `INC-${Math.max(0, ...taken) + 1}`;
    const incident: Incident = { ...draft, id, dedupKey: `nvcops/${draft.environment ?? 'default'}/${id}` };
    try {
      await store.records.put<Stored>(INCIDENT_KIND, id, incident as Stored, { by, expectedVersion: 0 });
      return incident;
    } catch (e) {
      if (!(e instanceof StateConflictError)) throw e;
    }
  }
  throw new StateConflictError('state: could not take a new incident number after 20 attempts');
}

/** Read, change, write with optimistic concurrency: another engineer's update in between is re-read, never overwritten. */
export async function updateIncident(store: Store, id: string, by: string, change: (i: Incident) => void): Promise<Incident> {
  for (let attempt = 0; ; attempt++) {
    const current = await store.records.get<Stored>(INCIDENT_KIND, id);
    if (!current) throw new UsageError(`no incident ${id}; \`nvcops incident list --all\` shows them`);
    const next = structuredClone(current.data) as Incident;
    change(next);
    try {
      await store.records.put<Stored>(INCIDENT_KIND, id, next as Stored, { by, expectedVersion: current.version });
      return next;
    } catch (e) {
      if (!(e instanceof StateConflictError) || attempt >= 10) throw e;
    }
  }
}

/** The title as shown and sent: a drill says so first, so no one takes it for a real incident. */
export const shownTitle = (i: Pick<Incident, 'title' | 'drill'>): string => (i.drill ? `DRILL: ${i.title}` : i.title);

/** The incident a command means: the id given, else the only open one in this environment. */
export async function chooseIncident(store: Store, environment: string | null, id?: string, what = 'incident'): Promise<Incident> {
  // Given but empty (an unset variable): never the only open incident instead.
  if (id === '') throw new UsageError(`${what}: the incident id is empty; name one such as INC-3 (\`nvcops incident list --all\` shows them)`);
  if (id) return getIncident(store, id);
  const open = (await listIncidents(store)).filter((i) => isOpen(i) && i.environment === environment);
  if (open.length === 1) return open[0]!;
  if (!open.length) throw new UsageError(`no open incident${environment ? ` in ${environment}` : ''}; name one (${what} <id>) or open one with \`nvcops incident open\``);
  throw new UsageError(`${open.length} incidents are open (${open.map((i) => i.id).join(', ')}); name the one you mean`);
}

export function addEvent(i: Incident, event: IncidentEvent): void {
  i.events.push(event);
  // Only while it is open: a note written after resolution is not the response, and must not pass for one.
  if (!i.respondedAt && isOpen(i) && (event.type === 'note' || event.type === 'investigation' || event.type === 'diagnosis')) i.respondedAt = event.at;
}
