import { describe, expect, it } from 'vitest';
import { scriptNamedReads, scriptResultReads, stepResultReads, validateDefinition, type ResultReads, type Step } from '@agentic-flow/spec';
import { script } from './fixtures.js';

const steps = (reads: ResultReads): string[] | 'all' => (reads.all ? 'all' : [...reads.steps].sort());

const wf = (steps: unknown[]) => ({ id: 'w', name: 'W', version: '1', steps });

/** A definition of three scripts `a`, `b` and `merge` (after both), `merge` with `config`. */
function mergeAfter(config: Record<string, unknown>) {
  return wf([script('a', ['merge']), script('b', ['merge']), { id: 'merge', type: 'script', config }]);
}

function stepOf(input: unknown, id: string): Step {
  const result = validateDefinition(input);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.definition.steps.find((step) => step.id === id)!;
}

function problemsOf(input: unknown) {
  const result = validateDefinition(input);
  if (result.ok) throw new Error('expected problems');
  return result.problems;
}

describe('the steps a script names', () => {
  it('are found even where the code also reads results dynamically', () => {
    const code = 'const all = Object.keys(results);\nreturn [results.a, results["b"], all];';
    expect(steps(scriptResultReads(code))).toBe('all');
    expect([...scriptNamedReads(code)].sort()).toEqual(['a', 'b']);
  });

  it('are none for code that does not parse, and read `steps` the same way', () => {
    expect([...scriptNamedReads('return results.a +')]).toEqual([]);
    expect([...scriptNamedReads('return steps.api.status + results.a;', 'steps')]).toEqual(['api']);
  });
});

describe('script config.context.results', () => {
  it('gives the listed steps plus those the code names, however the code reads', () => {
    const merge = stepOf(mergeAfter({ script: 'return [Object.keys(results), results.b];', context: { results: ['a'] } }), 'merge');
    expect(steps(stepResultReads(merge, 'results'))).toEqual(['a', 'b']);
  });

  it('adds what the config reads through templates, and leaves `steps` to the code', () => {
    const merge = stepOf(mergeAfter({ script: 'return Object.keys(results).concat(Object.keys(steps));', context: { results: ['a'] } }), 'merge');
    expect(steps(stepResultReads(merge, 'results'))).toEqual(['a']);
    expect(steps(stepResultReads(merge, 'steps'))).toBe('all');
  });

  it('changes nothing when omitted: dynamic code reads everything', () => {
    const merge = stepOf(mergeAfter({ script: 'return Object.keys(results);' }), 'merge');
    expect(steps(stepResultReads(merge, 'results'))).toBe('all');
  });
});

describe('context.results entries', () => {
  it('must name steps of the workflow, for scripts and agents alike', () => {
    const input = wf([
      script('a', ['merge', 'ask']),
      { id: 'merge', type: 'script', config: { script: 'return 1;', context: { results: ['a', 'nope'] } } },
      { id: 'ask', type: 'agent-task', config: { goal: 'Sum up', context: { results: ['gone', 'a'] } } },
    ]);
    expect(problemsOf(input)).toEqual([
      { path: '$.steps[1].config.context.results[1]', message: 'unknown step "nope"' },
      { path: '$.steps[2].config.context.results[0]', message: 'unknown step "gone"' },
    ]);
  });

  it('must not name a step twice', () => {
    const problems = problemsOf(mergeAfter({ script: 'return 1;', context: { results: ['a', 'b', 'a'] } }));
    expect(problems).toEqual([{ path: '$.steps[2].config.context.results[2]', message: 'lists step "a" twice' }]);
  });

  it('are step ids, and a script context has nothing else', () => {
    expect(problemsOf(mergeAfter({ script: 'return 1;', context: { results: ['a/b'] } })).map((p) => p.path)).toContain('$.steps[2].config.context.results[0]');
    expect(problemsOf(mergeAfter({ script: 'return 1;', context: { variables: ['x'] } })).map((p) => p.path)).toEqual(['$.steps[2].config.context.variables']);
  });
});
