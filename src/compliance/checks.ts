/** Shared by the compliance checks and the evidence report: the review period. */
/** The period a review covers: from the first day of the previous calendar month (UTC) until the run. */
export function reviewPeriod(now: Date): { from: Date; to: Date } {
  return { from: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)), to: now };
}

export const isoDay = (d: Date | string): string => (typeof d === 'string' ? d : d.toISOString()).slice(0, 10);
