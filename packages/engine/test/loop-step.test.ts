import { describe, expect, it } from 'vitest';
import { Run, compile, runSteps, http, loop, parallel, script, wf } from './harness.js';

describe('loop steps', () => {
  it('runs while the condition holds, one step run per iteration, and lists every output', () => {
    const run = new Run(compile(wf([loop('batches', 'one', { condition: 'variables.i < 3' }, ['after']), script('one'), script('after')], { i: 0 })));
    expect(run.ran(run.start())).toEqual(['batches#0/one']);
    expect(run.ran(run.succeed('batches#0/one', 'out0', { i: 1 }))).toEqual(['batches#1/one']);
    expect(run.ran(run.succeed('batches#1/one', 'out1', { i: 2 }))).toEqual(['batches#2/one']);
    expect(run.ran(run.succeed('batches#2/one', 'out2', { i: 3 }))).toEqual(['after']);
    expect(run.state.nodes['batches']).toMatchObject({ status: 'succeeded', output: ['out0', 'out1', 'out2'] });
    expect(run.evaluations.map((e) => e.scope.loop)).toEqual([{ iteration: 0 }, { iteration: 1 }, { iteration: 2 }, { iteration: 3 }]);
  });

  it('runs no iteration when the condition is false at once', () => {
    const run = new Run(compile(wf([loop('l', 'body', { condition: 'false' }, ['after']), script('body'), script('after')])));
    expect(run.ran(run.start())).toEqual(['after']);
    expect(run.state.nodes['l']).toMatchObject({ status: 'succeeded', output: [] });
  });

  it('breaks on the first iteration when breakCondition holds, reading that iteration', () => {
    const run = new Run(compile(wf([loop('l', 'body', { breakCondition: 'results["body"].done' }), script('body')])));
    run.start();
    run.succeed('l#0/body', { done: true });
    expect(run.state.nodes['l']).toMatchObject({ status: 'succeeded', output: [{ done: true }] });
    expect(run.ran()).toEqual(['l#0/body']);
    expect(run.state.status).toBe('completed');
  });

  it('fails with LOOP_LIMIT at maxIterations, or completes when told to', () => {
    const failing = new Run(compile(wf([loop('l', 'body', { maxIterations: 2 }), script('body')])));
    failing.start();
    failing.succeedAllQueued();
    failing.succeedAllQueued();
    expect(failing.state.nodes['l']).toMatchObject({
      status: 'failed',
      error: { code: 'LOOP_LIMIT', message: 'loop "l" reached maxIterations (2) and its condition still holds' },
    });
    expect(failing.state.status).toBe('failed');

    const completing = new Run(compile(wf([loop('l', 'body', { maxIterations: 2, onMaxIterations: 'complete' }), script('body')])));
    completing.start();
    completing.succeedAllQueued();
    completing.succeedAllQueued();
    expect(completing.state.nodes['l']).toMatchObject({ status: 'succeeded', output: ['l#0/body', 'l#1/body'] });
  });

  it('does not hit the limit when the condition ends the loop exactly there', () => {
    const run = new Run(compile(wf([loop('l', 'body', { condition: 'variables.n < 2', maxIterations: 2 }), script('body')], { n: 0 })));
    run.start();
    run.succeed('l#0/body', 0, { n: 1 });
    run.succeed('l#1/body', 1, { n: 2 });
    expect(run.state.nodes['l']).toMatchObject({ status: 'succeeded', output: [0, 1] });
  });

  it('runs a chain as the body and gives templates loop.iteration', () => {
    const run = new Run(
      compile(
        wf([
          loop('l', 'get', { maxIterations: 2, onMaxIterations: 'complete' }),
          http('get', 'http://api/page/{{ loop.iteration }}', ['save']),
          script('save'),
        ]),
      ),
    );
    const [first] = runSteps(run.start());
    expect((first!.config as { url: string }).url).toBe('http://api/page/0');
    const [save] = runSteps(run.succeed('l#0/get', 'page0'));
    expect(save!.context).toMatchObject({ results: { get: 'page0' }, loop: { iteration: 0 } });
    const [second] = runSteps(run.succeed('l#0/save', 'saved0'));
    expect((second!.config as { url: string }).url).toBe('http://api/page/1');
    run.succeed('l#1/get', 'page1');
    run.succeed('l#1/save', 'saved1');
    expect(run.state.nodes['l']!.output).toEqual(['saved0', 'saved1']);
  });

  it('fails the loop and the execution when a body step fails', () => {
    const run = new Run(compile(wf([loop('l', 'body', { maxIterations: 5 }), script('body')])));
    run.start();
    run.succeed('l#0/body');
    run.fail('l#1/body', 'bad batch');
    expect(run.state.nodes['l']).toMatchObject({ status: 'failed', error: { code: 'SCRIPT_ERROR', message: 'loop "l" iteration 1: bad batch' } });
    expect(run.state).toMatchObject({ status: 'failed', error: { stepId: 'l' } });
  });

  it('fails the loop when its condition throws', () => {
    const run = new Run(compile(wf([loop('l', 'body', { condition: 'variables.nope.deeper' }), script('body')])));
    run.start();
    expect(run.state.nodes['l']).toMatchObject({
      status: 'failed',
      error: { code: 'EXPRESSION_ERROR', message: expect.stringContaining('loop "l" condition `variables.nope.deeper`: ') },
    });
  });

  it('nests: a parallel inside a loop, and a loop inside a branch', () => {
    const run = new Run(
      compile(
        wf([
          loop('outer', 'fan', { maxIterations: 2, onMaxIterations: 'complete' }),
          parallel('fan', ['x', 'inner']),
          script('x'),
          loop('inner', 'y', { maxIterations: 2, onMaxIterations: 'complete' }),
          script('y'),
        ]),
      ),
    );
    expect(run.ran(run.start())).toEqual(['outer#0/x', 'outer#0/inner#0/y']);
    run.succeedAllQueued();
    expect(run.queued()).toEqual(['outer#0/inner#1/y']);
    run.succeedAllQueued();
    expect(run.queued()).toEqual(['outer#1/inner#0/y', 'outer#1/x']);
    run.succeedAllQueued();
    run.succeedAllQueued();
    expect(run.state.status).toBe('completed');
    expect(run.state.nodes['outer']!.output).toEqual([
      { x: 'outer#0/x', inner: ['outer#0/inner#0/y', 'outer#0/inner#1/y'] },
      { x: 'outer#1/x', inner: ['outer#1/inner#0/y', 'outer#1/inner#1/y'] },
    ]);
  });

  it('cancels the rest of an iteration when a body step fails', () => {
    const run = new Run(compile(wf([loop('l', 'p'), parallel('p', ['a', 'b'], { failFast: false }), script('a'), script('b')])));
    run.start();
    run.fail('l#0/a', 'no');
    expect(run.state.nodes['l#0/b']!.status).toBe('queued');
    run.succeed('l#0/b');
    expect(run.state.nodes['l']).toMatchObject({ status: 'failed', error: { code: 'BRANCH_FAILED' } });
  });

  it('holds iterations while paused', () => {
    const run = new Run(compile(wf([loop('l', 'body', { maxIterations: 2, onMaxIterations: 'complete' }), script('body')])));
    run.start();
    run.send({ type: 'pause' });
    run.succeed('l#0/body');
    expect(run.status('l#1/body')).toBe('ready');
    expect(run.ran(run.send({ type: 'resume' }))).toEqual(['l#1/body']);
    run.succeed('l#1/body');
    expect(run.state.status).toBe('completed');
  });
});
