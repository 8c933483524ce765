import { describe, expect, it } from 'vitest';
import type { EngineCommand, EvaluateCommand, ExpressionOutcome } from '@agentic-flow/engine';
import { Run, compile, condition, evaluateInProcess, loop, script, wf } from './harness.js';

/** Evaluates in process and, like the coordinator, warns when the expression's scope lacks what it compares. */
function warning(text: string): (command: EvaluateCommand) => ExpressionOutcome {
  return (command) => {
    const outcome = evaluateInProcess(command);
    return outcome.ok ? { ...outcome, warning: text } : outcome;
  };
}

const logs = (commands: readonly EngineCommand[]) => commands.filter((c) => c.type === 'log');

describe('decisions that read undefined', () => {
  it('log one warning naming the step and the expression, and still follow JavaScript', () => {
    const run = new Run(
      compile(wf([script('fetch', ['check']), condition('check', 'results.fetch.quality > 0.8', 'good', 'clean'), script('good'), script('clean')])),
      {},
      warning('results.fetch.quality is undefined'),
    );
    run.start();
    run.succeed('fetch', { items: [] });
    expect(logs(run.commands)).toEqual([
      {
        type: 'log',
        key: 'check',
        stepId: 'check',
        attempt: 1,
        level: 'warn',
        message: 'step "check": condition `results.fetch.quality > 0.8` read undefined and went on with it: results.fetch.quality is undefined',
        at: 1020,
      },
    ]);
    expect(run.state.nodes['check']).toEqual({ stepId: 'check', status: 'succeeded', attempt: 1, output: false });
    expect(run.queued()).toEqual(['clean']);
  });

  it('warn once per expression of a loop instance, however many times it is asked', () => {
    const run = new Run(
      compile(
        wf(
          [
            loop('batches', 'body', {
              condition: 'variables.i < variables.total',
              breakCondition: 'results.body.n > 5',
              maxIterations: 3,
              onMaxIterations: 'complete',
            }),
            script('body'),
          ],
          { i: 0, total: 10 },
        ),
      ),
      {},
      warning('something is undefined'),
    );
    run.start();
    for (let i = 0; i < 3; i++) run.succeed(`batches#${i}/body`, { n: i });
    expect(run.state.nodes['batches']?.status).toBe('succeeded');
    expect(run.evaluations.length).toBeGreaterThan(4);
    expect(logs(run.commands).map((c) => (c as { message: string }).message)).toEqual([
      'step "batches": condition `variables.i < variables.total` read undefined and went on with it: something is undefined',
      'step "batches": breakCondition `results.body.n > 5` read undefined and went on with it: something is undefined',
    ]);
    // The bookkeeping goes with the loop once it settles.
    expect(run.state.nodes['batches']).not.toHaveProperty('warnedUndefined');
  });

  it('fail the step, quoting the expression, when it throws: no branch is taken', () => {
    const run = new Run(
      compile(wf([script('fetch', ['check']), condition('check', 'results.fetch.data.quality > 0.8', 'good', 'clean'), script('good'), script('clean')])),
    );
    run.start();
    run.succeed('fetch', { items: [] });
    expect(run.state.nodes['check']).toMatchObject({
      status: 'failed',
      error: { code: 'EXPRESSION_ERROR', message: expect.stringMatching(/^step "check" condition `results\.fetch\.data\.quality > 0\.8`: .*quality/) },
    });
    expect(run.state.status).toBe('failed');
    expect(run.queued()).toEqual([]);
    expect(run.recorded('skipped')).toEqual([]);
  });
});
