import { formatValue } from '../engine/units.js';

/** How far a server's clock is from nvcops' host, and how sure: it read its clock somewhere within the round trip. */
export interface ClockReading {
  /** Server time minus the host's at the round trip's midpoint; positive: the server is ahead. */
  offsetMs: number;
  rttMs: number;
}

/** The thresholds of both clock checks: check_postgres timesync, and the PCI DSS requirement it serves. */
export const CLOCK_THRESHOLDS = { warn: '> 2s', fail: '> 5s', source: 'check_postgres timesync (2 s / 5 s); PCI DSS 10.6' } as const;

/**
 * The offset of a server's clock as NTP measures it: the midpoint of the host's clock around one read
 * of the server's, known to ± half the round trip; the best of three reads (the shortest round trip).
 */
export async function readClock(readServerMs: () => Promise<number>, samples = 3): Promise<ClockReading> {
  let best: ClockReading | undefined;
  for (let i = 0; i < samples; i++) {
    const before = Date.now();
    const server = await readServerMs();
    const after = Date.now();
    const reading = { offsetMs: server - (before + after) / 2, rttMs: after - before };
    if (!best || reading.rttMs < best.rttMs) best = reading;
  }
  return best!;
}

/** The drift a reading proves: its offset less the round trip's uncertainty, never below 0 (a slow network is not a skewed clock). */
export const provenDrift = (r: ClockReading): number => Math.max(0, Math.abs(r.offsetMs) - r.rttMs / 2);

const shown = (ms: number): string => (ms >= 1000 ? formatValue(ms / 1000, 's') : `${Math.round(ms)} ms`);

/** `clock 3.0 s ahead of nvcops' host (± 1 ms)`. */
export const clockLine = (r: ClockReading): string =>
  `clock ${shown(Math.abs(r.offsetMs))} ${r.offsetMs >= 0 ? 'ahead of' : 'behind'} nvcops' host (± ${shown(r.rttMs / 2)})`;
