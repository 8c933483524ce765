import { describe, expect, it } from 'vitest';
import { decide, type BranchStartBudget, type EngineCommand } from '@agentic-flow/engine';
import { LAUNCH_SIGNAL_DELAY_MS } from '../src/parallel-step.js';
import { Run, compile, parallel, script, wf } from './harness.js';

const roots = ['a', 'b', 'c', 'd', 'e'];
const fanOut = (config: Record<string, unknown> = {}) =>
  compile(wf([parallel('p', roots, config, ['after']), ...roots.map((r) => script(r)), script('after')]));

const launchSignals = (commands: EngineCommand[]) =>
  commands.filter((c) => c.type === 'schedule-signal' && c.signal.type === 'launch').map((c) => (c.type === 'schedule-signal' ? `${c.key}@${c.attempt}` : ''));

function launch(run: Run): EngineCommand[] {
  return run.send({ type: 'step.signal', key: 'p', attempt: run.state.nodes['p']!.attempt, signal: { type: 'launch' } });
}

describe('a parallel starts its branches in slices (branchStartsPerTransition)', () => {
  it('starts at most the slice in one transition and asks for a launch signal, due shortly, to start the rest', () => {
    const run = new Run(fanOut(), {}, { branchStartsPerTransition: 2 });
    const started = run.start();
    expect(run.ran(started)).toEqual(['a', 'b']);
    expect(launchSignals(started)).toEqual(['p@1']);
    const signal = started.find((c) => c.type === 'schedule-signal')!;
    expect(signal).toMatchObject({ dueAt: signal.at + LAUNCH_SIGNAL_DELAY_MS });
    expect(run.state.nodes['p']).toMatchObject({ branches: { started: 2, done: 0, next: 2 }, launchDueAt: signal.at + LAUNCH_SIGNAL_DELAY_MS });

    const second = launch(run);
    expect(run.ran(second)).toEqual(['c', 'd']);
    expect(launchSignals(second)).toEqual(['p@1']);
    const third = launch(run);
    expect(run.ran(third)).toEqual(['e']);
    // Nothing left to start: no further signal.
    expect(launchSignals(third)).toEqual([]);
    run.succeedAllQueued();
    expect(run.status('p')).toBe('succeeded');
    expect(run.ran(run.commands)).toContain('after');
  });

  it('starts more as branches end, within the same bound per transition, asking for one signal at a time; a late signal finds nothing to do', () => {
    const run = new Run(fanOut(), {}, { branchStartsPerTransition: 2 });
    run.start();
    // A branch's end starts the next slice on its way; the signal asked for is still on its way, so no other.
    const next = run.succeed('a');
    expect(run.ran(next)).toEqual(['c', 'd']);
    expect(launchSignals(next)).toEqual([]);
    expect(run.ran(run.succeed('b'))).toEqual(['e']);
    // The signals asked for arrive after everything started: nothing to start, nothing breaks.
    expect(run.ran(launch(run))).toEqual([]);
    expect(run.ignored).toEqual([]);
    expect(run.state.nodes['p']!.launchDueAt).toBeUndefined();
    run.succeedAllQueued();
    expect(run.status('p')).toBe('succeeded');
    expect(run.state.nodes['p']!.output).toEqual({ a: null, b: null, c: 'c', d: 'd', e: 'e' });
  });

  it('keeps maxConcurrency: the slice never starts more than the free slots', () => {
    const run = new Run(fanOut({ maxConcurrency: 1 }), {}, { branchStartsPerTransition: 2 });
    const started = run.start();
    expect(run.ran(started)).toEqual(['a']);
    expect(launchSignals(started)).toEqual([]);
    expect(run.ran(launch(run))).toEqual([]);
  });

  it('holds the rest while paused (the signal is ignored) and starts them on resume', () => {
    const run = new Run(fanOut(), {}, { branchStartsPerTransition: 2 });
    run.start();
    run.pause();
    expect(run.ran(launch(run))).toEqual([]);
    expect(run.ignored.at(-1)).toBe('execution is paused');
    const resumed = run.resume();
    expect(run.ran(resumed)).toEqual(expect.arrayContaining(['c', 'd']));
    expect(run.state.nodes['p']!.branches).toMatchObject({ started: 4, next: 4 });
    // The signal that came while paused was spent: resuming asks for another.
    expect(launchSignals(resumed)).toEqual(['p@1']);
  });

  it('bounds a transition across nested parallels: their branch starts count together', () => {
    const inner = (id: string) => [parallel(id, [`${id}1`, `${id}2`, `${id}3`]), script(`${id}1`), script(`${id}2`), script(`${id}3`)];
    const run = new Run(compile(wf([parallel('outer', ['x', 'y', 'z']), ...inner('x'), ...inner('y'), ...inner('z')])), {}, { branchStartsPerTransition: 4 });
    const first = run.start();
    // outer starts x (1), x starts x1–x3 (4): the bound is reached, and outer waits for its signal.
    expect(run.ran(first)).toEqual(['x1', 'x2', 'x3']);
    expect(launchSignals(first)).toEqual(['outer@1']);
    expect(run.state.nodes['y']).toBeUndefined();
    const next = run.send({ type: 'step.signal', key: 'outer', attempt: 1, signal: { type: 'launch' } });
    // y (1) and its three branches (4): z waits for the next signal.
    expect(run.ran(next)).toEqual(['y1', 'y2', 'y3']);
    expect(launchSignals(next)).toEqual(['outer@1']);
    const last = run.send({ type: 'step.signal', key: 'outer', attempt: 1, signal: { type: 'launch' } });
    expect(run.ran(last)).toEqual(['z1', 'z2', 'z3']);
    expect(launchSignals(last)).toEqual([]);
    run.succeedAllQueued();
    expect(run.status('outer')).toBe('succeeded');
    expect(Object.keys(run.state.nodes).filter((key) => /^[xyz]\d$/.test(key))).toHaveLength(9);
  });

  it('shares a transaction’s budget among its decisions: a batch of results starts no more than one transaction may', () => {
    const workflow = fanOut();
    const run = new Run(workflow, {}, { branchStartsPerTransition: 2 });
    run.start();
    // Two results applied in one transaction, as the coordinator does: one budget of 2 for both decisions.
    const budget: BranchStartBudget = { remaining: 2 };
    const first = decide(workflow, run.state, { type: 'step.succeeded', key: 'a', attempt: 1, output: null, at: 5_000 }, { branchStartBudget: budget });
    expect(run.ran(first.commands)).toEqual(['c', 'd']);
    expect(budget.remaining).toBe(0);
    const second = decide(workflow, first.state, { type: 'step.succeeded', key: 'b', attempt: 1, output: null, at: 5_000 }, { branchStartBudget: budget });
    expect(run.ran(second.commands)).toEqual([]);
    expect(second.state.nodes['p']!.branches).toMatchObject({ started: 4, done: 2, next: 4 });
  });

  it('asks again when the signal it waits for is long overdue (taken as lost)', () => {
    const run = new Run(fanOut(), {}, { branchStartsPerTransition: 1 });
    run.start();
    expect(launchSignals(run.succeed('a'))).toEqual([]);
    const late = run.send({ type: 'step.succeeded', key: 'b', attempt: 1, output: null, at: run.state.nodes['p']!.launchDueAt! + 61_000 });
    expect(run.ran(late)).toEqual(['c']);
    expect(launchSignals(late)).toEqual(['p@1']);
  });

  it('ignores a launch signal of an earlier attempt, and one for a parallel no longer running', () => {
    const run = new Run(fanOut({ failFast: true }), {}, { branchStartsPerTransition: 2 });
    run.start();
    run.fail('a');
    expect(run.status('p')).toBe('failed');
    launch(run);
    expect(run.ignored.at(-1)).toBe('parallel p is not running (it is failed)');
    run.send({ type: 'step.signal', key: 'p', attempt: 7, signal: { type: 'launch' } });
    expect(run.ignored.at(-1)).toBe('no step run p attempt 7');
  });
});
