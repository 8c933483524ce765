import { describe, expect, it } from 'vitest';
import { parseQueryString } from '../src/http/request-text.js';

describe('parseQueryString', () => {
  it('decodes keys and values, "+" as a space, repeated keys as arrays', () => {
    expect({ ...parseQueryString('a=1&b=x+y%2Bz&a=2&a=3&empty=&flag&&c=%E2%82%AC') }).toEqual({ a: ['1', '2', '3'], b: 'x y+z', empty: '', flag: '', c: '€' });
    expect({ ...parseQueryString('') }).toEqual({});
  });

  it('keeps "__proto__" as an ordinary key of an object without a prototype', () => {
    const query = parseQueryString('__proto__=x');
    expect(Object.getPrototypeOf(query)).toBeNull();
    expect(Object.keys(query)).toEqual(['__proto__']);
  });

  it('marks text that is not percent-encoded UTF-8 instead of passing it on raw, and never throws', () => {
    for (const text of ['workflowId=%ZZ', 'a=%ED%A0%80', '%E0=1', 'a=%', 'ok=1&bad=%C3']) {
      const query = parseQueryString(text);
      expect(Object.getOwnPropertySymbols(query), text).toHaveLength(1);
      expect(
        Object.values(query).some((v) => String(v).includes('%')),
        text,
      ).toBe(false);
    }
  });
});
