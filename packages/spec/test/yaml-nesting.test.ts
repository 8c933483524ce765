import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseDocument, stringify } from 'yaml';
import { findJsonProblem, findYamlNestingExcess } from '@agentic-flow/spec';

/** The real nesting of a (shallow enough) YAML text, to check the bound against. */
function depthOf(text: string): number {
  for (let depth = 0; ; depth++) if (findJsonProblem(parseDocument(text, { logLevel: 'error' }).toJS(), { maxDepth: depth }) === null) return depth;
}

describe('findYamlNestingExcess', () => {
  const samples = [
    'a: 1',
    'a:\n  b:\n    c: [1, {d: [2]}]\n',
    'steps:\n- id: a\n  next: [b]\n- id: b\n  config:\n    script: |\n      return [[[[ 1 ]]]]; # ]]]] not structure\n    more: 1\n',
    'a:\n- x\nb:\n- y\nc:\n- - - z\n  - w\n',
    '? - a\n  - b\n: - c\n',
    'a: "[[[[ quoted ]]]]"\nb: \'{{{{\'\nc: plain [ text\n# [[[[ comment\n',
    '- - - - - x\n      - y\n',
    'a: >-\n  folded [[[\n  text\nb: {c: {d: {e: []}}}\n',
    '--- \na: [1]\n',
  ];

  it('never counts less than the real nesting, and is exact on ordinary layouts', () => {
    for (const text of samples) {
      const real = depthOf(text);
      expect(findYamlNestingExcess(text, real), text).toBeNull();
      if (real > 0) expect(findYamlNestingExcess(text, real - 1), text).not.toBeNull();
    }
    // A collection as a key becomes a string key, but the parser still nests into it: counted.
    expect(findYamlNestingExcess('[a, [b, [c]]]: key\n', 3)).not.toBeNull();
  });

  it('never undercounts YAML written in any style (property)', () => {
    const style = fc.record({
      indent: fc.integer({ min: 1, max: 4 }),
      indentSeq: fc.boolean(),
      collectionStyle: fc.constantFrom('any', 'block', 'flow'),
      defaultStringType: fc.constantFrom('PLAIN', 'BLOCK_LITERAL', 'QUOTE_DOUBLE', 'QUOTE_SINGLE'),
      lineWidth: fc.constantFrom(0, 20, 80),
    } as const);
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 12 }), style, (value, options) => {
        const text = stringify(value, options);
        const real = depthOf(text);
        expect(findYamlNestingExcess(text, real)).toBeNull();
        if (real > 0) expect(findYamlNestingExcess(text, real - 1)).not.toBeNull();
      }),
      { seed: 20_260_101, numRuns: 300 },
    );
  });

  it('ignores brackets, dashes and colons inside scalars, comments and block scalars', () => {
    const text = `script: |\n  ${'['.repeat(500)}\n  - - - - -\nq: "${'{'.repeat(500)}"\n# ${'['.repeat(500)}\n`;
    expect(findYamlNestingExcess(text, 2)).toBeNull();
  });

  it('names the line and column where flow or block nesting crosses the limit', () => {
    expect(findYamlNestingExcess('a:\n  b: [[[1]]]\n', 3)).toEqual({ line: 2, column: 7 });
    expect(findYamlNestingExcess('a:\n  b:\n    c:\n      d: 1\n', 3)).toEqual({ line: 4, column: 8 });
    expect(findYamlNestingExcess('- - - x', 2)).toEqual({ line: 1, column: 5 });
  });

  it('cannot be fooled by closing brackets in comments', () => {
    // Each line opens a real level; the "]" after "#" closes nothing.
    expect(findYamlNestingExcess('[ # ]\n'.repeat(300), 200)).toEqual({ line: 201, column: 1 });
  });

  it('is linear: a 5 MB text of brackets in well under a second', () => {
    const started = performance.now();
    expect(findYamlNestingExcess(`a: ${'['.repeat(2_500_000)}${']'.repeat(2_500_000)}`, 200)).toEqual({ line: 1, column: 203 });
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
