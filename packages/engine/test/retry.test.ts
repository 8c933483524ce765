import { describe, expect, it } from 'vitest';
import type { EvaluateCommand, ExpressionOutcome } from '@agentic-flow/engine';
import { Run, compile, condition, evaluateInProcess, loop, parallel, runSteps, script, wf } from './harness.js';

/** An evaluator whose expressions throw until `fixed` is set, like a sandbox that timed out once. */
function flaky(): { evaluate: (command: EvaluateCommand) => ExpressionOutcome; fix: () => void } {
  let broken = true;
  return {
    evaluate: (command) => (broken ? { ok: false, error: { code: 'EXPRESSION_ERROR', message: 'not today' } } : evaluateInProcess(command)),
    fix: () => {
      broken = false;
    },
  };
}

describe('resume from failure (retry)', () => {
  it('re-runs only the failed step of a chain, under attempt 2, and continues', () => {
    const run = new Run(compile(wf([script('a', ['b']), script('b', ['c']), script('c')])));
    run.start();
    run.succeed('a', 'A');
    run.fail('b', 'flaky');
    expect(run.state).toMatchObject({ status: 'failed', finishedAt: 1030, error: { stepId: 'b' } });
    const a = run.state.nodes['a'];

    const retried = run.resume();
    expect(retried).toEqual([
      {
        type: 'run-step',
        key: 'b',
        stepId: 'b',
        stepType: 'script',
        attempt: 2,
        config: expect.objectContaining({ script: 'return Object.keys(results).length;' }),
        context: expect.objectContaining({ results: { a: 'A' } }),
        at: 1040,
      },
    ]);
    expect(run.state).toMatchObject({ status: 'running', error: null, finishedAt: null });
    expect(run.state.nodes['a']).toBe(a);
    expect(run.state.nodes['b']).toEqual({ stepId: 'b', status: 'queued', attempt: 2 });

    expect(run.runs('run-step', run.succeed('b'))).toEqual(['c@1']);
    run.succeed('c');
    expect(run.state.status).toBe('completed');
    expect(run.runs('run-step')).toEqual(['a@1', 'b@1', 'b@2', 'c@1']);
  });

  it('ignores a late result of the attempt a retry replaced', () => {
    const run = new Run(compile(wf([script('a', ['b']), script('b')])));
    run.start();
    run.fail('a');
    run.resume();
    expect(run.result('a', 1, 'succeeded', 'stale')).toEqual([]);
    expect(run.result('a', 1, 'failed')).toEqual([]);
    expect(run.ignored).toEqual(['no queued step run a attempt 1 (late or duplicate result)', 'no queued step run a attempt 1 (late or duplicate result)']);
    expect(run.state.nodes['a']).toEqual({ stepId: 'a', status: 'queued', attempt: 2 });
    expect(run.state.status).toBe('running');
    run.succeed('a', 'fresh');
    expect(run.state.nodes['a']).toMatchObject({ status: 'succeeded', attempt: 2, output: 'fresh' });
  });

  it('fails again when the retried step fails again, and retries once more', () => {
    const run = new Run(compile(wf([script('a')])));
    run.start();
    run.fail('a');
    run.resume();
    run.fail('a', 'still');
    expect(run.state).toMatchObject({ status: 'failed', error: { message: 'still' } });
    expect(run.runs('run-step', run.resume())).toEqual(['a@3']);
  });

  it('after a fail-fast parallel, re-runs the failed and the cancelled branches only, and keeps what the others did', () => {
    const run = new Run(
      compile(
        wf([
          parallel('p', ['a', 'b', 'c', 'd', 'e'], { maxConcurrency: 3 }, ['after']),
          script('a'),
          script('b'),
          script('c'),
          script('d'),
          script('e'),
          script('after'),
        ]),
      ),
    );
    run.start();
    expect(run.runs('run-step', run.succeed('a', 'A', { fromA: true }))).toEqual(['d@1']);
    run.fail('b');
    expect(run.state.status).toBe('failed');
    expect(['c', 'd'].map((k) => run.status(k))).toEqual(['cancelled', 'cancelled']);

    const retried = run.resume();
    expect(run.runs('record-step', retried)).toEqual(['p@2']);
    expect(run.recorded('running', retried)).toEqual(['p']);
    // e never started: three branches run again, which is all maxConcurrency allows.
    expect(run.runs('run-step', retried)).toEqual(['b@2', 'c@2', 'd@2']);
    expect(run.state.nodes['p']).toMatchObject({ status: 'running', attempt: 2 });
    expect(run.state.nodes['a']).toMatchObject({ status: 'succeeded', attempt: 1, output: 'A' });

    expect(run.runs('run-step', run.succeed('b', 'B'))).toEqual(['e@1']);
    run.succeed('c', 'C');
    run.succeed('d', 'D');
    const [after] = runSteps(run.succeed('e', 'E'));
    expect(run.state.nodes['p']).toMatchObject({ status: 'succeeded', output: { a: 'A', b: 'B', c: 'C', d: 'D', e: 'E' } });
    // The succeeded branch's variable updates were kept through the failure and merged at the join.
    expect(after!.context!.variables).toEqual({ fromA: true });
    run.succeed('after');
    expect(run.state.status).toBe('completed');
  });

  it('after a parallel that does not fail fast, re-runs the failed branch and un-skips the steps its failure skipped', () => {
    const run = new Run(compile(wf([parallel('p', ['a', 'b'], { failFast: false }), script('a', ['a2']), script('a2', ['a3']), script('a3'), script('b')])));
    run.start();
    run.fail('a');
    expect(run.recorded('skipped')).toEqual(['a2', 'a3']);
    run.succeed('b', 'B');
    expect(run.state).toMatchObject({ status: 'failed', error: { code: 'BRANCH_FAILED' } });

    const retried = run.resume();
    expect(run.runs('run-step', retried)).toEqual(['a@2']);
    expect(run.state.nodes['a2']).toBeUndefined();
    expect(run.state.nodes['a3']).toBeUndefined();
    expect(run.state.nodes['p']).toMatchObject({ status: 'running', attempt: 2 });
    expect(run.state.nodes['p']!.failures).toBeUndefined();

    // Their skips were step runs of attempt 1: running them now opens new step runs.
    expect(run.runs('run-step', run.succeed('a', 'A'))).toEqual(['a2@2']);
    expect(run.runs('run-step', run.succeed('a2', 'A2'))).toEqual(['a3@2']);
    run.succeed('a3', 'A3');
    expect(run.state.nodes['p']).toMatchObject({ status: 'succeeded', output: { a: 'A3', b: 'B' } });
    expect(run.state.status).toBe('completed');
  });

  it('keeps the skips of a condition’s untaken side, and un-skips a join the failure skipped', () => {
    const run = new Run(
      compile(
        wf([
          parallel('p', ['c', 'other'], { failFast: false }),
          condition('c', 'false', 't', 'f'),
          script('t', ['j']),
          script('f', ['j']),
          script('j', ['k']),
          script('k'),
          script('other'),
        ]),
      ),
    );
    run.start();
    run.fail('f');
    expect(run.recorded('skipped')).toEqual(['t', 'j', 'k']);
    run.succeed('other', 'other');
    expect(run.state.status).toBe('failed');

    expect(run.runs('run-step', run.resume())).toEqual(['f@2']);
    expect(run.status('t')).toBe('skipped');
    expect(run.state.nodes['j']).toBeUndefined();
    expect(run.state.nodes['k']).toBeUndefined();
    expect(run.runs('run-step', run.succeed('f', 'F'))).toEqual(['j@2']);
    run.succeed('j');
    run.succeed('k', 'K');
    expect(run.state.status).toBe('completed');
    expect(run.state.nodes['p']!.output).toEqual({ c: 'K', other: 'other' });
  });

  it('follows results that arrived while the execution was failed', () => {
    const run = new Run(compile(wf([script('a', ['a2']), script('b'), script('a2'), parallel('p', ['x']), script('x')])));
    run.start();
    run.fail('b');
    // Recorded, but not followed while failed: a2 does not start, p does not finish.
    expect(run.succeed('a', 'A')).toEqual([]);
    expect(run.succeed('x', 'X')).toEqual([]);
    expect(run.state.nodes['p']!.status).toBe('running');

    const retried = run.resume();
    expect(run.runs('run-step', retried)).toEqual(['a2@1', 'b@2']);
    expect(run.state.nodes['p']).toMatchObject({ status: 'succeeded', output: { x: 'X' } });
    run.succeed('a2');
    run.succeed('b');
    expect(run.state.status).toBe('completed');
  });

  it('retries a step whose result failed after the execution had failed', () => {
    const run = new Run(compile(wf([script('a'), script('b')])));
    run.start();
    run.fail('a');
    run.fail('b');
    expect(run.runs('run-step', run.resume())).toEqual(['a@2', 'b@2']);
  });

  it('continues a loop whose iteration failed, from that iteration', () => {
    const run = new Run(compile(wf([loop('l', 'get', { maxIterations: 3, onMaxIterations: 'complete' }), script('get', ['save']), script('save')])));
    run.start();
    run.succeed('l#0/get');
    run.succeed('l#0/save', 'saved0');
    run.succeed('l#1/get', 'got1');
    run.fail('l#1/save');
    expect(run.state.nodes['l']).toMatchObject({ status: 'failed', iteration: 1, recorded: 1 });

    const retried = run.resume();
    expect(run.runs('record-step', retried)).toEqual(['l@2']);
    expect(run.runs('run-step', retried)).toEqual(['l#1/save@2']);
    expect(runSteps(retried)[0]!.context).toMatchObject({ results: { get: 'got1' }, loop: { iteration: 1 } });
    expect(run.state.nodes['l']).toMatchObject({ status: 'running', attempt: 2, iteration: 1, recorded: 1 });

    expect(run.runs('run-step', run.succeed('l#1/save', 'saved1'))).toEqual(['l#2/get@1']);
    run.succeed('l#2/get');
    run.succeed('l#2/save', 'saved2');
    expect(run.state.nodes['l']).toMatchObject({ status: 'succeeded', output: ['saved0', 'saved1', 'saved2'] });
    expect(run.state.status).toBe('completed');
  });

  it('re-runs the failed and cancelled steps of a loop iteration whose parallel failed fast', () => {
    const run = new Run(compile(wf([loop('l', 'p', { maxIterations: 2, onMaxIterations: 'complete' }), parallel('p', ['a', 'b']), script('a'), script('b')])));
    run.start();
    run.fail('l#0/a');
    expect(run.status('l#0/b')).toBe('cancelled');
    const retried = run.resume();
    expect(run.runs('record-step', retried)).toEqual(['l@2', 'l#0/p@2']);
    expect(run.runs('run-step', retried)).toEqual(['l#0/a@2', 'l#0/b@2']);
    run.succeedAllQueued();
    expect(run.queued()).toEqual(['l#1/a', 'l#1/b']);
    run.succeedAllQueued();
    expect(run.state.nodes['l']!.output).toEqual([
      { a: 'l#0/a', b: 'l#0/b' },
      { a: 'l#1/a', b: 'l#1/b' },
    ]);
    expect(run.state.status).toBe('completed');
  });

  it('asks again for a loop condition whose evaluation failed', () => {
    const sandbox = flaky();
    const run = new Run(compile(wf([loop('l', 'body', { condition: 'loop.iteration < 1' }), script('body')])), {}, sandbox.evaluate);
    run.start();
    expect(run.state.nodes['l']).toMatchObject({ status: 'failed', error: { code: 'EXPRESSION_ERROR' } });
    sandbox.fix();
    expect(run.runs('run-step', run.resume())).toEqual(['l#0/body@1']);
    expect(run.evaluations.map((e) => [e.purpose, e.scope.loop])).toEqual([
      ['loop-condition', { iteration: 0 }],
      ['loop-condition', { iteration: 0 }],
    ]);
    run.succeed('l#0/body', 'once');
    expect(run.state.nodes['l']).toMatchObject({ status: 'succeeded', output: ['once'] });
  });

  it('asks again for a break condition whose evaluation failed, without re-running the iteration', () => {
    let calls = 0;
    let fixed = false;
    // The condition before iteration 0 passes; the break condition after it throws until fixed.
    const run = new Run(
      compile(wf([loop('l', 'body', { condition: 'true', breakCondition: 'results.body === "stop"', maxIterations: 5 }), script('body')])),
      {},
      (command) => (++calls === 2 && !fixed ? { ok: false, error: { code: 'EXPRESSION_ERROR', message: 'not today' } } : evaluateInProcess(command)),
    );
    run.start();
    run.succeed('l#0/body', 'go on');
    expect(run.state.nodes['l']).toMatchObject({
      status: 'failed',
      iteration: 0,
      recorded: 1,
      error: { message: 'loop "l" breakCondition `results.body === "stop"`: not today' },
    });
    fixed = true;
    const retried = run.resume();
    expect(run.evaluations.slice(2).map((e) => [e.purpose, e.scope.loop])).toEqual([
      ['loop-break', { iteration: 0 }],
      ['loop-condition', { iteration: 1 }],
    ]);
    expect(run.evaluations[2]!.scope.results).toEqual({ body: 'go on' });
    expect(run.runs('run-step', retried)).toEqual(['l#1/body@1']);
    run.succeed('l#1/body', 'stop');
    expect(run.state.nodes['l']).toMatchObject({ status: 'succeeded', output: ['go on', 'stop'] });
  });

  it('checks the limit again for a loop that failed with LOOP_LIMIT, and fails again', () => {
    const run = new Run(compile(wf([loop('l', 'body', { maxIterations: 1 }), script('body')])));
    run.start();
    run.succeed('l#0/body');
    expect(run.state).toMatchObject({ status: 'failed', error: { code: 'LOOP_LIMIT' } });
    const retried = run.resume();
    expect(retried.map((c) => c.type)).toEqual(['record-step', 'record-step', 'record-error', 'execution-settled']);
    expect(run.runs('record-step', retried)).toEqual(['l@2', 'l@2']);
    expect(run.state).toMatchObject({ status: 'failed', error: { code: 'LOOP_LIMIT', stepId: 'l' } });
    expect(run.state.nodes['l']).toMatchObject({ status: 'failed', attempt: 2, iteration: 1 });
  });

  it('re-runs a condition whose expression failed, and then the side it takes', () => {
    const sandbox = flaky();
    const run = new Run(compile(wf([condition('c', 'true', 'yes', 'no'), script('yes'), script('no')])), {}, sandbox.evaluate);
    run.start();
    expect(run.state).toMatchObject({ status: 'failed', error: { stepId: 'c', code: 'EXPRESSION_ERROR' } });
    sandbox.fix();
    const retried = run.resume();
    // The condition's run is recorded running, then with its outcome (one row for the shell).
    expect(run.runs('record-step', retried)).toEqual(['c@2', 'c@2', 'no@1']);
    expect(run.runs('run-step', retried)).toEqual(['yes@1']);
    run.succeed('yes');
    expect(run.state.status).toBe('completed');
  });

  it('asks again for a condition whose answer came after the execution failed', () => {
    const run = new Run(
      compile(wf([condition('c', 'true', 'yes'), script('yes'), script('s'), { id: 'bad', type: 'http', config: { url: 'http://x/{{ results.s }}' } }])),
    );
    run.start();
    // The condition was asked, but a template failure failed the execution before its answer came.
    expect(run.state.status).toBe('failed');
    expect(run.status('c')).toBe('evaluating');
    expect(run.ignored).toEqual(['execution is failed']);
    run.succeed('s', 'S');

    const retried = run.resume();
    expect(run.runs('run-step', retried)).toEqual(['bad@2', 'yes@1']);
    expect(run.evaluations.map((e) => e.key)).toEqual(['c', 'c']);
    expect(run.state.nodes['c']).toMatchObject({ status: 'succeeded', attempt: 1, output: true });
    run.succeed('bad');
    run.succeed('yes');
    expect(run.state.status).toBe('completed');
  });
});
