import { describe, expect, it } from 'vitest';
import type { EngineCommand } from '@agentic-flow/engine';
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
