/** Whether the WAL archive is continuous from the newest backup to the server's current segment. */

/** A WAL segment's place in the sequence: (log × segments per log) + segment, on its timeline. */
const segmentIndex = (name: string, perLog: number) => Number.parseInt(name.slice(8, 16), 16) * perLog + Number.parseInt(name.slice(16, 24), 16);
const segmentName = (timeline: string, index: number, perLog: number) =>
  `${timeline}${Math.floor(index / perLog).toString(16).toUpperCase().padStart(8, '0')}${(index % perLog).toString(16).toUpperCase().padStart(8, '0')}`;

/** Runs of missing WAL segments, each `first – last` (or one name). */
export interface WalContinuity {
  /** Segments missing between `from` and the newest archived one: recovery cannot cross them. */
  gaps: string[];
  /** Finished segments after the newest archived one, not yet in the repository. */
  waiting: number;
  newest: string | undefined;
}

/**
 * Which finished WAL segments from `from` (the newest backup's first) up to the one before `current`
 * (the server's) are missing from `archived`, on `current`'s timeline.
 */
export function walContinuity(archived: readonly string[], from: string, current: string, walSegmentBytes: number): WalContinuity {
  const perLog = 0x1_0000_0000 / walSegmentBytes;
  const timeline = current.slice(0, 8);
  const onTimeline = archived.filter((n) => n.startsWith(timeline));
  const have = new Set(onTimeline.map((n) => segmentIndex(n, perLog)));
  // A backup taken on an earlier timeline: continuity is judged from the first segment of this one.
  const start = from.startsWith(timeline) ? segmentIndex(from, perLog) : Math.min(...have);
  const end = segmentIndex(current, perLog) - 1;
  const newestIndex = Math.max(-1, ...[...have].filter((i) => i <= end));
  const gaps: string[] = [];
  let run: number | undefined;
  for (let i = start; i <= newestIndex + 1; i++) {
    if (!have.has(i) && i <= newestIndex) {
      run ??= i;
    } else if (run !== undefined) {
      gaps.push(run === i - 1 ? segmentName(timeline, run, perLog) : `${segmentName(timeline, run, perLog)} – ${segmentName(timeline, i - 1, perLog)}`);
      run = undefined;
    }
  }
  return { gaps, waiting: Math.max(0, end - Math.max(newestIndex, start - 1)), newest: newestIndex >= 0 ? segmentName(timeline, newestIndex, perLog) : undefined };
}
