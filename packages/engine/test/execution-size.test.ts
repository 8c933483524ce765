import { describe, expect, it } from 'vitest';
import { decide, type ExecutionState, type RecordErrorCommand } from '@agentic-flow/engine';
import type { RecoveryStrategy } from '@agentic-flow/spec';
import { Run, compile, loop, parallel, script, wf } from './harness.js';

const withOnError = <S extends object>(step: S, onError: { type: RecoveryStrategy['type'] }) => ({ ...step, onError }) as S & { onError: RecoveryStrategy };

/** The kept count must always be what a walk of the nodes says. */
function expectCountRight(run: Run): void {
  expect(run.state.nodeCount).toBe(Object.keys(run.state.nodes).length);
}

const roots = ['a', 'b', 'c', 'd', 'e'];

describe('maxStepsPerExecution (EXECUTION_TOO_LARGE)', () => {
  it('fails a parallel whose next branch would pass the limit, starting no branch beyond it', () => {
    const run = new Run(compile(wf([parallel('p', roots), ...roots.map((r) => script(r))])), {}, { maxStepsPerExecution: 4 });
    const started = run.start();
    // p, a, b, c: four nodes; d would be the fifth.
    expect(run.ran(started)).toEqual(['a', 'b', 'c']);
    expect(run.state.nodes['d']).toBeUndefined();
    expect(run.state.nodes['e']).toBeUndefined();
    expect(run.state.nodes['p']).toMatchObject({ status: 'failed', error: { code: 'EXECUTION_TOO_LARGE', details: { nodes: 4, limit: 4 } } });
    expect(run.state.nodes['p']!.error!.message).toMatch(/holds 4 step instances.*limit of 4 \(MAX_STEPS_PER_EXECUTION\)/);
    // The branches it had started are cancelled: nothing of it goes on.
    expect(['a', 'b', 'c'].map((k) => run.status(k))).toEqual(['cancelled', 'cancelled', 'cancelled']);
    expect(run.state).toMatchObject({ status: 'failed', error: { code: 'EXECUTION_TOO_LARGE', stepId: 'p' } });
    expectCountRight(run);
  });

  it('fails a loop at the iteration that would pass the limit, after running the earlier ones', () => {
    const run = new Run(compile(wf([loop('l', 'body', { maxIterations: 100 }), script('body')])), {}, { maxStepsPerExecution: 10 });
    run.start();
    // The loop's node and nine iterations' body nodes fill the ten.
    for (let i = 0; i < 9; i++) run.succeed(`l#${i}/body`, i);
    expect(run.state.nodes['l']).toMatchObject({ status: 'failed', iteration: 9, error: { code: 'EXECUTION_TOO_LARGE' } });
    for (let i = 0; i < 9; i++) expect(run.status(`l#${i}/body`)).toBe('succeeded');
    expect(run.state.nodes['l#9/body']).toBeUndefined();
    expect(run.runs('run-step')).toHaveLength(9);
    expect(run.state).toMatchObject({ status: 'failed', error: { code: 'EXECUTION_TOO_LARGE', stepId: 'l' } });
    expectCountRight(run);
  });

  it('fails the container when a step further along a branch would pass it', () => {
    // a → a2 inside the branch: the parallel started a (room then), a2 finds none.
    const run = new Run(compile(wf([parallel('p', ['a', 'b']), script('a', ['a2']), script('a2'), script('b')])), {}, { maxStepsPerExecution: 3 });
    run.start();
    run.succeed('a');
    expect(run.state.nodes['a2']).toBeUndefined();
    expect(run.status('b')).toBe('cancelled');
    expect(run.state.nodes['p']).toMatchObject({ status: 'failed', error: { code: 'EXECUTION_TOO_LARGE', details: { stepId: 'a2' } } });
    expectCountRight(run);
  });

  it('lets the parallel’s onError act: skip, then a top-level successor with no room fails the execution', () => {
    const run = new Run(
      compile(wf([withOnError(parallel('p', roots, {}, ['after']), { type: 'skip' }), ...roots.map((r) => script(r)), script('after')])),
      {},
      {
        maxStepsPerExecution: 4,
      },
    );
    const started = run.start();
    expect(started.filter((c): c is RecordErrorCommand => c.type === 'record-error').map((c) => `${c.key}:${c.error.code}:${c.strategy}`)).toEqual([
      'p:EXECUTION_TOO_LARGE:skip',
    ]);
    expect(run.state.nodes['p']).toMatchObject({ status: 'skipped', recovered: true });
    // `after` would be a fifth node: at the top level there is no container, so the execution fails naming it.
    expect(run.state.nodes['after']).toBeUndefined();
    expect(run.state).toMatchObject({ status: 'failed', error: { code: 'EXECUTION_TOO_LARGE', stepId: 'after' } });
    expectCountRight(run);
  });

  it('escalates a parallel whose onError escalates', () => {
    const run = new Run(
      compile(wf([withOnError(parallel('p', roots), { type: 'escalate' }), ...roots.map((r) => script(r))])),
      {},
      { maxStepsPerExecution: 4 },
    );
    run.start();
    expect(run.state.nodes['p']).toMatchObject({ status: 'escalated', error: { code: 'EXECUTION_TOO_LARGE' } });
    expect(run.state.status).toBe('running');
  });

  it('keeps the count right through a retry that forgets a loop’s iterations, and a restore', () => {
    const run = new Run(compile(wf([withOnError(loop('l', 'body', { maxIterations: 3 }), { type: 'escalate' }), script('body')])));
    run.start();
    run.succeed('l#0/body');
    const snapshot = run.state;
    run.fail('l#1/body');
    expect(run.status('l')).toBe('escalated');
    expectCountRight(run);
    // Forgets l#0/body and l#1/body, then starts iteration 0 again.
    run.resolve('l', { action: 'retry' });
    expect(Object.keys(run.state.nodes).sort()).toEqual(['l', 'l#0/body']);
    expectCountRight(run);
    run.succeed('l#0/body');
    run.succeed('l#1/body');
    expectCountRight(run);
    run.restore(snapshot);
    expectCountRight(run);
    expect(run.state.nodeCount).toBe(3);
  });

  it('counts the nodes of a state persisted before the count was kept, once', () => {
    const run = new Run(compile(wf([parallel('p', ['a', 'b']), script('a'), script('b')])));
    run.start();
    const { nodeCount: _count, ...old } = run.state;
    const decision = decide(run.workflow, old as ExecutionState, { type: 'step.succeeded', key: 'a', attempt: 1, output: null, at: 5_000 });
    expect(decision.state.nodeCount).toBe(3);
  });

  it('allows exactly the limit', () => {
    const run = new Run(compile(wf([parallel('p', roots), ...roots.map((r) => script(r))])), {}, { maxStepsPerExecution: 6 });
    run.start();
    run.succeedAllQueued();
    expect(run.state.status).toBe('completed');
    expect(run.state.nodeCount).toBe(6);
  });
});
