import { ConfigError } from './errors.js';
import { SUFFIXES, kindOf, toCanonical, type Unit } from './units.js';

export type Operator = '>' | '>=' | '<' | '<=';

/** One parsed condition such as `>= 80%`: breached when `observed op value`. */
export interface Condition {
  op: Operator;
  /** In the canonical unit of its kind (ms for time). */
  value: number;
  unit: Unit;
  text: string;
}

/** Warn and fail levels of one check; either may be absent. */
export interface Threshold {
  warn?: Condition;
  fail?: Condition;
}

/** What a check declares and config may override: `{ warn: '> 200ms', fail: '> 500ms' }`. */
export interface ThresholdSpec {
  warn?: string;
  fail?: string;
}

export const THRESHOLD_FORMS = 'an operator (>, >=, <, <=) and a number with a unit: ms, s, m, h, days, %, B, kB, MB, GB, or none for a count (e.g. "> 200ms", ">= 80%")';

/**
 * Parses `> 200ms`, `< 99.9%`, `>= 10 MB`, `> 5` for an observation measured in `unit`.
 * `field` names the config key in the error message.
 */
export function parseCondition(text: string, unit: Unit, field: string): Condition {
  const m = /^\s*(>=|<=|>|<)\s*(-?\d+(?:\.\d+)?)\s*([a-z%]*)\s*$/i.exec(text);
  if (!m) throw new ConfigError(`${field}: "${text}" is not a threshold; use ${THRESHOLD_FORMS}`);
  const suffix = SUFFIXES[m[3]!.toLowerCase()];
  if (!suffix) throw new ConfigError(`${field}: unknown unit "${m[3]}" in "${text}"; use ${THRESHOLD_FORMS}`);
  // A bare number fits any kind (PgHero-style "5" seconds is ambiguous, so it takes the check's own unit).
  const written = m[3] === '' ? unit : suffix.unit;
  const factor = m[3] === '' ? 1 : suffix.factor;
  if (kindOf(written) !== kindOf(unit)) {
    throw new ConfigError(`${field}: "${text}" is in ${written} but this check measures ${unit}; write the threshold in ${unit}`);
  }
  return { op: m[1] as Operator, value: toCanonical(Number(m[2]) * factor, written), unit, text: text.trim() };
}

export function parseThreshold(spec: ThresholdSpec, unit: Unit, field: string): Threshold {
  const t: Threshold = {};
  if (spec.warn !== undefined) t.warn = parseCondition(spec.warn, unit, `${field}.warn`);
  if (spec.fail !== undefined) t.fail = parseCondition(spec.fail, unit, `${field}.fail`);
  if (t.warn && t.fail && direction(t.warn) !== direction(t.fail)) {
    throw new ConfigError(`${field}: warn "${t.warn.text}" and fail "${t.fail.text}" point in opposite directions; use both > or both <`);
  }
  // fail is the stricter level: reached at or after warn. The other way round a value goes straight to fail, and warn never shows.
  if (t.warn && t.fail && (direction(t.warn) === 'above' ? t.fail.value < t.warn.value : t.fail.value > t.warn.value)) {
    const side = direction(t.warn) === 'above' ? 'higher' : 'lower';
    throw new ConfigError(`${field}: fail "${t.fail.text}" is reached before warn "${t.warn.text}"; fail must be the same as or ${side} than warn`);
  }
  return t;
}

const direction = (c: Condition) => (c.op.startsWith('>') ? 'above' : 'below');

export function breached(c: Condition, observed: number, unit: Unit): boolean {
  const v = toCanonical(observed, unit);
  switch (c.op) {
    case '>': return v > c.value;
    case '>=': return v >= c.value;
    case '<': return v < c.value;
    case '<=': return v <= c.value;
  }
}

/** pass, warn or fail for a measured value; the caller has already ruled out "no data". */
export function judge(t: Threshold, observed: number, unit: Unit): 'pass' | 'warn' | 'fail' {
  if (t.fail && breached(t.fail, observed, unit)) return 'fail';
  if (t.warn && breached(t.warn, observed, unit)) return 'warn';
  return 'pass';
}

export const fromCanonical = (value: number, unit: Unit): number => value / toCanonical(1, unit);

/**
 * Default thresholds of every check merged with `thresholds.<check-id>` from config, each level
 * parsed against the check's unit. Runs before anything connects: a bad override is exit 78.
 */
export function resolveThresholds(
  checks: readonly { id: string; unit: Unit; thresholds?: ThresholdSpec }[],
  overrides: Record<string, ThresholdSpec> = {},
): Map<string, Threshold> {
  const byId = new Map(checks.map((c) => [c.id, c]));
  for (const id of Object.keys(overrides)) {
    if (!byId.has(id)) {
      const near = [...byId.keys()].filter((k) => k.split('.')[0] === id.split('.')[0]);
      throw new ConfigError(`thresholds.${id}: no check has this id; known ids${near.length ? ' in this domain' : ''}: ${(near.length ? near : [...byId.keys()]).join(', ')}`);
    }
  }
  const resolved = new Map<string, Threshold>();
  for (const c of checks) {
    const spec = { warn: c.thresholds?.warn, fail: c.thresholds?.fail, ...overrides[c.id] };
    const t = parseThreshold(spec, c.unit, `thresholds.${c.id}`);
    if (t.warn || t.fail) resolved.set(c.id, t);
  }
  return resolved;
}
