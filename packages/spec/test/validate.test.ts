import { describe, expect, it } from 'vitest';
import { MAX_SCOPE_DEPTH, validateDefinition, type WorkflowDefinitionInput } from '@agentic-flow/spec';
import { linear, quickStart, script } from './fixtures.js';

const wf = (steps: unknown[], extra: Record<string, unknown> = {}) => ({ id: 'w', name: 'W', version: '1', steps, ...extra });

function problemsOf(input: unknown) {
  const result = validateDefinition(input);
  if (result.ok) throw new Error('expected problems');
  return result.problems;
}

describe('validateDefinition', () => {
  it('accepts the Quick Start and applies defaults', () => {
    const result = validateDefinition(quickStart());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const fetch = result.definition.steps[0]!;
    expect(fetch.type).toBe('http');
    if (fetch.type !== 'http') return;
    expect(fetch.config).toMatchObject({ method: 'GET', retries: 3, timeout: 30_000, retryDelay: 1000, headers: {} });
    expect(result.definition.steps[1]!.next).toEqual(['save-results']);
    expect(result.definition.steps[2]!.next).toEqual([]);
    expect(result.graph.entries.get('')).toEqual(['fetch-data']);
  });

  it('accepts every step type with every option the seed names', () => {
    const result = validateDefinition(
      wf(
        [
          {
            id: 'ai',
            type: 'agent-task',
            config: { agentType: 'coordinator', goal: 'Analyze {{ variables.topic }}', capabilities: ['nlp', 'sentiment'], timeout: 30000, provider: 'openai' },
            next: ['par'],
          },
          { id: 'par', type: 'parallel', config: { steps: ['a', 'b'], maxConcurrency: 3 }, next: ['check'] },
          script('a'),
          script('b'),
          { id: 'check', type: 'condition', config: { condition: 'results["a"] > 0.8', trueStep: 'batches', falseStep: 'api' } },
          {
            id: 'batches',
            type: 'loop',
            config: { condition: 'variables.i < 3', loopStep: 'one', maxIterations: 100, breakCondition: 'results["one"].error' },
          },
          script('one'),
          {
            id: 'api',
            type: 'http',
            config: {
              method: 'POST',
              url: 'https://example.test/x',
              headers: { Authorization: 'Bearer {{variables.token}}' },
              body: { data: '{{results["a"]}}' },
              timeout: 10000,
              retries: 3,
              retryDelay: 1000,
            },
          },
          {
            id: 'tx',
            type: 'script',
            config: { script: 'return 1', language: 'javascript', timeout: 30000, allowedModules: ['lodash', 'uuid'] },
            onError: { type: 'retry', maxAttempts: 3, retryDelay: 2000 },
          },
        ],
        { variables: { i: 0 }, triggers: [{ type: 'manual' }, { type: 'schedule', cron: '*/5 * * * *' }] },
      ),
    );
    // "tx" has no predecessor: it is a second entry step, which is allowed.
    expect(result.ok ? [] : result.problems).toEqual([]);
  });

  it('reports every problem at once, each with a JSON path', () => {
    const problems = problemsOf(
      wf([
        { id: 'a', type: 'http', config: { url: 'http://x', retires: 3 }, next: ['b', 'ghost'] },
        { id: 'b', type: 'bogus', config: {} },
        { id: 'a', type: 'script', config: { script: 'return 1' } },
        { id: 'c', type: 'script', config: {} },
      ]),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        { path: '$.steps[0].config.retires', message: 'unknown field "retires"' },
        { path: '$.steps[1].type', message: expect.stringContaining('unknown step type') },
        { path: '$.steps[2].id', message: 'duplicate step id "a" (first used at $.steps[0])' },
        { path: '$.steps[0].next[1]', message: 'unknown step "ghost"' },
        { path: '$.steps[3].config.script', message: 'is required (string)' },
      ]),
    );
    expect(problems.length).toBeGreaterThanOrEqual(5);
  });

  it('reports unknown references from every kind of reference', () => {
    const problems = problemsOf(
      wf([
        { id: 'c', type: 'condition', config: { condition: 'true', trueStep: 'x1', falseStep: 'x2' }, next: ['p'] },
        { id: 'p', type: 'parallel', config: { steps: ['x3'] }, next: ['l'] },
        { id: 'l', type: 'loop', config: { loopStep: 'x4' }, onError: { type: 'alternative', alternativeStep: 'x5' } },
        { ...script('r'), onError: { type: 'rollback', rollbackSteps: ['x6'] } },
      ]),
    ).map((p) => p.path);
    expect(problems).toEqual(
      expect.arrayContaining([
        '$.steps[0].config.trueStep',
        '$.steps[0].config.falseStep',
        '$.steps[1].config.steps[0]',
        '$.steps[2].config.loopStep',
        '$.steps[2].onError.alternativeStep',
        '$.steps[3].onError.rollbackSteps[0]',
      ]),
    );
  });

  it('rejects cycles outside loops and self references', () => {
    const cycle = problemsOf(wf([script('start', ['a']), script('a', ['b']), script('b', ['a'])]));
    expect(cycle).toContainEqual({ path: '$.steps[1]', message: 'steps "a", "b" form a cycle; only a loop step repeats work' });
    const self = problemsOf(wf([script('a', ['a'])]));
    expect(self).toContainEqual({ path: '$.steps[0].next[0]', message: 'step "a" refers to itself; only a loop step repeats work' });
  });

  it('rejects a loop body that leads back to its loop', () => {
    const problems = problemsOf(wf([{ id: 'l', type: 'loop', config: { loopStep: 'body' } }, script('body', ['l'])]));
    expect(problems.some((p) => p.message.includes('form a cycle'))).toBe(true);
  });

  it('reports steps that nothing leads to and definitions with no entry', () => {
    // x ⇄ y is a cycle nothing enters; k hangs off it, so no entry step reaches k.
    const orphan = problemsOf(wf([script('a'), script('x', ['y', 'k']), script('y', ['x']), script('k')]));
    expect(orphan.map((p) => p.message)).toEqual([
      'steps "x", "y" form a cycle; only a loop step repeats work',
      'step "k" is unreachable: no entry step leads to it',
    ]);
    const none = problemsOf(wf([script('a', ['b']), script('b', ['a'])]));
    expect(none).toContainEqual({ path: '$.steps', message: 'no entry step: every step is the target of another step, so nothing can start' });
  });

  it('keeps branches and loop bodies closed', () => {
    const leak = problemsOf(
      wf([{ id: 'p', type: 'parallel', config: { steps: ['a', 'b'] }, next: ['join'] }, script('a', ['join']), script('b'), script('join')]),
    );
    expect(leak).toContainEqual({
      path: '$.steps[1].next[0]',
      message: expect.stringContaining('"join" belongs to the top level but is reached from "a" in the branch of "p"'),
    });
    const twice = problemsOf(
      wf([{ id: 'p', type: 'parallel', config: { steps: ['a'] }, next: ['l'] }, { id: 'l', type: 'loop', config: { loopStep: 'a' } }, script('a')]),
    );
    expect(twice).toContainEqual({ path: '$.steps[1].config.loopStep', message: expect.stringContaining('already the root of a branch of "p"') });
    const entered = problemsOf(wf([{ id: 'p', type: 'parallel', config: { steps: ['a'] }, next: ['a'] }, script('a')]));
    expect(entered.some((p) => p.message.includes('starts a branch of "p" and cannot also follow "p"'))).toBe(true);
  });

  it('accepts joins, diamonds and nested containers', () => {
    const ok = validateDefinition(
      wf([
        script('start', ['left', 'right']),
        script('left', ['join']),
        script('right', ['join']),
        script('join', ['outer']),
        { id: 'outer', type: 'loop', config: { loopStep: 'inner', maxIterations: 3 } },
        { id: 'inner', type: 'parallel', config: { steps: ['x', 'y'] }, next: ['after'] },
        script('x', ['x2']),
        script('x2'),
        { id: 'y', type: 'condition', config: { condition: 'true', trueStep: 'yt' } },
        script('yt'),
        script('after'),
      ]),
    );
    expect(ok.ok ? [] : ok.problems).toEqual([]);
    if (!ok.ok) return;
    expect(ok.graph.scopeOf.get('after')).toBe('inner');
    expect(ok.graph.scopeOf.get('inner')).toBe('inner');
    expect(ok.graph.scopeOf.get('x2')).toBe('x');
    expect(ok.graph.scopeOf.get('yt')).toBe('y');
    expect(ok.graph.containerOf.get('x')).toBe('inner');
    expect(ok.graph.predecessors.get('join')).toEqual(['left', 'right']);
    expect(ok.graph.members.get('x')).toEqual(['x', 'x2']);
  });

  it('accepts steps that only onError names as alternatives or compensations, in the scope of the step they recover', () => {
    const result = validateDefinition(
      wf([
        { ...script('pay'), onError: { type: 'rollback', rollbackSteps: ['undo-1', 'undo-2'] }, next: ['p'] },
        script('undo-1'),
        script('undo-2'),
        { id: 'p', type: 'parallel', config: { steps: ['fetch'] } },
        { ...script('fetch'), onError: { type: 'alternative', alternativeStep: 'fetch-cache' } },
        { id: 'fetch-cache', type: 'condition', config: { condition: 'true' } },
      ]),
    );
    expect(result.ok ? [] : result.problems).toEqual([]);
    if (!result.ok) return;
    expect([...result.graph.handlers].sort()).toEqual(['fetch-cache', 'undo-1', 'undo-2']);
    expect(result.graph.entries.get('')).toEqual(['pay']);
    expect(result.graph.scopeOf.get('fetch-cache')).toBe('fetch');
  });

  it('rejects misused alternatives and compensations, every problem with its path, all at once', () => {
    const problems = problemsOf(
      wf([
        { ...script('a', ['b']), onError: { type: 'alternative', alternativeStep: 'b' } },
        script('b'),
        { ...script('c'), onError: { type: 'rollback', rollbackSteps: ['c', 'd', 'p', 'l'] } },
        script('d', ['e']),
        script('e'),
        { id: 'p', type: 'parallel', config: { steps: [] } },
        { id: 'l', type: 'loop', config: { loopStep: 'body' } },
        script('body'),
        { ...script('f'), onError: { type: 'alternative', alternativeStep: 'cond' } },
        { id: 'cond', type: 'condition', config: { condition: 'true', trueStep: 'x' } },
        script('x'),
        { id: 'q', type: 'parallel', config: { steps: ['g'] } },
        { ...script('g'), onError: { type: 'alternative', alternativeStep: 'g' } },
        { ...script('h'), onError: { type: 'rollback', rollbackSteps: ['g2'] } },
        { id: 'q2', type: 'parallel', config: { steps: ['g2'] } },
        script('g2'),
        { ...script('s1'), onError: { type: 'alternative', alternativeStep: 'shared' } },
        { id: 'q3', type: 'parallel', config: { steps: ['s2'] } },
        { ...script('s2'), onError: { type: 'alternative', alternativeStep: 'shared' } },
        script('shared'),
      ]),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        {
          path: '$.steps[0].next[0]',
          message: '"b" is the alternative of "a" and cannot also be a "next" step of "a": a step named in onError runs only when the step naming it fails',
        },
        { path: '$.steps[2].onError.rollbackSteps[0]', message: 'step "c" cannot be its own compensation: it runs when "c" has just failed' },
        { path: '$.steps[12].onError.alternativeStep', message: 'step "g" cannot be its own alternative: it runs when "g" has just failed' },
        { path: '$.steps[3].next', message: expect.stringMatching(/^step "d" is a compensation of "c" and cannot have "next": /) },
        {
          path: '$.steps[5].type',
          message:
            'step "p" is a compensation of "c" and cannot be a parallel: a recovery step runs as a single step instance in the failed step\'s place, while a parallel opens branches of its own',
        },
        { path: '$.steps[6].type', message: expect.stringContaining('cannot be a loop: a recovery step runs as a single step instance') },
        { path: '$.steps[9].config.trueStep', message: expect.stringMatching(/^step "cond" is the alternative of "f" and cannot have a "trueStep"/) },
        { path: '$.steps[14].config.steps[0]', message: expect.stringMatching(/^"g2" is a compensation of "h" and cannot also be a branch root of "q2"/) },
        {
          path: '$.steps[18].onError.alternativeStep',
          message:
            '"shared" already recovers steps of the top level and cannot also recover "s2" in the branch of "q3" (root "s2"); a recovery step serves steps of one scope',
        },
      ]),
    );
    expect(problems).toHaveLength(9);
  });

  it('checks template syntax wherever templates appear', () => {
    const problems = problemsOf(
      wf([{ id: 'h', type: 'http', config: { url: 'http://x/{{ variables.a', headers: { A: '{{ env.HOME }}' }, body: { list: ['{{ results["a" }}'] } } }]),
    );
    expect(problems.map((p) => p.path)).toEqual(['$.steps[0].config.url', '$.steps[0].config.headers.A', '$.steps[0].config.body.list[0]']);
  });

  it('rejects a non-object and an empty workflow with clear messages', () => {
    expect(problemsOf(42)[0]).toEqual({ path: '$', message: 'expected object, received number' });
    const empty = problemsOf({ id: 'w', name: 'W', version: '1', steps: [] });
    expect(empty).toEqual([{ path: '$.steps', message: 'a workflow needs at least one step' }]);
    const badIds = problemsOf({ id: 'has space', name: '', version: '1', steps: [script('a/b')] } satisfies Partial<WorkflowDefinitionInput>);
    expect(badIds.map((p) => p.path)).toEqual(['$.id', '$.name', '$.steps[0].id']);
  });

  it('validates a long chain without deep recursion', () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => `s${i}`);
    expect(validateDefinition(linear(...ids)).ok).toBe(true);
  });
});

