import { incidentContext, makeDocument, printDocument, type IncidentFlags } from './output.js';
import { statusSections, systemStatus } from './status.js';

/** incident status: exit 2 when something is down, 3 when nothing is configured to probe. */
export async function status(flags: IncidentFlags): Promise<number> {
  const ctx = await incidentContext(flags);
  const states = await systemStatus(ctx.config);
  const doc = makeDocument(ctx, 'nvcops incident status', 'Incident Response › Detection and Alert: ./scripts/system_status.sh', statusSections(states, ctx.config));
  const code = await printDocument(ctx, doc);
  return states.some((s) => !s.up) ? 2 : code;
}
