import { describe, expect, it } from 'vitest';
import type { EngineCommand } from '@agentic-flow/engine';
import { Run, compile, script, wf } from './harness.js';

const wait = (id: string, config: Record<string, unknown>, next: string[] = []) => ({ id, type: 'wait' as const, config, next });

/** `a` → wait `w` → `b`, with `a` succeeded at `at`: the wait has launched. */
function waitAfterA(config: Record<string, unknown>, at = 2000, variables: Record<string, unknown> = {}) {
  const run = new Run(compile(wf([script('a', ['w']), wait('w', config, ['b']), script('b')], variables)));
  run.send({ type: 'start', at: 1000 });
  const commands = run.send({ type: 'step.succeeded', key: 'a', attempt: 1, output: 1, at });
  return { run, commands };
}

const timer = (run: Run, at: number, attempt = run.state.nodes['w']!.attempt, key = 'w') =>
  run.send({ type: 'step.signal', key, attempt, signal: { type: 'timer' }, at });

const types = (commands: EngineCommand[]) =>
  commands.map((c) => (c.type === 'record-step' ? `record:${c.key}:${c.status}` : `${c.type}:${'key' in c ? c.key : ''}`));

describe('wait step', () => {
  it('waits for its duration as a timer signal, holding no job, then succeeds and the next step runs', () => {
    const { run, commands } = waitAfterA({ duration: '1h30m' });
    expect(types(commands)).toEqual(['record:w:running', 'schedule-signal:w']);
    expect(commands.find((c) => c.type === 'schedule-signal')).toEqual({
      type: 'schedule-signal',
      key: 'w',
      stepId: 'w',
      attempt: 1,
      dueAt: 2000 + 5_400_000,
      signal: { type: 'timer' },
      at: 2000,
    });
    expect(run.state.nodes['w']).toEqual({ stepId: 'w', status: 'waiting', attempt: 1, wakeAt: 5_402_000 });
    expect(run.state.status).toBe('running');

    expect(types(timer(run, 5_402_010))).toEqual(['record:w:succeeded', 'run-step:b']);
    expect(run.state.nodes['w']).toMatchObject({ status: 'succeeded', output: { waitedUntil: new Date(5_402_000).toISOString() } });
    run.succeed('b');
    expect(run.state.status).toBe('completed');
  });

  it('ignores a second delivery of its timer, and one for another attempt', () => {
    const { run } = waitAfterA({ duration: 100 });
    expect(timer(run, 2050, 7)).toEqual([]);
    expect(run.ignored.at(-1)).toMatch(/attempt 7/);
    timer(run, 2100);
    expect(timer(run, 2200)).toEqual([]);
    expect(run.ignored.at(-1)).toMatch(/not waiting/);
  });

  it('waits until an instant, and a time already past continues at once without a signal', () => {
    const later = waitAfterA({ until: '2030-01-01T00:00:00Z' });
    expect(later.commands.find((c) => c.type === 'schedule-signal')).toMatchObject({ dueAt: Date.UTC(2030, 0, 1) });

    const past = waitAfterA({ until: '2001-01-01T00:00:00+02:00' }, Date.UTC(2020, 0, 1));
    expect(types(past.commands)).toEqual(['record:w:succeeded', 'run-step:b']);
    expect(past.run.state.nodes['w']!.output).toEqual({ waitedUntil: '2000-12-31T22:00:00.000Z' });
  });

  it('continues at once for a duration of 0', () => {
    expect(types(waitAfterA({ duration: 0 }).commands)).toEqual(['record:w:succeeded', 'run-step:b']);
  });

  it('resolves templates at launch', () => {
    expect(waitAfterA({ duration: '{{ variables.delay }}' }, 2000, { delay: '2s' }).commands.find((c) => c.type === 'schedule-signal')).toMatchObject({
      dueAt: 4000,
    });
    expect(waitAfterA({ until: '{{ variables.at }}' }, 2000, { at: '2030-01-01T00:00:00Z' }).commands.find((c) => c.type === 'schedule-signal')).toMatchObject({
      dueAt: Date.UTC(2030, 0, 1),
    });
  });

  it.each([
    [{ duration: '{{ variables.v }}' }, 'soon', 'duration'],
    [{ duration: '{{ variables.v }}' }, -5, 'duration'],
    [{ duration: '{{ variables.v }}' }, '400d', 'duration'],
    [{ until: '{{ variables.v }}' }, 'next tuesday', 'until'],
    [{ until: '{{ variables.v }}' }, '2030-01-01T00:00:00', 'until'],
  ])('fails INVALID_WAIT at launch when %j resolves to %j, naming the value', (config, value, field) => {
    const { run, commands } = waitAfterA(config, 2000, { v: value });
    expect(commands.some((c) => c.type === 'schedule-signal')).toBe(false);
    expect(run.state.status).toBe('failed');
    const error = run.state.nodes['w']!.error!;
    expect(error.code).toBe('INVALID_WAIT');
    expect(error.message).toContain(String(value));
    expect(error.details).toEqual({ field, value: String(value) });
  });

  it('fails TEMPLATE when its template does not resolve', () => {
    expect(waitAfterA({ duration: '{{ results.nope }}' }).run.state.nodes['w']!.error!.code).toBe('TEMPLATE');
  });

  it('a timer due while paused marks the wait elapsed; it continues on resume, not before', () => {
    const { run } = waitAfterA({ duration: 1000 });
    run.send({ type: 'pause', at: 2500 });
    expect(timer(run, 3000)).toEqual([]);
    expect(run.state.nodes['w']).toMatchObject({ status: 'waiting', elapsed: true });
    expect(timer(run, 3100)).toEqual([]);
    expect(run.ignored.at(-1)).toMatch(/already elapsed/);
    expect(types(run.send({ type: 'resume', at: 9000 }))).toEqual(['record:w:succeeded', 'run-step:b']);
    expect(run.state.nodes['w']!.elapsed).toBeUndefined();
  });

  it('a resume before the timer changes nothing: the timer still decides', () => {
    const { run } = waitAfterA({ duration: 1000 });
    run.send({ type: 'pause', at: 2100 });
    expect(run.send({ type: 'resume', at: 2200 })).toEqual([]);
    expect(types(timer(run, 3000))).toEqual(['record:w:succeeded', 'run-step:b']);
  });

  it('a cancelled wait is recorded cancelled and ignores its late timer', () => {
    const { run } = waitAfterA({ duration: 1000 });
    expect(types(run.send({ type: 'cancel', at: 2500 }))).toEqual(['record:w:cancelled', 'execution-settled:']);
    expect(timer(run, 3000)).toEqual([]);
    expect(run.state.status).toBe('cancelled');
  });

  it('a restore to a state during the wait starts it again under a new attempt; the old timer is ignored', () => {
    const { run } = waitAfterA({ until: '2030-01-01T00:00:00Z' });
    const snapshot = run.state;
    timer(run, Date.UTC(2030, 0, 1));
    run.succeed('b');
    expect(run.state.status).toBe('completed');
    const restored = run.send({ type: 'restore', snapshot, at: Date.UTC(2029, 0, 1) });
    expect(restored.find((c) => c.type === 'schedule-signal')).toMatchObject({ key: 'w', attempt: 2, dueAt: Date.UTC(2030, 0, 1) });
    expect(timer(run, Date.UTC(2030, 0, 1), 1)).toEqual([]);
    expect(types(timer(run, Date.UTC(2030, 0, 1), 2))).toEqual(['record:w:succeeded', 'run-step:b']);
  });

  it('an execution failed while a wait waits ignores its timer; a resume schedules it again at the same due time, or wakes it when due', () => {
    // Two entry steps: `x` fails the execution while `w` waits.
    const failed = () => {
      const run = new Run(compile(wf([wait('w', { duration: 5000 }), script('x')])));
      run.send({ type: 'start', at: 1000 });
      run.fail('x');
      return run;
    };
    const run = failed();
    expect(run.state.status).toBe('failed');
    expect(run.state.nodes['w']).toMatchObject({ status: 'waiting', wakeAt: 6000 });
    const resumed = run.send({ type: 'resume', at: 2000 });
    expect(resumed.filter((c) => c.type === 'schedule-signal')).toMatchObject([{ key: 'w', attempt: 1, dueAt: 6000 }]);

    const late = failed();
    expect(timer(late, 6000)).toEqual([]);
    expect(late.ignored.at(-1)).toMatch(/failed/);
    expect(types(late.send({ type: 'resume', at: 7000 }))).toContain('record:w:succeeded');
  });
});
