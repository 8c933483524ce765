import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, findJsonProblem, formatPath } from '@agentic-flow/spec';

/** `depth` arrays nested in one another, innermost holding `leaf`. Built without recursion. */
function nestedArrays(depth: number, leaf: unknown = 1): unknown {
  let value: unknown = leaf;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

describe('findJsonProblem', () => {
  it('finds nothing wrong in ordinary values, emoji included', () => {
    for (const value of [null, 0, true, 'text', '😀 pairs are fine', [], {}, { a: [1, { b: 'c', '😀': ['x'] }] }]) expect(findJsonProblem(value)).toBeNull();
  });

  it('names the first NUL character, in a string or a key, by its path', () => {
    expect(findJsonProblem('a\u0000')).toEqual({ kind: 'nul', path: [] });
    expect(findJsonProblem({ steps: [{ id: 'a' }, { config: { script: 'x\u0000' } }] })).toEqual({ kind: 'nul', path: ['steps', 1, 'config', 'script'] });
    expect(findJsonProblem({ variables: { 'a\u0000b': 1 } })).toEqual({ kind: 'nul', path: ['variables', 'a\u0000b'] });
    // Document order: the earlier of two offenders.
    expect(findJsonProblem({ a: ['ok', '\u0000'], b: '\u0000' })).toEqual({ kind: 'nul', path: ['a', 1] });
  });

  it('names lone surrogates, high or low, but not pairs', () => {
    expect(findJsonProblem({ name: 'x\ud800' })).toEqual({ kind: 'lone-surrogate', path: ['name'] });
    expect(findJsonProblem({ name: '\udc00x' })).toEqual({ kind: 'lone-surrogate', path: ['name'] });
    expect(findJsonProblem({ name: '\ud83d\ude00\ud83d' })).toEqual({ kind: 'lone-surrogate', path: ['name'] });
    expect(findJsonProblem([{ '\udfff': 1 }])).toEqual({ kind: 'lone-surrogate', path: [0, '\udfff'] });
    expect(findJsonProblem(JSON.parse('{"a": "\\ud800"}'))).toEqual({ kind: 'lone-surrogate', path: ['a'] });
  });

  it('formats paths readably, quoting keys that are not identifiers', () => {
    const problem = findJsonProblem({ variables: { 'a\u0000b': 1 } })!;
    expect(formatPath(problem.path)).toBe('$.variables["a\\u0000b"]');
    expect(formatPath(findJsonProblem({ steps: [{ config: { script: '\u0000' } }] })!.path)).toBe('$.steps[0].config.script');
  });

  it('allows MAX_JSON_DEPTH levels and names the first container past them', () => {
    expect(MAX_JSON_DEPTH).toBe(200);
    expect(findJsonProblem(nestedArrays(200))).toBeNull();
    expect(findJsonProblem(nestedArrays(201))).toEqual({ kind: 'too-deep', path: new Array(200).fill(0) });
    expect(findJsonProblem({ a: { b: { c: {} } } }, { maxDepth: 3 })).toEqual({ kind: 'too-deep', path: ['a', 'b', 'c'] });
    expect(findJsonProblem({ a: { b: { c: 'scalars do not nest' } } }, { maxDepth: 3 })).toBeNull();
    expect(findJsonProblem([], { maxDepth: 0 })).toEqual({ kind: 'too-deep', path: [] });
  });

  it('walks values 100,000 levels deep without overflowing the stack', () => {
    const deep = nestedArrays(100_000, { x: 'a\u0000' });
    expect(findJsonProblem(deep)?.kind).toBe('too-deep');
    const found = findJsonProblem(deep, { maxDepth: Infinity });
    expect(found?.kind).toBe('nul');
    expect(found?.path).toHaveLength(100_001);
    expect(findJsonProblem(JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`), { maxDepth: Infinity })).toBeNull();
  });

  it('ends on a cycle as too deep', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(findJsonProblem(cyclic, { maxDepth: 5 })).toEqual({ kind: 'too-deep', path: ['self', 'self', 'self', 'self', 'self'] });
  });

  it('is one cheap pass: a 5 MB body in well under 100 ms', () => {
    const body = {
      steps: Array.from({ length: 20_000 }, (_, i) => ({
        id: `step-${i}`,
        type: 'script',
        config: { script: `return ${'x'.repeat(150)};`, tags: ['a', 'b', { n: i }] },
      })),
    };
    expect(JSON.stringify(body).length).toBeGreaterThan(4_000_000);
    findJsonProblem(body);
    const started = performance.now();
    expect(findJsonProblem(body)).toBeNull();
    expect(performance.now() - started).toBeLessThan(100);
  });
});
