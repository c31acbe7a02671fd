import { isoDay, reviewPeriod } from '../../compliance/checks.js';
import { defineCheck } from '../../engine/check.js';
import { DEFAULT_DEPLOY_TAG_PATTERN } from '../../probes/deploys.js';

/** Every deploy of the period (a tag matching deploys.tagPattern) names its change ticket (compliance.changeTicket) in the tag's name or message. */
export default defineCheck({
  id: 'compliance.change-records',
  title: 'Deploys of the period carry a change ticket',
  requires: [],
  unit: 'count',
  timeoutMs: 60_000,
  async run({ config, probes, now }) {
    const repos = config.deploys?.repositories ?? [];
    if (!repos.length) return { status: 'skip', message: 'no repositories configured: list local clones in deploys.repositories[]' };
    const pattern = config.compliance?.changeTicket;
    if (!pattern) return { status: 'skip', message: 'no change ticket pattern configured: set compliance.changeTicket (e.g. CHG-\\d+)' };
    const ticket = new RegExp(pattern);
    const { from, to } = reviewPeriod(now());
    const tagPattern = config.deploys?.tagPattern ?? DEFAULT_DEPLOY_TAG_PATTERN;
    const changes = await Promise.all(repos.map((r) => probes.deploys.since(r, from, tagPattern)));
    // A clone not fetched since the period began cannot know of its deploys: "none" from it is not evidence.
    const stale = (await Promise.all(changes.filter((c) => !c.error).map(async ({ repository }) => {
      const fetched = await probes.deploys.lastFetch(repository).catch((e: Error) => e);
      if (fetched instanceof Error) return `${repository}: ${fetched.message}`;
      if (fetched === 'origin' || (fetched && fetched >= from)) return undefined;
      const when = fetched ? `last fetched ${fetched.toISOString()}, before the period under review began (${isoDay(from)})` : 'never fetched (no FETCH_HEAD)';
      return `${repository}: ${when}, so it cannot show the period's deploys — run git -C ${repository} fetch --tags`;
    }))).filter((s) => s !== undefined);
    const unreadable = [...changes.filter((c) => c.error).map((c) => `${c.repository}: ${c.error}`), ...stale];
    const deploys = changes.flatMap((c) => c.events.filter((e) => e.kind === 'deploy' && e.time <= to.toISOString()).map((e) => ({ repo: c.repository, ...e })));
    const untagged = deploys.filter((d) => !ticket.test(d.subject));
    const line = (d: (typeof deploys)[number]) => `${d.repo}: ${d.subject} (${d.sha}, ${d.time}, ${d.author})`;
    const span = `since ${isoDay(from)}`;
    if (untagged.length) {
      return {
        status: 'fail', value: untagged.length,
        message: `${untagged.length} of ${deploys.length} deploys ${span} name no change ticket matching /${pattern}/ in the tag's name or message`,
        details: [...untagged.map(line), ...unreadable],
      };
    }
    if (unreadable.length) return { status: 'error', message: unreadable.length === 1 ? unreadable[0]! : `${unreadable.length} repositories cannot show the period's deploys: ${unreadable[0]} …`, details: unreadable };
    return {
      status: 'pass', value: 0,
      message: deploys.length ? `all ${deploys.length} deploys ${span} name a change ticket` : `no deploys ${span} (tags ${tagPattern} in ${repos.length} repositor${repos.length === 1 ? 'y' : 'ies'})`,
      details: deploys.map(line),
    };
  },
});
