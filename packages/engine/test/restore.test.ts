import { describe, expect, it } from 'vitest';
import type { ExecutionState } from '@agentic-flow/engine';
import { Run, compile, deepFreeze, loop, parallel, runSteps, script, wf } from './harness.js';

describe('restore to a snapshot', () => {
  it('mid-chain: cancels the current queued step and re-runs the snapshot’s under a new attempt', () => {
    const run = new Run(compile(wf([script('a', ['b']), script('b', ['c']), script('c')], { v: 0 })));
    run.start();
    run.succeed('a', 'A', { v: 1 });
    const snapshot = run.state;
    run.succeed('b', 'B', { v: 2 });
    expect(run.queued()).toEqual(['c']);

    const restored = run.restore(snapshot);
    expect(restored).toEqual([
      { type: 'cancel-step', key: 'c', stepId: 'c', attempt: 1, at: 1040 },
      expect.objectContaining({ type: 'run-step', key: 'b', attempt: 2, context: expect.objectContaining({ results: { a: 'A' }, variables: { v: 1 } }) }),
    ]);
    expect(run.state.status).toBe('running');
    expect(run.state.variables).toEqual({ v: 1 });
    expect(run.state.nodes['a']).toBe(snapshot.nodes['a']);
    expect(run.state.nodes['b']).toEqual({ stepId: 'b', status: 'queued', attempt: 2 });
    expect(run.state.nodes['c']).toBeUndefined();

    // Results of the runs the restore replaced are ignored.
    expect(run.result('b', 1, 'succeeded', 'old')).toEqual([]);
    expect(run.result('c', 1, 'succeeded', 'old')).toEqual([]);
    expect(run.ignored).toHaveLength(2);
    // c ran as attempt 1 before the restore: running it again opens a new step run.
    expect(run.runs('run-step', run.succeed('b', 'B2'))).toEqual(['c@2']);
    run.succeed('c');
    expect(run.state.status).toBe('completed');
    expect(run.state.nodes['b']!.output).toBe('B2');
  });

  it('to a paused snapshot: its steps wait as ready under new attempts, and resume starts them', () => {
    const run = new Run(compile(wf([script('a', ['b']), script('b')])));
    run.start();
    run.pause();
    const snapshot = run.state;
    run.resume();
    run.succeed('a');

    const restored = run.restore(snapshot);
    expect(restored).toEqual([{ type: 'cancel-step', key: 'b', stepId: 'b', attempt: 1, at: 1050 }]);
    expect(run.state.status).toBe('paused');
    expect(run.state.nodes['a']).toEqual({ stepId: 'a', status: 'ready', attempt: 2 });
    expect(run.runs('run-step', run.resume())).toEqual(['a@2']);
    expect(run.runs('run-step', run.succeed('a'))).toEqual(['b@2']);
  });

  it('a running parallel keeps its finished branches and drives on from the restarted ones', () => {
    const run = new Run(
      compile(wf([parallel('p', ['a', 'b', 'c'], { maxConcurrency: 2 }, ['after']), script('a'), script('b'), script('c'), script('after')])),
    );
    run.start();
    run.succeed('a', 'A', { x: 'a' });
    const snapshot = run.state;
    run.succeedAllQueued();
    expect(run.queued()).toEqual(['after']);

    const restored = run.restore(snapshot);
    expect(run.runs('cancel-step', restored)).toEqual(['after@1']);
    expect(run.runs('record-step', restored)).toEqual(['p@2']);
    expect(run.state.nodes['a']).toBe(snapshot.nodes['a']);
    expect(run.recorded('running', restored)).toEqual(['p']);
    expect(run.runs('run-step', restored)).toEqual(['b@2', 'c@2']);
    run.succeed('b', 'B');
    const [after] = runSteps(run.succeed('c', 'C'));
    expect(after).toMatchObject({ key: 'after', attempt: 2, context: { variables: { x: 'a' } } });
    expect(run.state.nodes['p']).toMatchObject({ status: 'succeeded', attempt: 2, output: { a: 'A', b: 'B', c: 'C' } });
  });

  it('a loop goes back to the snapshot’s iteration; later iterations run as new step runs', () => {
    const run = new Run(compile(wf([loop('l', 'body', { maxIterations: 3, onMaxIterations: 'complete' }), script('body')])));
    run.start();
    run.succeed('l#0/body', 0);
    const snapshot = run.state;
    run.succeed('l#1/body', 1);
    expect(run.queued()).toEqual(['l#2/body']);

    const restored = run.restore(snapshot);
    expect(run.runs('cancel-step', restored)).toEqual(['l#2/body@1']);
    // The loop's current run is recorded cancelled and a new one, of the snapshot's progress, running.
    expect(run.runs('record-step', restored)).toEqual(['l@1', 'l@2']);
    expect(run.recorded('cancelled', restored)).toEqual(['l']);
    expect(run.recorded('running', restored)).toEqual(['l']);
    expect(run.state.nodes['l']).toMatchObject({ status: 'running', attempt: 2, iteration: 1, recorded: 1 });
    expect(run.runs('run-step', restored)).toEqual(['l#1/body@2']);
    expect(run.state.usedAttempts).toEqual({ 'l#2/body': 1 });
    expect(run.runs('run-step', run.succeed('l#1/body', 'one'))).toEqual(['l#2/body@2']);
    run.succeed('l#2/body', 'two');
    expect(run.state.nodes['l']).toMatchObject({ status: 'succeeded', output: [0, 'one', 'two'] });
  });

  it('a loop waiting for its break condition asks for it again', () => {
    const run = new Run(compile(wf([loop('l', 'body', { breakCondition: 'results.body === "stop"', maxIterations: 5 }), script('body')])));
    run.start();
    run.succeed('l#0/body', 'go on');
    // A snapshot taken between the iteration's end and its break condition's answer.
    const { 'l#1/body': _next, ...nodes } = run.state.nodes;
    const snapshot: ExecutionState = deepFreeze({
      ...run.state,
      nodes: { ...nodes, l: { stepId: 'l', status: 'running', attempt: 1, iteration: 0, outputs: ['go on'], awaiting: 'loop-break' } },
    });

    const restored = run.restore(snapshot);
    expect(run.evaluations.at(-1)).toMatchObject({ key: 'l', purpose: 'loop-break', scope: { results: { body: 'go on' }, loop: { iteration: 0 } } });
    expect(run.runs('run-step', restored)).toEqual(['l#1/body@2']);
  });

  it('to a failed snapshot: restores the failure, starts nothing, and a retry runs what failed and what was in flight', () => {
    const run = new Run(compile(wf([script('a'), script('b')])));
    run.start();
    run.fail('a');
    const snapshot = run.state;
    run.resume();
    expect(run.queued()).toEqual(['a', 'b']);

    const restored = run.restore(snapshot);
    expect(restored).toEqual([
      { type: 'cancel-step', key: 'a', stepId: 'a', attempt: 2, at: 1040 },
      { type: 'cancel-step', key: 'b', stepId: 'b', attempt: 1, at: 1040 },
      { type: 'execution-settled', status: 'failed', error: { code: 'SCRIPT_ERROR', message: 'boom', stepId: 'a' }, at: 1040 },
    ]);
    expect(run.state).toMatchObject({ status: 'failed', finishedAt: 1040 });
    expect(run.state.nodes['a']).toMatchObject({ status: 'failed', attempt: 1 });
    expect(run.state.nodes['b']).toEqual({ stepId: 'b', status: 'ready', attempt: 2 });
    // a already ran as attempt 2 before the restore, so its retry is attempt 3.
    expect(run.runs('run-step', run.resume())).toEqual(['a@3', 'b@2']);
  });

  it('brings a completed execution back to a running snapshot', () => {
    const run = new Run(compile(wf([script('a', ['b']), script('b')])));
    run.start();
    const snapshot = run.state;
    run.succeed('a');
    run.succeed('b');
    expect(run.state.status).toBe('completed');
    expect(run.runs('run-step', run.restore(snapshot))).toEqual(['a@2']);
    expect(run.state).toMatchObject({ status: 'running', finishedAt: null });
    run.succeed('a');
    run.succeed('b');
    expect(run.state.status).toBe('completed');
    expect(run.runs('run-step')).toEqual(['a@1', 'b@1', 'a@2', 'b@2']);
  });

  it('ignores a snapshot of another execution, and a restore of a cancelled or pending execution', () => {
    const run = new Run(compile(wf([script('a')])));
    const pendingSnapshot = run.state;
    expect(run.restore(pendingSnapshot)).toEqual([]);
    run.start();
    expect(run.restore({ ...run.state, executionId: 'exec-2' })).toEqual([]);
    expect(run.restore(pendingSnapshot)).toEqual([]);
    const before = run.state;
    run.send({ type: 'cancel' });
    expect(run.restore(before)).toEqual([]);
    expect(run.ignored).toEqual([
      'cannot restore an execution that is pending',
      'the snapshot is of execution exec-2, not exec-1',
      'cannot restore a snapshot taken before the execution started',
      'cannot restore an execution that is cancelled',
    ]);
    expect(run.state.status).toBe('cancelled');
  });
});
