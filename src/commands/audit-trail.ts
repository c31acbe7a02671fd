/** `nvcops audit verify` and `nvcops audit anchor`: the trail checked against its own head, kept reports and anchors; and anchored. */
import { ConfigError, EXIT } from '../engine/errors.js';
import { anchorTrail, fileAnchor, readAnchors, type Anchor } from '../state/anchors.js';
import type { Witness } from '../state/store.js';
import { openAnchors, type VerifyResult } from '../state/index.js';
import type { GlobalOptions } from '../app/prepare.js';
import { paragraph, writeDocument } from '../report/document.js';
import { withStore, type ListFormat } from './state.js';
import { OUTPUT_SCHEMA_VERSION } from '../engine/output-version.js';
import type { OutputOf } from '../report/schemas.js';

export interface AuditVerifyFlags extends GlobalOptions {
  format: ListFormat;
  /** `SEQ:HASH` heads and anchor files given on the command line, beside the configured anchors. */
  anchor?: (Witness | string)[];
}

/** Runs `fn` with the anchors, then closes them (a PostgreSQL anchor holds a connection). */
async function withAnchors<T>(anchors: Anchor[], fn: (anchors: Anchor[]) => Promise<T>): Promise<T> {
  try {
    return await fn(anchors);
  } finally {
    await Promise.all(anchors.map((a) => a.close()));
  }
}

const verdictLines = (v: VerifyResult, location: string): string[] => {
  if (v.ok) {
    return [
      `audit trail intact: ${v.count} record${v.count === 1 ? '' : 's'}, every hash and link checked (${location})`,
      `head ${v.count}:${v.head}`,
      ...(v.tornTail ? ['note: a last line cut short by an interrupted write was ignored; it was never acknowledged, and the next write removes it'] : []),
    ];
  }
  const p = v.problem!;
  return [
    `audit trail BROKEN at record ${p.seq}: ${p.kind} — ${p.message} (${location})`,
    v.count === 0 ? 'no record before it to trust' : `the ${v.count === 1 ? 'record' : `${v.count} records`} before it ${v.count === 1 ? 'is' : 'are'} intact, ending at ${v.count}:${v.head}`,
  ];
};

export const auditVerify = (flags: AuditVerifyFlags): Promise<number> =>
  withStore(flags, async ({ store, redactor, config }) => {
    const heads = (flags.anchor ?? []).filter((a): a is Witness => typeof a !== 'string');
    const files = (flags.anchor ?? []).filter((a): a is string => typeof a === 'string').map(fileAnchor);
    return withAnchors([...openAnchors(config), ...files], async (anchors) => {
      const witnesses = [...(await readAnchors(anchors)), ...heads];
      const v = await store.audit.verify(witnesses);
      // syslog anchors are write-only: their lines come back as --anchor SEQ:HASH.
      const checked = [...anchors.filter((a) => !a.name.startsWith('anchor syslog')).map((a) => a.name), ...heads.map((w) => w.source)];
      const lines = [...verdictLines(v, store.location), ...(checked.length ? [`checked against ${checked.join(', ')}`] : []), ...(v.warnings ?? []).map((w) => `warning: ${w}`)];
      await writeDocument({ blocks: [paragraph(lines)], json: { schemaVersion: OUTPUT_SCHEMA_VERSION, location: store.location, ...v, anchors: checked } satisfies OutputOf<'audit-verify'> }, flags.format, redactor);
      return v.ok ? EXIT.ok : EXIT.fail;
    });
  });

export const auditAnchor = (flags: GlobalOptions & { format: ListFormat }): Promise<number> =>
  withStore(flags, async ({ store, redactor, config }) => {
    const configured = openAnchors(config);
    if (configured.length === 0) throw new ConfigError('state.anchors: not set; name at least one place to anchor the trail: {file: PATH}, {url: postgres://…} or {syslog: /dev/log | udp://host:port} (docs/state-and-audit.md)');
    return withAnchors(configured, async (anchors) => {
      const { verify, written } = await anchorTrail(store, anchors);
      const lines = verify.ok
        ? [`anchored ${verify.count}:${verify.head} (${store.location})`, ...written.map((w) => `${w.name}: ${w.count} new record head${w.count === 1 ? '' : 's'}`)]
        : [...verdictLines(verify, store.location), 'not anchored: a broken trail is not written down as the truth'];
      await writeDocument({ blocks: [paragraph(lines)], json: { schemaVersion: OUTPUT_SCHEMA_VERSION, location: store.location, ...verify, written } satisfies OutputOf<'audit-anchor'> }, flags.format, redactor);
      return verify.ok ? EXIT.ok : EXIT.fail;
    });
  });
