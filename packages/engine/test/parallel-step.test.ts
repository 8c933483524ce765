import { describe, expect, it } from 'vitest';
import { Run, compile, runSteps, parallel, script, wf } from './harness.js';

describe('parallel steps', () => {
  it('runs every branch, joins, and outputs each branch by root', () => {
    const run = new Run(
      compile(wf([parallel('p', ['a', 'b', 'c'], {}, ['after']), script('a'), script('b', ['b2']), script('b2'), script('c'), script('after')])),
    );
    const started = run.start();
    expect(run.ran(started)).toEqual(['a', 'b', 'c']);
    expect(run.recorded('running', started)).toEqual(['p']);
    run.succeed('a', 'A');
    expect(run.ran(run.succeed('b', 'B'))).toEqual(['b2']);
    run.succeed('c', 'C');
    expect(run.status('p')).toBe('running');
    const joined = run.succeed('b2', 'B2');
    expect(run.ran(joined)).toEqual(['after']);
    expect(run.state.nodes['p']).toMatchObject({ status: 'succeeded', output: { a: 'A', b: 'B2', c: 'C' } });
    run.succeed('after');
    expect(run.state.status).toBe('completed');
  });

  it('with maxConcurrency 1, runs one branch (a whole chain) at a time, in order', () => {
    const run = new Run(compile(wf([parallel('p', ['a', 'b', 'c'], { maxConcurrency: 1 }), script('a', ['a2']), script('a2'), script('b'), script('c')])));
    expect(run.ran(run.start())).toEqual(['a']);
    expect(run.ran(run.succeed('a'))).toEqual(['a2']);
    expect(run.ran(run.succeed('a2'))).toEqual(['b']);
    expect(run.ran(run.succeed('b'))).toEqual(['c']);
    run.succeed('c');
    expect(run.state.status).toBe('completed');
  });

  it('never has more than maxConcurrency branches running', () => {
    const roots = ['a', 'b', 'c', 'd', 'e'];
    const run = new Run(compile(wf([parallel('p', roots, { maxConcurrency: 2 }), ...roots.map((r) => script(r))])));
    run.start();
    let peak = 0;
    while (run.queued().length > 0) {
      peak = Math.max(peak, run.queued().length);
      run.succeed(run.queued().at(-1)!);
    }
    expect(peak).toBe(2);
    expect(run.ran()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(run.state.status).toBe('completed');
  });

  it('succeeds at once with an empty branch list', () => {
    const run = new Run(compile(wf([parallel('p', [], {}, ['after']), script('after')])));
    const started = run.start();
    expect(run.ran(started)).toEqual(['after']);
    expect(run.state.nodes['p']).toMatchObject({ status: 'succeeded', output: {} });
  });

  it('fails fast: cancels running and unstarted branches and ignores their late results', () => {
    const run = new Run(
      compile(wf([parallel('p', ['a', 'b', 'c', 'd'], { maxConcurrency: 3 }, ['after']), script('a'), script('b'), script('c'), script('d'), script('after')])),
    );
    run.start();
    const failed = run.fail('b', 'b broke');
    expect(failed.filter((c) => c.type === 'cancel-step').map((c) => (c as { key: string }).key)).toEqual(['a', 'c']);
    expect(run.state.nodes['p']).toMatchObject({
      status: 'failed',
      error: { code: 'SCRIPT_ERROR', message: 'branch "b" failed at step "b": b broke', details: { branch: 'b' } },
    });
    expect(run.state).toMatchObject({ status: 'failed', error: { stepId: 'p' } });
    expect(run.succeed('a')).toEqual([]);
    expect(run.state.nodes['a']!.status).toBe('cancelled');
    expect(run.state.nodes['d']).toBeUndefined();
    expect(run.ran()).toEqual(['a', 'b', 'c']);
  });

  it('with failFast false, runs every branch and reports every failure', () => {
    const run = new Run(compile(wf([parallel('p', ['a', 'b', 'c'], { failFast: false }), script('a', ['a2']), script('a2'), script('b'), script('c')])));
    run.start();
    run.fail('a', 'first');
    expect(run.status('a2')).toBe('skipped');
    expect(run.state.status).toBe('running');
    run.succeed('b');
    run.fail('c', 'second');
    expect(run.state.nodes['p']).toMatchObject({
      status: 'failed',
      error: { code: 'BRANCH_FAILED', message: '2 of 3 branches failed: a: SCRIPT_ERROR first; c: SCRIPT_ERROR second' },
    });
    expect((run.state.nodes['p']!.error!.details as { failures: unknown[] }).failures).toHaveLength(2);
    expect(run.state).toMatchObject({ status: 'failed', error: { code: 'BRANCH_FAILED', stepId: 'p' } });
  });

  it('outputs every sink of a branch that ends in several steps', () => {
    const run = new Run(compile(wf([parallel('p', ['a']), script('a', ['x', 'y']), script('x'), script('y')])));
    run.start();
    run.succeed('a');
    run.succeed('x', 1);
    run.succeed('y', 2);
    expect(run.state.nodes['p']!.output).toEqual({ a: { x: 1, y: 2 } });
  });

  it('merges variables set in branches in branch order, whatever finished first', () => {
    const run = new Run(
      compile(wf([parallel('p', ['a', 'b'], {}, ['after']), script('a', ['a2']), script('a2'), script('b'), script('after')], { shared: 0 })),
    );
    run.start();
    run.succeed('b', null, { shared: 'from b', onlyB: true });
    const [a2] = runSteps(run.succeed('a', null, { shared: 'from a' }));
    // A branch sees its own updates at once and not its siblings' before the join.
    expect(a2!.context!.variables).toEqual({ shared: 'from a' });
    expect(run.state.variables).toEqual({ shared: 0 });
    const [after] = runSteps(run.succeed('a2'));
    expect(after!.context!.variables).toEqual({ shared: 'from b', onlyB: true });
    expect(run.state.variables).toEqual({ shared: 'from b', onlyB: true });
    expect(run.state.overlays).toEqual({});
  });

  it('nests: a parallel inside a parallel branch', () => {
    const run = new Run(compile(wf([parallel('outer', ['inner', 'z']), parallel('inner', ['x', 'y']), script('x'), script('y'), script('z')])));
    expect(run.ran(run.start())).toEqual(['x', 'y', 'z']);
    run.succeedAllQueued((k) => k.toUpperCase());
    expect(run.state.nodes['outer']!.output).toEqual({ inner: { x: 'X', y: 'Y' }, z: 'Z' });
    expect(run.state.status).toBe('completed');
  });

  it('cancels a running parallel with the execution', () => {
    const run = new Run(compile(wf([parallel('p', ['a', 'b']), script('a'), script('b')])));
    run.start();
    const cancelled = run.send({ type: 'cancel' });
    expect(cancelled.map((c) => c.type)).toEqual(['record-step', 'cancel-step', 'cancel-step', 'execution-settled']);
    expect(run.state.nodes['p']!.status).toBe('cancelled');
  });
});
