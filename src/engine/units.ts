/** The units an observation or a threshold can carry. */
export const UNITS = ['ms', 's', 'days', '%', 'bytes', 'count', 'ratio'] as const;
export type Unit = (typeof UNITS)[number];

type Kind = 'time' | 'percent' | 'bytes' | 'count' | 'ratio';

const KIND: Record<Unit, Kind> = {
  ms: 'time', s: 'time', days: 'time', '%': 'percent', bytes: 'bytes', count: 'count', ratio: 'ratio',
};

/** Multipliers to the canonical unit of each kind (ms for time). */
const TO_CANONICAL: Record<Unit, number> = {
  ms: 1, s: 1000, days: 86_400_000, '%': 1, bytes: 1, count: 1, ratio: 1,
};

export const kindOf = (unit: Unit): Kind => KIND[unit];
export const toCanonical = (value: number, unit: Unit): number => value * TO_CANONICAL[unit];

/** Unit suffixes accepted in threshold strings and durations, mapped to a unit and a factor. */
export const SUFFIXES: Record<string, { unit: Unit; factor: number }> = {
  ms: { unit: 'ms', factor: 1 },
  s: { unit: 's', factor: 1 },
  sec: { unit: 's', factor: 1 },
  m: { unit: 's', factor: 60 },
  min: { unit: 's', factor: 60 },
  h: { unit: 's', factor: 3600 },
  d: { unit: 'days', factor: 1 },
  day: { unit: 'days', factor: 1 },
  days: { unit: 'days', factor: 1 },
  '%': { unit: '%', factor: 1 },
  b: { unit: 'bytes', factor: 1 },
  bytes: { unit: 'bytes', factor: 1 },
  kb: { unit: 'bytes', factor: 1024 },
  mb: { unit: 'bytes', factor: 1024 ** 2 },
  gb: { unit: 'bytes', factor: 1024 ** 3 },
  tb: { unit: 'bytes', factor: 1024 ** 4 },
  count: { unit: 'count', factor: 1 },
  '': { unit: 'count', factor: 1 },
};

/**
 * Rounded to `digits` decimals toward the side its levels call worse, so that rounding never carries a value across one:
 * days left (judged by `<`) down — 6.96 days is 6.9, not 7.0, which would pass `< 7 days`; growth (judged by `>`) up —
 * 50.04% is 50.1%, not 50.0%, which would pass `> 50%`. Within a thousandth of a step counts as on it: binary
 * fractions (0.29 × 100) and a fit read a moment after its last point (9.899994 days) do not move a step.
 */
export function roundToward(worse: 'down' | 'up', value: number, digits = 1): number {
  const scaled = Number((value * 10 ** digits).toFixed(3));
  return (worse === 'down' ? Math.floor(scaled) : Math.ceil(scaled)) / 10 ** digits;
}

/** A human rendering of a value in its unit: 1.2 s, 340 ms, 92.1%, 15.0 MB, 3 days. */
export function formatValue(value: number, unit: Unit): string {
  const n = (x: number, digits = 1) => (Number.isInteger(x) ? String(x) : x.toFixed(digits));
  switch (unit) {
    case 'ms':
      return value >= 10_000 ? `${n(value / 1000)} s` : `${value >= 100 ? Math.round(value) : n(value)} ms`;
    case 's':
      if (value >= 172_800) return `${n(value / 86_400)} days`;
      if (value >= 7200) return `${n(value / 3600)} h`;
      if (value >= 120) return `${n(value / 60)} min`;
      return `${n(value)} s`;
    case 'days':
      return `${n(value)} days`;
    case '%':
      return `${+value.toFixed(Math.abs(value) < 1 ? 3 : 2)}%`;
    case 'bytes': {
      const steps = ['B', 'kB', 'MB', 'GB', 'TB'];
      let v = value;
      let i = 0;
      while (Math.abs(v) >= 1024 && i < steps.length - 1) { v /= 1024; i++; }
      return `${i === 0 ? v : v.toFixed(1)} ${steps[i]}`;
    }
    case 'ratio':
      return value.toFixed(3);
    case 'count':
      return String(value);
  }
}

export const DURATION_FORMS = 'a number with ms, s, m, h or d (e.g. 30s, 5m, 2h)';

/** Parses a duration such as 30s, 5m, 2h, 3d, 1500ms into milliseconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h|d|days?)\s*$/i.exec(text);
  if (!m) return undefined;
  const suffix = SUFFIXES[m[2]!.toLowerCase()]!;
  return toCanonical(Number(m[1]) * suffix.factor, suffix.unit);
}

/** The longest delay a Node timer takes (2^31-1 ms, 24.8 days); a longer one fires after 1 ms instead. */
export const MAX_TIMER_MS = 2_147_483_647;
export const MAX_TIMER_TEXT = 'at most 24d (a timer cannot exceed 2147483647 ms, 24.8 days)';

export const SIZE_FORMS = 'a number with B, kB, MB, GB or TB (e.g. 10 MB)';

/** Parses a size such as 10 MB, 512kB, 1.5 GB into bytes; undefined when malformed. */
export function parseSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|bytes|kb|mb|gb|tb)\s*$/i.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * SUFFIXES[m[2]!.toLowerCase()]!.factor;
}

/** `1 table`, `3 tables`: a count with its noun. */
/**
 * An integer with thousands separators, as `toLocaleString('en-US')` writes it (4,938) — without
 * loading the ICU locale data, which costs a one-shot command 20-50 ms on its first use.
 */
export const grouped = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

export const counted = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;
