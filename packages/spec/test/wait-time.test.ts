import { describe, expect, it } from 'vitest';
import { MAX_WAIT_MS, parseDuration, parseInstant, validateDefinition } from '@agentic-flow/spec';

const ms = (value: unknown) => {
  const parsed = parseDuration(value);
  return parsed.ok ? parsed.ms : parsed.reason;
};

describe('parseDuration', () => {
  it.each([
    [0, 0],
    [1500, 1500],
    [0.5, 1],
    ['0s', 0],
    ['500ms', 500],
    ['30s', 30_000],
    ['15m', 900_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['1h30m', 5_400_000],
    ['1d2h3m4s5ms', 93_784_005],
    ['366d', MAX_WAIT_MS],
    [MAX_WAIT_MS, MAX_WAIT_MS],
  ])('%j is %d ms', (value, expected) => {
    expect(ms(value)).toBe(expected);
  });

  it.each([
    '-5s',
    ' 5m',
    '5m ',
    '5 m',
    '1e400m',
    '1e3s',
    '1.5s',
    '+5s',
    '5',
    '',
    's',
    'ms',
    '5x',
    '30m1h',
    '1h1h',
    '5M',
    '0x10s',
    'Infinitys',
    '\u0665s',
    '５s',
    `${'9'.repeat(400)}m`,
    '367d',
    '9007199254740993ms',
    '99999999999999999999d',
  ])('refuses %j', (value) => {
    expect(parseDuration(value).ok).toBe(false);
  });

  it.each([-1, -0.001, Number.NaN, Number.POSITIVE_INFINITY, MAX_WAIT_MS + 1, 2 ** 53, Number.MAX_VALUE, null, true, {}, [], undefined])(
    'refuses %j',
    (value) => {
      expect(parseDuration(value).ok).toBe(false);
    },
  );

  it('says why, and never echoes more than 64 characters of the value', () => {
    const reason = ms(`${'x'.repeat(10_000)}`) as string;
    expect(reason).toContain('is not a duration');
    expect(reason.length).toBeLessThan(300);
    expect(ms(-5)).toBe('must not be negative');
  });
});

describe('parseInstant', () => {
  it.each([
    ['2030-01-01T09:00:00Z', Date.UTC(2030, 0, 1, 9)],
    ['2030-01-01T10:00:00+01:00', Date.UTC(2030, 0, 1, 9)],
    ['2030-01-01T09:00Z', Date.UTC(2030, 0, 1, 9)],
    ['2030-01-01T09:00:00.250Z', Date.UTC(2030, 0, 1, 9, 0, 0, 250)],
    ['2028-02-29T00:00:00Z', Date.UTC(2028, 1, 29)],
  ])('%s', (value, at) => {
    expect(parseInstant(value)).toEqual({ ok: true, at });
  });

  it.each([
    '2030-01-01T09:00:00',
    '2030-01-01',
    '2030-02-30T00:00:00Z',
    '2029-02-29T00:00:00Z',
    '2030-13-01T00:00:00Z',
    '2030-01-01T25:00:00Z',
    'tomorrow',
    ' 2030-01-01T09:00:00Z',
    '1893488400000',
    '',
  ])('refuses %j', (value) => {
    expect(parseInstant(value).ok).toBe(false);
  });

  it.each([1_893_488_400_000, null, {}])('refuses the non-string %j', (value) => {
    expect(parseInstant(value).ok).toBe(false);
  });
});

describe('the wait step schema', () => {
  const problems = (config: unknown) => {
    const result = validateDefinition({ id: 'w', name: 'W', version: '1', steps: [{ id: 'pause', type: 'wait', config }] });
    return result.ok ? [] : result.problems.map((p) => p.path);
  };

  it('accepts a duration, an instant, or a template for either', () => {
    expect(problems({ duration: '1h30m' })).toEqual([]);
    expect(problems({ duration: 1500 })).toEqual([]);
    expect(problems({ until: '2030-01-01T09:00:00Z' })).toEqual([]);
    expect(problems({ until: '{{ variables.deadline }}' })).toEqual([]);
    expect(problems({ duration: '{{ variables.delay }}' })).toEqual([]);
  });

  it('refuses bad values with their paths', () => {
    expect(problems({ duration: -1 })).toEqual(['$.steps[0].config.duration']);
    expect(problems({ duration: '5 m' })).toEqual(['$.steps[0].config.duration']);
    expect(problems({ until: 'next tuesday' })).toEqual(['$.steps[0].config.until']);
    expect(problems({ until: 1_893_488_400_000 })).toEqual(['$.steps[0].config.until']);
  });

  it('needs exactly one of duration and until', () => {
    expect(problems({})).toEqual(['$.steps[0].config']);
    expect(problems({ duration: '1s', until: '2030-01-01T09:00:00Z' })).toEqual(['$.steps[0].config']);
    expect(problems({ duration: '1s', extra: 1 })).toHaveLength(1);
  });
});
