import { describe, expect, it } from 'vitest';
import { Run, compile, condition, parallel, script, wf } from './harness.js';

describe('condition steps', () => {
  const diamond = wf([
    script('fetch', ['check']),
    condition('check', 'results["fetch"].quality > 0.8', 'high', 'clean'),
    script('high', ['join']),
    script('clean', ['clean2']),
    script('clean2', ['join']),
    script('join'),
  ]);

  it('takes trueStep and skips the other side, so the join after it runs', () => {
    const run = new Run(compile(diamond));
    run.start();
    const commands = run.succeed('fetch', { quality: 0.9 });
    expect(run.ran(commands)).toEqual(['high']);
    expect(run.recorded('succeeded', commands)).toEqual(['check']);
    expect(run.state.nodes['check']!.output).toBe(true);
    expect(run.recorded('skipped', commands)).toEqual(['clean', 'clean2']);
    expect(run.ran(run.succeed('high'))).toEqual(['join']);
    run.succeed('join');
    expect(run.state.status).toBe('completed');
  });

  it('takes falseStep when the expression is falsy', () => {
    const run = new Run(compile(diamond));
    run.start();
    expect(run.ran(run.succeed('fetch', { quality: 0.2 }))).toEqual(['clean']);
    expect(run.status('high')).toBe('skipped');
    run.succeed('clean');
    expect(run.ran(run.succeed('clean2'))).toEqual(['join']);
  });

  it('sees results, variables, input and execution', () => {
    const run = new Run(
      compile(
        wf(
          [
            script('a', ['c']),
            condition('c', 'results.a === 1 && variables.v === "x" && input.i === 2 && execution.workflowId === "wf"', 'yes'),
            script('yes'),
          ],
          { v: 'x' },
        ),
      ),
      { i: 2 },
    );
    run.start();
    expect(run.ran(run.succeed('a', 1))).toEqual(['yes']);
  });

  it('fails the step when the expression throws', () => {
    const run = new Run(compile(wf([condition('c', 'results.missing.field', 'yes'), script('yes')])));
    run.start();
    expect(run.state.nodes['c']).toMatchObject({ status: 'failed', error: { code: 'EXPRESSION_ERROR' } });
    expect(run.state).toMatchObject({ status: 'failed', error: { stepId: 'c', code: 'EXPRESSION_ERROR' } });
    expect(run.recorded('failed')).toEqual(['c']);
  });

  it('propagates skips through a chain and a diamond, and skips a join whose inputs were all skipped', () => {
    const run = new Run(compile(wf([condition('c', 'false', 't'), script('t', ['l', 'r']), script('l', ['j']), script('r', ['j']), script('j')])));
    run.start();
    expect(run.recorded('skipped')).toEqual(['t', 'l', 'r', 'j']);
    expect(run.state.status).toBe('completed');
  });

  it('nests: a condition inside a parallel branch', () => {
    const run = new Run(compile(wf([parallel('p', ['c', 'other']), condition('c', 'true', 'yes', 'no'), script('yes'), script('no'), script('other')])));
    // The condition's expression is answered after the transition that started both branches.
    expect(run.ran(run.start())).toEqual(['other', 'yes']);
    run.succeedAllQueued();
    expect(run.state.nodes['p']!.output).toEqual({ c: { yes: 'yes', no: null }, other: 'other' });
    expect(run.state.status).toBe('completed');
  });
});
