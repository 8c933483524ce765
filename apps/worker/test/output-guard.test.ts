import { describe, expect, it } from 'vitest';
import { DEFAULT_OUTPUT_LIMITS, guardOutput, nestsDeeperThan } from '../src/output-guard.js';

const limits = { maxBytes: 1000, maxDepth: 5 };

function nested(depth: number): unknown {
  let value: unknown = 0;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

describe('guardOutput', () => {
  it('hands back the JSON text of the output and variable updates, to be reported as it is', () => {
    expect(guardOutput({ a: [1, 'x'] }, { total: 3 }, limits)).toEqual({ ok: true, outputJson: '{"a":[1,"x"]}', variableUpdatesJson: '{"total":3}' });
    expect(guardOutput(undefined, undefined, limits)).toEqual({ ok: true, outputJson: undefined, variableUpdatesJson: undefined });
    expect(guardOutput(null, {}, limits)).toEqual({ ok: true, outputJson: 'null', variableUpdatesJson: '{}' });
  });

  it('fails OUTPUT_TOO_LARGE over the byte limit, counting UTF-8 bytes of output and variable updates together', () => {
    // 300 three-byte characters each: 900 + 2 and 900 + 11 bytes, within the limit only one at a time.
    const wide = '€'.repeat(300);
    expect(guardOutput(wide, undefined, limits).ok).toBe(true);
    expect(guardOutput(wide, { v: wide }, limits)).toEqual({
      ok: false,
      error: { code: 'OUTPUT_TOO_LARGE', message: expect.stringContaining('1810 bytes'), details: { bytes: 1810, limit: 1000 } },
    });
    expect(guardOutput('x'.repeat(998), undefined, limits).ok).toBe(true);
    expect(guardOutput('x'.repeat(999), undefined, limits)).toMatchObject({ ok: false, error: { details: { bytes: 1001, limit: 1000 } } });
  });

  it('fails OUTPUT_TOO_LARGE nested deeper than the limit, in the output or in a variable update', () => {
    expect(guardOutput(nested(5), undefined, limits).ok).toBe(true);
    expect(guardOutput(nested(6), undefined, limits)).toEqual({
      ok: false,
      error: { code: 'OUTPUT_TOO_LARGE', message: expect.stringContaining('5 levels'), details: { maxDepth: 5 } },
    });
    expect(guardOutput(1, { fine: nested(5) }, limits).ok).toBe(true);
    expect(guardOutput(1, { deep: nested(6) }, limits)).toMatchObject({ ok: false, error: { code: 'OUTPUT_TOO_LARGE', details: { maxDepth: 5 } } });
    // Brackets inside strings are text, not levels.
    expect(guardOutput('[[[[[[[[[[', undefined, limits).ok).toBe(true);
  });

  it('fails OUTPUT_TOO_LARGE on an output too deep to serialize at all: the 100,000-deep JSON body of a hostile server', () => {
    const hostile: unknown = JSON.parse('['.repeat(100_000) + ']'.repeat(100_000));
    expect(() => JSON.stringify(hostile)).toThrow(RangeError);
    expect(guardOutput({ status: 200, body: hostile }, undefined, DEFAULT_OUTPUT_LIMITS)).toEqual({
      ok: false,
      error: { code: 'OUTPUT_TOO_LARGE', message: expect.any(String), details: { maxDepth: 200 } },
    });
  });

  it('fails OUTPUT_NOT_SERIALIZABLE on a NUL character (PostgreSQL cannot store it) or a BigInt', () => {
    expect(guardOutput({ text: 'a\u0000b' }, undefined, limits)).toMatchObject({
      ok: false,
      error: { code: 'OUTPUT_NOT_SERIALIZABLE', message: expect.stringContaining('NUL') },
    });
    expect(guardOutput(1, { v: '\u0000' }, limits)).toMatchObject({ ok: false, error: { code: 'OUTPUT_NOT_SERIALIZABLE' } });
    // A backslash followed by the text "u0000" is not a NUL.
    expect(guardOutput('\\u0000', undefined, limits)).toEqual({ ok: true, outputJson: '"\\\\u0000"', variableUpdatesJson: undefined });
    expect(guardOutput(10n, undefined, limits)).toMatchObject({ ok: false, error: { code: 'OUTPUT_NOT_SERIALIZABLE' } });
  });

  it('counts levels of arrays and objects on the value, the value itself being the first, and a cycle as endless', () => {
    expect(nestsDeeperThan({ a: [1, [2]] }, 2)).toBe(true);
    expect(nestsDeeperThan({ a: [1, [2]] }, 3)).toBe(false);
    expect(nestsDeeperThan('[[[[', 0)).toBe(false);
    expect(nestsDeeperThan([], 0)).toBe(true);
    const cycle: Record<string, unknown> = {};
    cycle['self'] = cycle;
    expect(nestsDeeperThan(cycle, 200)).toBe(true);
    expect(guardOutput(cycle, undefined, limits)).toMatchObject({ ok: false, error: { code: 'OUTPUT_TOO_LARGE' } });
  });

  it('lets any other throw through: a broken toJSON is a bug for the processor to report', () => {
    expect(() =>
      guardOutput(
        {
          toJSON() {
            throw new Error('broken');
          },
        },
        undefined,
        limits,
      ),
    ).toThrow('broken');
  });
});
