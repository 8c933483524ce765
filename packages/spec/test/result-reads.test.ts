import { describe, expect, it } from 'vitest';
import { expressionResultReads, mergeReads, scriptResultReads, templateResultReads, type ResultReads } from '@agentic-flow/spec';

const steps = (reads: ResultReads): string[] | 'all' => (reads.all ? 'all' : [...reads.steps].sort());

describe('result reads', () => {
  it('lists the steps an expression reads by name', () => {
    expect(steps(expressionResultReads('results["data-fetch"].quality > 0.8'))).toEqual(['data-fetch']);
    expect(steps(expressionResultReads('results.a.ok && results[`b`] !== results[3]?.x'))).toEqual(['3', 'a', 'b']);
    expect(steps(expressionResultReads('variables.n > 2 // results everywhere in a comment'))).toEqual([]);
    expect(steps(expressionResultReads('({ results: 1 }).results + x.results'))).toEqual([]);
  });

  it('reads everything when results is used any other way', () => {
    for (const code of [
      'Object.keys(results).length > 0',
      'results[variables.name]',
      '"a" in results',
      '((r) => r.a)(results)',
      '({ results }).results.a',
      '(() => { const { a } = results; return a; })()',
      'eval("results.a")',
      '(function () { return arguments[0]; })(1)',
      'results',
    ]) {
      expect(steps(expressionResultReads(code)), code).toBe('all');
    }
  });

  it('reads everything for code that does not parse, or nests too deeply to walk', () => {
    expect(steps(expressionResultReads('results.a >'))).toBe('all');
    expect(steps(expressionResultReads(`${'('.repeat(100_000)}results.a${')'.repeat(100_000)}`))).toBe('all');
  });

  it('reads scripts as async function bodies', () => {
    expect(steps(scriptResultReads('const rows = results.fetch.body;\nawait null;\nreturn rows.map((r) => r.id);'))).toEqual(['fetch']);
    expect(steps(scriptResultReads('for (const k in results) console.log(k);'))).toBe('all');
    expect(steps(scriptResultReads('return 1;'))).toEqual([]);
  });

  it('reads templates: results.<step> paths, and everything for a bare results', () => {
    expect(steps(templateResultReads({ url: 'http://x/{{ results.a.id }}', body: { b: '{{results["b-c"][0]}}', n: 1 } }))).toEqual(['a', 'b-c']);
    expect(steps(templateResultReads({ body: '{{ results }}' }))).toBe('all');
    expect(steps(templateResultReads({ url: '{{ variables.base }}' }))).toEqual([]);
  });

  it('reads steps[id] (what steps reported beside their results) the same way, apart from results', () => {
    expect(steps(expressionResultReads('steps["data-fetch"].status === 200 && results.a', 'steps'))).toEqual(['data-fetch']);
    expect(steps(expressionResultReads('steps["data-fetch"].status === 200 && results.a'))).toEqual(['a']);
    expect(steps(scriptResultReads('return Object.keys(steps);', 'steps'))).toBe('all');
    expect(steps(templateResultReads({ url: 'http://x/{{ steps.a.status }}/{{ results.b.id }}' }, 'steps'))).toEqual(['a']);
  });

  it('merges', () => {
    expect(steps(mergeReads(expressionResultReads('results.a'), expressionResultReads('results.b')))).toEqual(['a', 'b']);
    expect(steps(mergeReads(expressionResultReads('results.a'), expressionResultReads('results')))).toBe('all');
  });
});
