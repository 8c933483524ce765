import { describe, expect, it } from 'vitest';
import { Run, compile, http, parallel, runSteps, script, wf } from './harness.js';

describe('pause and resume', () => {
  it('pause withdraws the job of every queued step, which stays queued', () => {
    const run = new Run(compile(wf([script('a', ['c']), http('b', 'http://x', ['c']), script('c')])));
    run.start();
    const paused = run.pause();
    expect(paused).toEqual([
      { type: 'withdraw-step', key: 'a', stepId: 'a', attempt: 1, at: 1020 },
      { type: 'withdraw-step', key: 'b', stepId: 'b', attempt: 1, at: 1020 },
    ]);
    expect(run.state.status).toBe('paused');
    expect(run.state.nodes['a']).toMatchObject({ status: 'queued', attempt: 1 });
    expect(run.state.nodes['b']).toMatchObject({ status: 'queued', attempt: 1 });
  });

  it('applies the result of a job that was already running while paused, and holds what it makes ready', () => {
    const run = new Run(compile(wf([script('a', ['c']), script('b', ['c']), script('c')])));
    run.start();
    run.pause();
    expect(run.succeed('a', 'A')).toEqual([]);
    expect(run.state.nodes['a']).toEqual({ stepId: 'a', status: 'succeeded', attempt: 1, output: 'A' });
    expect(run.succeed('b', 'B')).toEqual([]);
    expect(run.status('c')).toBe('ready');
    expect(run.ignored).toEqual([]);
    expect(run.runs('run-step', run.resume())).toEqual(['c@1']);
  });

  it('resume sends every queued step again under the same attempt, then starts the ready ones', () => {
    const run = new Run(compile(wf([script('a', ['a2']), script('a2'), http('b', 'http://x/b')], { v: 1 })));
    const [, firstB] = runSteps(run.start());
    run.pause();
    run.succeed('a', 'A');
    expect(run.status('a2')).toBe('ready');
    const resumed = run.resume();
    expect(run.state.status).toBe('running');
    expect(run.runs('run-step', resumed)).toEqual(['b@1', 'a2@1']);
    const [againB, a2] = runSteps(resumed);
    // The same step run: same key and attempt, same resolved config.
    expect(againB).toEqual({ ...firstB, at: againB!.at });
    expect(a2!.context).toMatchObject({ results: { a: 'A' }, variables: { v: 1 } });
    expect(run.state.nodes['b']!.withdrawn).toBeUndefined();
    run.succeed('b');
    run.succeed('a2');
    expect(run.state.status).toBe('completed');
  });

  it('resume resolves the templates of a queued step again, over the current variables', () => {
    const run = new Run(compile(wf([script('a'), http('b', 'http://x/{{ variables.page }}')], { page: 1 })));
    run.start();
    run.pause();
    run.succeed('a', null, { page: 2 });
    const [b] = runSteps(run.resume());
    expect(b).toMatchObject({ key: 'b', attempt: 1, config: { url: 'http://x/2' } });
  });

  it('resume sends the queued steps again before a ready step can fail the execution', () => {
    const run = new Run(compile(wf([script('a', ['b']), http('b', 'http://x/{{ results.a.missing }}'), script('c')])));
    run.start();
    run.pause();
    run.succeed('a', {});
    const resumed = run.resume();
    expect(resumed.map((c) => c.type)).toEqual(['run-step', 'record-step', 'record-error', 'execution-settled']);
    expect(run.runs('run-step', resumed)).toEqual(['c@1']);
    expect(run.state).toMatchObject({ status: 'failed', error: { code: 'TEMPLATE', stepId: 'b' } });
    // c is really in flight again: its result is recorded (and reused by a retry).
    run.succeed('c', 'C');
    expect(run.state.nodes['c']).toMatchObject({ status: 'succeeded', output: 'C' });
  });

  it('holds a branch that a maxConcurrency slot frees while paused, and starts it on resume', () => {
    const run = new Run(compile(wf([parallel('p', ['a', 'b'], { maxConcurrency: 1 }), script('a'), script('b')])));
    run.start();
    expect(run.runs('withdraw-step', run.pause())).toEqual(['a@1']);
    run.succeed('a');
    expect(run.status('b')).toBe('ready');
    expect(run.runs('run-step', run.resume())).toEqual(['b@1']);
    run.succeed('b');
    expect(run.state.status).toBe('completed');
  });

  it('a late result of a withdrawn step applies once it is sent again', () => {
    const run = new Run(compile(wf([script('a', ['b']), script('b')])));
    run.start();
    run.pause();
    run.resume();
    expect(run.runs('run-step', run.succeed('a'))).toEqual(['b@1']);
    // The job of the first enqueue and the job of the second are the same step run: one result applies.
    expect(run.result('a', 1, 'succeeded')).toEqual([]);
    expect(run.ignored).toEqual(['no queued step run a attempt 1 (late or duplicate result)']);
  });

  it('an execution that fails while paused keeps its withdrawn steps, and its retry sends them again', () => {
    const run = new Run(compile(wf([script('a'), script('b'), script('c')])));
    run.start();
    run.pause();
    run.succeed('c');
    run.fail('a');
    expect(run.state).toMatchObject({ status: 'failed', error: { stepId: 'a' } });
    expect(run.state.nodes['b']).toMatchObject({ status: 'queued', withdrawn: true });
    const retried = run.resume();
    expect(run.runs('run-step', retried)).toEqual(['b@1', 'a@2']);
    run.succeed('a');
    run.succeed('b');
    expect(run.state.status).toBe('completed');
  });

  it('ignores pause, resume and retry where the status does not allow them, naming the status', () => {
    const cancelled = new Run(compile(wf([script('a')])));
    cancelled.start();
    cancelled.send({ type: 'cancel' });
    expect(cancelled.pause()).toEqual([]);
    expect(cancelled.resume()).toEqual([]);

    const completed = new Run(compile(wf([script('a')])));
    completed.start();
    completed.succeed('a');
    expect(completed.resume()).toEqual([]);

    const running = new Run(compile(wf([script('a')])));
    running.start();
    expect(running.resume()).toEqual([]);
    const pending = new Run(compile(wf([script('a')])));
    expect(pending.resume()).toEqual([]);

    expect([...cancelled.ignored, ...completed.ignored, ...running.ignored, ...pending.ignored]).toEqual([
      'cannot pause an execution that is cancelled',
      'cannot resume an execution that is cancelled',
      'cannot resume an execution that is completed',
      'cannot resume an execution that is running',
      'cannot resume an execution that is pending',
    ]);
    expect(completed.state.status).toBe('completed');
    expect(cancelled.state.status).toBe('cancelled');
  });
});
