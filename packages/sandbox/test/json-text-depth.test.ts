import { describe, expect, it } from 'vitest';
import { jsonNestsDeeperThan } from '@agentic-flow/sandbox';

describe('jsonNestsDeeperThan', () => {
  it('counts nesting of arrays and objects, not brackets inside strings', () => {
    expect(jsonNestsDeeperThan('{"a":[1,[2]]}', 3)).toBe(false);
    expect(jsonNestsDeeperThan('{"a":[1,[2]]}', 2)).toBe(true);
    expect(jsonNestsDeeperThan(JSON.stringify({ s: '[[[[[[[[[[{{{{{{{{' }), 1)).toBe(false);
    expect(jsonNestsDeeperThan(JSON.stringify({ s: 'a\\"[[[[[[[[[[' }), 1)).toBe(false);
    expect(jsonNestsDeeperThan(JSON.stringify(['\\', [['x']]]), 2)).toBe(true);
    expect(jsonNestsDeeperThan('"[[[[[["', 0)).toBe(false);
    expect(jsonNestsDeeperThan('[[],[],[[]]]', 3)).toBe(false);
    expect(jsonNestsDeeperThan('[[],[],[[]]]', 2)).toBe(true);
  });

  it('scans text far too deep for a recursive walk', () => {
    const deep = '['.repeat(1_000_000) + ']'.repeat(1_000_000);
    expect(jsonNestsDeeperThan(deep, 200)).toBe(true);
    expect(jsonNestsDeeperThan(`[${'1,'.repeat(100_000)}1]`, 200)).toBe(false);
  });
});
