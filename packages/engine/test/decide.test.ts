import { describe, expect, it } from 'vitest';
import { compileWorkflow, type RunStepCommand } from '@agentic-flow/engine';
import { validateDefinition } from '@agentic-flow/spec';
import { Run, compile, http, runSteps, script, wf } from './harness.js';

describe('decide: next graphs', () => {
  it('starts the entry steps with templates resolved and runs a chain to completion', () => {
    const run = new Run(
      compile(wf([http('fetch', '{{ variables.base }}/items?n={{ input.n }}', ['proc']), script('proc', ['save']), script('save')], { base: 'http://api' })),
      { n: 2 },
    );
    const first = run.start();
    expect(run.state.status).toBe('running');
    expect(first).toEqual([
      {
        type: 'run-step',
        key: 'fetch',
        stepId: 'fetch',
        stepType: 'http',
        attempt: 1,
        config: expect.objectContaining({ url: 'http://api/items?n=2', method: 'GET' }),
        at: 1010,
      },
    ]);
    expect(run.ran(run.succeed('fetch', { status: 200 }))).toEqual(['proc']);
    expect(run.ran(run.succeed('proc', 42))).toEqual(['save']);
    const last = run.succeed('save', { saved: true });
    expect(last).toEqual([{ type: 'execution-settled', status: 'completed', error: null, at: 1040 }]);
    expect(run.state).toMatchObject({ status: 'completed', startedAt: 1010, finishedAt: 1040, error: null });
  });

  it('gives scripts the scope they read, and http steps none', () => {
    const run = new Run(compile(wf([http('fetch', 'http://x', ['proc']), script('proc')], { a: 1 })), { b: 2 });
    const [fetch] = run.start() as RunStepCommand[];
    expect(fetch!.context).toBeUndefined();
    const [proc] = run.succeed('fetch', { body: [1, 2] }) as RunStepCommand[];
    expect(proc!.context).toEqual({
      results: { fetch: { body: [1, 2] } },
      variables: { a: 1, b: 2 },
      input: { b: 2 },
      execution: { id: 'exec-1', workflowId: 'wf', workflowVersion: '1' },
    });
  });

  it("keeps an http step's response beside its result: results are the body, steps[id] the status and headers, for the steps that read them", () => {
    const steps = [
      http('fetch', 'http://x', ['check']),
      { id: 'check', type: 'condition' as const, config: { condition: 'steps.fetch.status === 200 && results.fetch.ok', trueStep: 'proc' } },
      script('proc', ['send'], 'return [results.fetch, steps["fetch"].headers["x-n"]];'),
      http('send', 'http://x/{{ steps.fetch.status }}?ok={{ results.fetch.ok }}', ['plain']),
      script('plain', [], 'return results.fetch;'),
    ];
    const run = new Run(compile(wf(steps)));
    run.start();
    const response = { status: 200, headers: { 'x-n': '7' } };
    run.send({ type: 'step.succeeded', key: 'fetch', attempt: 1, output: { ok: true }, response });
    expect(run.state.nodes['fetch']).toMatchObject({ status: 'succeeded', output: { ok: true }, response });
    expect(run.evaluations[0]!.scope).toMatchObject({ results: { fetch: { ok: true } }, steps: { fetch: response } });
    const [proc] = runSteps(run.commands).filter((c) => c.key === 'proc');
    expect(proc!.context).toMatchObject({ results: { fetch: { ok: true } }, steps: { fetch: response } });
    const [send] = runSteps(run.succeed('proc', 'p'));
    expect((send!.config as { url: string }).url).toBe('http://x/200?ok=true');
    const [plain] = runSteps(run.succeed('send'));
    // A step that reads no `steps` gets none.
    expect(plain!.context).not.toHaveProperty('steps');
  });

  it('starts every entry step and joins before the step they lead to', () => {
    const run = new Run(compile(wf([script('a', ['join']), script('b', ['join']), script('c', ['join']), script('join')])));
    expect(run.ran(run.start())).toEqual(['a', 'b', 'c']);
    expect(run.ran(run.succeed('b'))).toEqual([]);
    expect(run.ran(run.succeed('a'))).toEqual([]);
    expect(run.ran(run.succeed('c'))).toEqual(['join']);
    run.succeed('join');
    expect(run.state.status).toBe('completed');
    expect(run.ran()).toEqual(['a', 'b', 'c', 'join']);
  });

  it('runs a diamond once per step', () => {
    const run = new Run(compile(wf([script('s', ['l', 'r']), script('l', ['j']), script('r', ['j']), script('j')])));
    run.start();
    expect(run.ran(run.succeed('s'))).toEqual(['l', 'r']);
    run.succeed('l');
    run.succeed('r');
    run.succeed('j');
    expect(run.ran()).toEqual(['s', 'l', 'r', 'j']);
    expect(run.state.status).toBe('completed');
  });

  it('applies variable updates in the transition, before the next step resolves its templates', () => {
    const run = new Run(compile(wf([script('a', ['b']), http('b', 'http://x/{{ variables.page }}')], { page: 1 })));
    run.start();
    const [b] = run.succeed('a', null, { page: 7 }) as RunStepCommand[];
    expect((b!.config as { url: string }).url).toBe('http://x/7');
    expect(run.state.variables).toEqual({ page: 7 });
  });

  it('fails the execution when a step fails, and records but does not follow in-flight results', () => {
    const run = new Run(compile(wf([script('a', ['a2']), script('b', ['b2']), script('a2'), script('b2')])));
    run.start();
    const failed = run.fail('a', 'bad thing at line 3');
    expect(failed).toEqual([
      {
        type: 'record-error',
        key: 'a',
        stepId: 'a',
        stepType: 'script',
        attempt: 1,
        error: { code: 'SCRIPT_ERROR', message: 'bad thing at line 3' },
        strategy: 'none',
        at: 1020,
      },
      { type: 'execution-settled', status: 'failed', error: { code: 'SCRIPT_ERROR', message: 'bad thing at line 3', stepId: 'a' }, at: 1020 },
    ]);
    expect(run.ran(run.succeed('b', 'late'))).toEqual([]);
    expect(run.state.nodes['b']).toMatchObject({ status: 'succeeded', output: 'late' });
    expect(run.state.status).toBe('failed');
  });

  it('fails a step whose template does not resolve, without a worker', () => {
    const run = new Run(compile(wf([script('a', ['b']), http('b', 'http://x/{{ results["a"].missing }}')])));
    run.start();
    const commands = run.succeed('a', { present: 1 });
    expect(commands[0]).toEqual({
      type: 'record-step',
      key: 'b',
      stepId: 'b',
      stepType: 'http',
      attempt: 1,
      status: 'failed',
      error: {
        code: 'TEMPLATE',
        message: 'step "b": template "{{ results["a"].missing }}" does not resolve (resolved up to "results.a", which has no "missing" (its keys: present))',
        details: { path: 'results["a"].missing' },
      },
      at: 1020,
    });
    expect(run.state).toMatchObject({ status: 'failed', error: { code: 'TEMPLATE', stepId: 'b' } });
  });

  it('leaves secrets to the worker as slots made from the definition’s text, and data as data', () => {
    const run = new Run(
      compile(
        wf(
          [
            {
              id: 'h',
              type: 'http',
              config: { url: 'http://x/{{ variables.path }}', query: { q: '{{ variables.q }}' }, headers: { Authorization: 'Bearer {{ secrets.TOKEN }}' } },
            },
          ],
          { path: 'p', q: '{{ secrets.TOKEN }}' },
        ),
      ),
    );
    const [h] = run.start() as RunStepCommand[];
    expect(h!.config).toMatchObject({ url: 'http://x/p', query: { q: '{{ secrets.TOKEN }}' }, headers: { Authorization: 'Bearer {{ secrets.TOKEN }}' } });
    // Only the header: the variable's `{{ secrets.TOKEN }}` text is data and has no slot.
    expect(h!.secretSlots).toEqual([{ path: ['headers', 'Authorization'], parts: ['Bearer ', { secret: 'TOKEN' }] }]);
  });

  it('fails with TEMPLATE a secret in a field that cannot send it, in a definition stored before registration refused that', () => {
    const result = validateDefinition(wf([script('s')]));
    if (!result.ok) throw new Error('invalid');
    const definition = structuredClone(result.definition);
    (definition.steps[0]!.config as { script: string }).script = 'return "{{ secrets.TOKEN }}"';
    const run = new Run(compileWorkflow(definition, result.graph));
    expect(run.start()).toContainEqual(expect.objectContaining({ type: 'record-error', error: expect.objectContaining({ code: 'TEMPLATE' }) }));
    expect(run.state.status).toBe('failed');
  });

  it('ignores duplicate, late and unknown results', () => {
    const run = new Run(compile(wf([script('a', ['b']), script('b')])));
    run.start();
    run.succeed('a', 1);
    expect(run.send({ type: 'step.succeeded', key: 'a', attempt: 1, output: 2 })).toEqual([]);
    expect(run.send({ type: 'step.succeeded', key: 'b', attempt: 2, output: 2 })).toEqual([]);
    expect(run.send({ type: 'step.failed', key: 'nope', attempt: 1, error: { code: 'INTERNAL', message: 'x' } })).toEqual([]);
    expect(run.ignored).toHaveLength(3);
    expect(run.state.nodes['a']!.output).toBe(1);
    expect(run.ran()).toEqual(['a', 'b']);
  });

  it('holds new steps while paused and starts them on resume', () => {
    const run = new Run(compile(wf([script('a', ['b']), script('b')])));
    run.start();
    run.send({ type: 'pause' });
    expect(run.state.status).toBe('paused');
    expect(run.ran(run.succeed('a'))).toEqual([]);
    expect(run.status('b')).toBe('ready');
    expect(run.ran(run.send({ type: 'resume' }))).toEqual(['b']);
    run.succeed('b');
    expect(run.state.status).toBe('completed');
  });

  it('completes a paused execution whose last running step finishes', () => {
    const run = new Run(compile(wf([script('a')])));
    run.start();
    run.send({ type: 'pause' });
    run.succeed('a');
    expect(run.state.status).toBe('completed');
  });

  it('cancels queued steps and ignores their late results', () => {
    const run = new Run(compile(wf([script('a', ['c']), script('b', ['c']), script('c')])));
    run.start();
    run.succeed('a');
    const commands = run.send({ type: 'cancel' });
    expect(commands).toEqual([
      { type: 'cancel-step', key: 'b', stepId: 'b', attempt: 1, at: 1030 },
      { type: 'execution-settled', status: 'cancelled', error: null, at: 1030 },
    ]);
    expect(run.succeed('b')).toEqual([]);
    expect(run.state.status).toBe('cancelled');
  });

  it('rejects lifecycle events that make no sense in the current status', () => {
    const run = new Run(compile(wf([script('a')])));
    expect(run.send({ type: 'pause' })).toEqual([]);
    run.start();
    expect(run.start()).toEqual([]);
    run.succeed('a');
    expect(run.send({ type: 'cancel' })).toEqual([]);
    expect(run.ignored).toEqual([
      'cannot pause an execution that is pending',
      'cannot start an execution that is running',
      'cannot cancel an execution that is completed',
    ]);
  });

  it('handles a wide fan-out', () => {
    const leaves = Array.from({ length: 500 }, (_, i) => `leaf${i}`);
    const run = new Run(compile(wf([script('root', leaves), ...leaves.map((id) => script(id, ['end'])), script('end')])));
    run.start();
    expect(run.ran(run.succeed('root'))).toHaveLength(500);
    for (const id of leaves) run.succeed(id, id);
    expect(run.status('end')).toBe('queued');
    run.succeed('end');
    expect(run.state.status).toBe('completed');
  });
});
