import { describe, expect, it } from 'vitest';
import { createExecutionState, type EngineCommand, type ExecutionState } from '@agentic-flow/engine';
import type { Step } from '@agentic-flow/spec';
import { stepKinds } from '../src/step-kinds.js';
import { Transition, type KindDispatch } from '../src/transition.js';
import { waitStep } from '../src/wait-step.js';
import { compile, deepFreeze, script, wf } from './harness.js';

// The kind's hooks, driven on a Transition as the core drives them (decide routes `step.signal` to
// `signalled`, resume to `resumed`, restore and retry to `redrive`). `launch` of a wait goes to the
// kind; the other step types to the engine's own dispatch.
const dispatch: KindDispatch = {
  ...stepKinds,
  launch(t, key, step: Step, attempt) {
    if (step.type === 'wait') waitStep.launch(t, key, step, attempt);
    else stepKinds.launch(t, key, step, attempt);
  },
};

const wait = (id: string, config: Record<string, unknown>, next: string[] = []) => ({ id, type: 'wait' as const, config, next });

function setup(config: Record<string, unknown>, variables: Record<string, unknown> = {}) {
  const workflow = compile(wf([script('a', ['w']), wait('w', config, ['b']), script('b')], variables));
  let state: ExecutionState = deepFreeze(
    createExecutionState({ executionId: 'e', workflowId: 'wf', workflowVersion: '1', defaults: workflow.definition.variables, input: {} }),
  );
  /** One transition at `at`: `fn` acts on it; returns its commands (and why it was ignored, if it was). */
  const step = (at: number, fn: (t: Transition) => string | undefined | void): { commands: EngineCommand[]; ignored?: string } => {
    const t = new Transition(workflow, state, at, dispatch);
    const ignored = fn(t);
    if (typeof ignored === 'string') return { commands: [], ignored };
    t.completeIfDone();
    state = deepFreeze(t.state);
    return { commands: t.commands };
  };
  const start = (at: number) =>
    step(at, (t) => {
      t.lifecycle('START');
      t.state.startedAt = at;
      t.activate('', 'a');
    });
  /** Script `a` succeeded at `at`: the wait launches. */
  const afterA = (at: number) =>
    step(at, (t) => {
      t.setNode('a', { ...t.node('a')!, status: 'succeeded', output: 1 });
      t.settled('a');
    });
  const timer = (at: number, attempt = state.nodes['w']!.attempt) =>
    step(at, (t) => (t.node('w')?.attempt === attempt ? waitStep.signalled!(t, 'w', { type: 'timer' }) : 'other attempt'));
  return { step, start, afterA, timer, state: () => state };
}

const types = (commands: EngineCommand[]) =>
  commands.map((c) => (c.type === 'record-step' ? `record:${c.key}:${c.status}` : `${c.type}:${'key' in c ? c.key : ''}`));

