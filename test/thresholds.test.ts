import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/engine/errors.js';
import { judge, parseCondition, parseThreshold, resolveThresholds } from '../src/engine/thresholds.js';
import { parseDuration } from '../src/engine/units.js';

describe('threshold grammar', () => {
  it('parses operators, numbers and units into the canonical unit of the check', () => {
    expect(parseCondition('> 200ms', 'ms', 'f')).toMatchObject({ op: '>', value: 200 });
    expect(parseCondition('>2s', 'ms', 'f')).toMatchObject({ op: '>', value: 2000 });
    expect(parseCondition('>= 80%', '%', 'f')).toMatchObject({ op: '>=', value: 80 });
    expect(parseCondition('< 99.9%', '%', 'f')).toMatchObject({ op: '<', value: 99.9 });
    expect(parseCondition('> 10 MB', 'bytes', 'f')).toMatchObject({ value: 10 * 1024 * 1024 });
    expect(parseCondition('< 14 days', 'days', 'f')).toMatchObject({ value: 14 * 86_400_000 });
    expect(parseCondition('> 5m', 's', 'f')).toMatchObject({ value: 300_000 });
    expect(parseCondition('<= 3', 'count', 'f')).toMatchObject({ op: '<=', value: 3 });
  });

  it('takes a bare number in the unit the check measures', () => {
    expect(parseCondition('> 30', 's', 'f').value).toBe(30_000);
  });

  it('rejects malformed thresholds naming the field and the allowed forms', () => {
    expect(() => parseCondition('about 200', 'ms', 'thresholds.x.warn')).toThrow(ConfigError);
    expect(() => parseCondition('about 200', 'ms', 'thresholds.x.warn')).toThrow(/thresholds\.x\.warn: "about 200" is not a threshold; use an operator/);
    expect(() => parseCondition('> 200 parsecs', 'ms', 'thresholds.x.fail')).toThrow(/thresholds\.x\.fail: unknown unit "parsecs"/);
  });

  it('rejects a unit of another kind than the check measures', () => {
    expect(() => parseCondition('> 200ms', '%', 'thresholds.postgres.connection-saturation.warn')).toThrow(
      /thresholds\.postgres\.connection-saturation\.warn: "> 200ms" is in ms but this check measures %/,
    );
  });

  it('rejects warn and fail pointing in opposite directions', () => {
    expect(() => parseThreshold({ warn: '> 10%', fail: '< 5%' }, '%', 't')).toThrow(/opposite directions/);
  });

  it('refuses warn and fail the wrong way round, naming the key', () => {
    expect(() => parseThreshold({ warn: '> 5s', fail: '> 1s' }, 'ms', 'thresholds.postgres.connect-time')).toThrow(
      new ConfigError('thresholds.postgres.connect-time: fail "> 1s" is reached before warn "> 5s"; fail must be the same as or higher than warn'),
    );
    expect(() => parseThreshold({ warn: '< 99%', fail: '< 99.5%' }, '%', 't')).toThrow(/^t: fail "< 99.5%" is reached before warn "< 99%"; fail must be the same as or lower than warn$/);
    const checks = [{ id: 'postgres.connect-time', unit: 'ms' as const, thresholds: { warn: '> 2s', fail: '> 8s' } }];
    expect(() => resolveThresholds(checks, { 'postgres.connect-time': { fail: '> 1s' } })).toThrow(/^thresholds\.postgres\.connect-time: fail "> 1s" is reached before warn "> 2s"/);
    expect(parseThreshold({ warn: '>= 5s', fail: '> 5s' }, 'ms', 't').fail?.value).toBe(5000);
  });

  it('judges fail before warn, and pass otherwise, in both directions', () => {
    const above = parseThreshold({ warn: '>= 80%', fail: '>= 90%' }, '%', 't');
    expect(judge(above, 79.9, '%')).toBe('pass');
    expect(judge(above, 80, '%')).toBe('warn');
    expect(judge(above, 90, '%')).toBe('fail');
    const below = parseThreshold({ warn: '< 99.95%', fail: '< 99.9%' }, '%', 't');
    expect(judge(below, 99.99, '%')).toBe('pass');
    expect(judge(below, 99.92, '%')).toBe('warn');
    expect(judge(below, 99.5, '%')).toBe('fail');
    const time = parseThreshold({ warn: '> 200ms', fail: '> 1s' }, 'ms', 't');
    expect(judge(time, 0.5, 's' as never)).toBe('warn');
  });

  it('merges config overrides over defaults and refuses unknown check ids', () => {
    const checks = [{ id: 'postgres.connect-time', unit: 'ms' as const, thresholds: { warn: '> 2s', fail: '> 8s' } }];
    const t = resolveThresholds(checks, { 'postgres.connect-time': { fail: '> 4s' } });
    expect(t.get('postgres.connect-time')?.warn?.text).toBe('> 2s');
    expect(t.get('postgres.connect-time')?.fail?.text).toBe('> 4s');
    expect(() => resolveThresholds(checks, { 'postgres.conect-time': { fail: '> 4s' } })).toThrow(
      /thresholds\.postgres\.conect-time: no check has this id; known ids in this domain: postgres\.connect-time/,
    );
  });

  it('parses durations for flags and config', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('400d')).toBe(400 * 86_400_000);
    expect(parseDuration('1500ms')).toBe(1500);
    expect(parseDuration('soon')).toBeUndefined();
  });
});