describe('validateDefinition: nesting', () => {
  it('refuses parallel and loop steps nested deeper than MAX_SCOPE_DEPTH, naming the step, in linear time', () => {
    const nested = (levels: number) => {
      const steps: unknown[] = [];
      for (let i = 0; i < levels; i++) steps.push({ id: `p${i}`, type: 'parallel', config: { steps: [i + 1 < levels ? `p${i + 1}` : 'leaf'] } });
      steps.push({ id: 'leaf', type: 'script', config: { script: 'return 1' } });
      return { id: 'deep', name: 'deep', version: '1', steps };
    };
    expect(validateDefinition(nested(MAX_SCOPE_DEPTH)).ok).toBe(true);
    const tooDeep = validateDefinition(nested(MAX_SCOPE_DEPTH + 1));
    expect(tooDeep).toMatchObject({
      ok: false,
      problems: [{ path: `$.steps[${MAX_SCOPE_DEPTH}]`, message: expect.stringContaining(`nests parallel and loop steps ${MAX_SCOPE_DEPTH + 1} deep`) }],
    });
    const wayTooDeep = validateDefinition(nested(20_000));
    expect(wayTooDeep.ok).toBe(false);
    if (!wayTooDeep.ok) expect(wayTooDeep.problems).toHaveLength(1);
  });
});
