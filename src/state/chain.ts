/** The audit hash chain: how a record is sealed and how a trail is verified, shared by both backends. */
import { createHash } from 'node:crypto';
import type { AuditEntry, AuditRecord, ChainHead, VerifyResult, Witness } from './store.js';

/** The `prev` of the first record. */
export const GENESIS = '0'.repeat(64);

export const EMPTY_HEAD: ChainHead = { seq: 0, hash: GENESIS };

/** JSON with object keys sorted at every level, so the hash does not depend on key order or storage (jsonb reorders). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function hashOf(record: Omit<AuditRecord, 'hash'> & { hash?: string }): string {
  const { hash: _hash, ...rest } = record;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex');
}

/** The next record after `head`. */
export function seal(entry: AuditEntry, head: ChainHead, at = new Date()): AuditRecord {
  const unsealed = { ...entry, seq: head.seq + 1, at: at.toISOString(), prev: head.hash };
  return { ...unsealed, hash: hashOf(unsealed) };
}

/** A stored line that could not be read as a record (its position is all we know). */
export interface Unreadable {
  unreadable: true;
  position: number;
}

/**
 * Walks a trail in storage order and names the first bad record: a gap in `seq` is a removal unless
 * the missing record turns up later (then the trail was reordered); a hash that does not match its
 * record, or a `prev` that does not match the record before, is an edit. Then every witness — the
 * head the store kept beside the trail, anchors written elsewhere, heads in earlier reports — must
 * still be there with its hash: that catches records cut off the end, and a trail rewritten and
 * re-chained from some record on. The lowest bad seq wins.
 */
export function verifyChain(records: (AuditRecord | Unreadable)[], witnesses: Witness[] = []): VerifyResult {
  // Hashes of the records checked so far, by seq - 1: the intact part ends just before a bad record.
  const good: string[] = [];
  const fail = (seq: number, kind: 'edited' | 'removed' | 'reordered', message: string): VerifyResult => ({
    ok: false, count: seq - 1, head: good[seq - 2] ?? GENESIS, problem: { seq, kind, message },
  });
  const walked = ((): VerifyResult | undefined => {
    for (const [i, r] of records.entries()) {
      const expected = good.length + 1;
      if ('unreadable' in r) return fail(expected, 'edited', `record ${expected} (line ${r.position}) is not a valid record`);
      if (r.seq !== expected) {
        if (r.seq < expected) return fail(r.seq, 'reordered', `record ${r.seq} appears after record ${expected - 1}`);
        const later = records.slice(i + 1).some((x) => !('unreadable' in x) && x.seq === expected);
        if (later) return fail(expected, 'reordered', `record ${expected} appears after record ${r.seq}`);
        const missing = r.seq - expected === 1 ? `record ${expected} is` : `records ${expected}–${r.seq - 1} are`;
        return fail(expected, 'removed', `${missing} missing (record ${r.seq} follows record ${expected - 1})`);
      }
      if (hashOf(r) !== r.hash) return fail(r.seq, 'edited', `record ${r.seq} was changed after it was written (its hash does not match its content)`);
      if (r.prev !== (good[expected - 2] ?? GENESIS)) {
        return fail(r.seq - 1, 'edited', `record ${r.seq - 1} was changed after it was written (record ${r.seq} links to a different hash)`);
      }
      good.push(r.hash);
    }
    return undefined;
  })();
  const count = good.length;
  const limit = walked?.problem?.seq ?? Infinity;
  // The first witness (by seq) that the trail no longer bears out, below any break the walk found.
  const sorted = [...witnesses].sort((a, b) => a.seq - b.seq);
  for (const w of sorted) {
    if (w.seq <= 0 || w.seq >= limit) continue;
    if (w.seq > count) {
      // Named by the witness that saw the most: an anchor holds a head per record.
      const top = sorted.at(-1)!;
      const missing = top.seq - count === 1 ? `record ${top.seq} is` : `records ${count + 1}–${top.seq} are`;
      return fail(count + 1, 'removed', `${missing} missing from the end (${top.source} says ${top.seq} records were written)`);
    }
    if (good[w.seq - 1] !== w.hash) return fail(w.seq, 'edited', `record ${w.seq} differs from the one first written (${w.source} holds another hash)`);
  }
  return walked ?? { ok: true, count, head: good.at(-1) ?? GENESIS };
}

/** The verdict when the store's own head is gone: it is written when the store is created, so records after the last one may have been cut off. */
export function headMissing(result: VerifyResult, what: string): VerifyResult {
  if (!result.ok) return result;
  const seq = result.count + 1;
  return {
    ...result, ok: false,
    problem: { seq, kind: 'removed', message: `${what} is missing (it is kept from the store's creation on), so records from ${seq} on may have been cut off the end` },
  };
}