describe('wait step', () => {
  it('waits for its duration as a timer signal, holding no job, then succeeds and the next step runs', () => {
    const run = setup({ duration: '1h30m' });
    run.start(1000);
    const { commands } = run.afterA(2000);
    expect(types(commands)).toEqual(['record:w:running', 'schedule-signal:w']);
    expect(commands[1]).toEqual({ type: 'schedule-signal', key: 'w', stepId: 'w', attempt: 1, dueAt: 2000 + 5_400_000, signal: { type: 'timer' }, at: 2000 });
    expect(run.state().nodes['w']).toEqual({ stepId: 'w', status: 'waiting', attempt: 1, wakeAt: 5_402_000 });
    expect(run.state().status).toBe('running');

    const woke = run.timer(5_402_010);
    expect(types(woke.commands)).toEqual(['record:w:succeeded', 'run-step:b']);
    expect(run.state().nodes['w']).toMatchObject({ status: 'succeeded', output: { waitedUntil: new Date(5_402_000).toISOString() } });
  });

  it('ignores a second delivery of its timer', () => {
    const run = setup({ duration: 100 });
    run.start(1000);
    run.afterA(2000);
    run.timer(2100);
    expect(run.timer(2200).ignored).toMatch(/not waiting/);
  });

  it('waits until an instant, and a time already past continues at once without a signal', () => {
    const later = setup({ until: '2030-01-01T00:00:00Z' });
    later.start(1000);
    expect(later.afterA(2000).commands.find((c) => c.type === 'schedule-signal')).toMatchObject({ dueAt: Date.UTC(2030, 0, 1) });

    const past = setup({ until: '2001-01-01T00:00:00+02:00' });
    past.start(1000);
    const { commands } = past.afterA(Date.UTC(2020, 0, 1));
    expect(types(commands)).toEqual(['record:w:succeeded', 'run-step:b']);
    expect(past.state().nodes['w']!.output).toEqual({ waitedUntil: '2000-12-31T22:00:00.000Z' });
  });

  it('continues at once for a duration of 0', () => {
    const run = setup({ duration: 0 });
    run.start(1000);
    expect(types(run.afterA(2000).commands)).toEqual(['record:w:succeeded', 'run-step:b']);
  });

  it('resolves templates at launch', () => {
    const run = setup({ duration: '{{ variables.delay }}' }, { delay: '2s' });
    run.start(1000);
    expect(run.afterA(2000).commands.find((c) => c.type === 'schedule-signal')).toMatchObject({ dueAt: 4000 });
    const until = setup({ until: '{{ variables.at }}' }, { at: '2030-01-01T00:00:00Z' });
    until.start(1000);
    expect(until.afterA(2000).commands.find((c) => c.type === 'schedule-signal')).toMatchObject({ dueAt: Date.UTC(2030, 0, 1) });
  });

  it.each([
    [{ duration: '{{ variables.v }}' }, 'soon', 'duration'],
    [{ duration: '{{ variables.v }}' }, -5, 'duration'],
    [{ duration: '{{ variables.v }}' }, '400d', 'duration'],
    [{ until: '{{ variables.v }}' }, 'next tuesday', 'until'],
    [{ until: '{{ variables.v }}' }, '2030-01-01T00:00:00', 'until'],
  ])('fails INVALID_WAIT at launch when %j resolves to %j, naming the value', (config, value, field) => {
    const run = setup(config, { v: value });
    run.start(1000);
    const { commands } = run.afterA(2000);
    expect(commands.some((c) => c.type === 'schedule-signal')).toBe(false);
    expect(run.state().status).toBe('failed');
    const error = run.state().nodes['w']!.error!;
    expect(error.code).toBe('INVALID_WAIT');
    expect(error.message).toContain(String(value));
    expect(error.details).toEqual({ field, value: String(value) });
  });

  it('fails TEMPLATE when its template does not resolve', () => {
    const run = setup({ duration: '{{ results.nope }}' });
    run.start(1000);
    run.afterA(2000);
    expect(run.state().nodes['w']!.error!.code).toBe('TEMPLATE');
  });

  it('a timer due while paused marks the wait elapsed; it continues on resume, not before', () => {
    const run = setup({ duration: 1000 });
    run.start(1000);
    run.afterA(2000);
    run.step(2500, (t) => void t.lifecycle('PAUSE'));
    const due = run.timer(3000);
    expect(types(due.commands)).toEqual([]);
    expect(run.state().nodes['w']).toMatchObject({ status: 'waiting', elapsed: true });
    expect(run.timer(3100).ignored).toMatch(/already elapsed/);
    const resumed = run.step(9000, (t) => {
      t.lifecycle('RESUME');
      waitStep.resumed!(t, 'w', t.node('w')!);
    });
    expect(types(resumed.commands)).toEqual(['record:w:succeeded', 'run-step:b']);
    expect(run.state().nodes['w']!.elapsed).toBeUndefined();
  });

  it('a resume before the timer changes nothing: the timer still decides', () => {
    const run = setup({ duration: 1000 });
    run.start(1000);
    run.afterA(2000);
    run.step(2100, (t) => void t.lifecycle('PAUSE'));
    const resumed = run.step(2200, (t) => {
      t.lifecycle('RESUME');
      waitStep.resumed!(t, 'w', t.node('w')!);
    });
    expect(resumed.commands).toEqual([]);
    expect(types(run.timer(3000).commands)).toEqual(['record:w:succeeded', 'run-step:b']);
  });

  it('a redrive schedules the timer again at the same due time, or wakes when it is past', () => {
    const run = setup({ duration: 1000 });
    run.start(1000);
    run.afterA(2000);
    const again = run.step(2500, (t) => waitStep.redrive!(t, 'w', t.node('w')!));
    expect(again.commands).toEqual([{ type: 'schedule-signal', key: 'w', stepId: 'w', attempt: 1, dueAt: 3000, signal: { type: 'timer' }, at: 2500 }]);
    const late = run.step(3500, (t) => waitStep.redrive!(t, 'w', t.node('w')!));
    expect(types(late.commands)).toEqual(['record:w:succeeded', 'run-step:b']);
  });

  it('a cancelled wait ignores its late timer', () => {
    const run = setup({ duration: 1000 });
    run.start(1000);
    run.afterA(2000);
    const cancelled = run.step(2500, (t) => {
      t.lifecycle('CANCEL');
      t.cancelWhere(() => true);
      waitStep.cancelled!(t, 'w', t.node('w')!);
      t.settle();
    });
    expect(types(cancelled.commands)).toEqual(['record:w:cancelled', 'execution-settled:']);
    expect(run.timer(3000).ignored).toMatch(/not waiting/);
  });
});
