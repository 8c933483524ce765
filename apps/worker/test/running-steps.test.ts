import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { RunningSteps, StepCancelledError } from '../src/running-steps.js';

function clock(start = 1_000) {
  let at = start;
  return { now: () => at, advance: (ms: number) => (at += ms) };
}

describe('RunningSteps', () => {
  it('aborts exactly the running steps a cancellation names', () => {
    const running = new RunningSteps();
    const a = running.begin('a');
    const b = running.begin('b');
    expect(running.ids()).toEqual(['a', 'b']);
    expect(running.cancel(['b', 'elsewhere'])).toEqual(['b']);
    expect(a.signal.aborted).toBe(false);
    expect(b.signal.aborted).toBe(true);
    expect(b.signal.reason).toBeInstanceOf(StepCancelledError);
    expect((b.signal.reason as StepCancelledError).stepRunId).toBe('b');
    // A second cancellation of the same step aborts nothing new.
    expect(running.cancel(['b'])).toEqual([]);
  });

  it('gives every step a signal of its own, so listeners never pile up on a shared one', () => {
    const running = new RunningSteps();
    const steps = Array.from({ length: 20 }, (_, i) => running.begin(`s${i}`));
    expect(new Set(steps.map((s) => s.signal)).size).toBe(20);
  });

  it('unregisters a step when it ends', () => {
    const running = new RunningSteps();
    const step = running.begin('a');
    step.end();
    step.end();
    expect(running.ids()).toEqual([]);
    expect(running.cancel(['a'])).toEqual([]);
    expect(step.signal.aborted).toBe(false);
  });

  it('starts a step cancelled when its cancellation arrived shortly before it registered', () => {
    const time = clock();
    const running = new RunningSteps({ rememberMs: 60_000, now: time.now });
    expect(running.cancel(['early'])).toEqual([]);
    time.advance(59_999);
    const step = running.begin('early');
    expect(step.signal.aborted).toBe(true);
    expect(step.signal.reason).toBeInstanceOf(StepCancelledError);
  });

  it('forgets a cancellation after rememberMs', () => {
    const time = clock();
    const running = new RunningSteps({ rememberMs: 60_000, now: time.now });
    running.cancel(['old']);
    time.advance(60_000);
    expect(running.begin('old').signal.aborted).toBe(false);
    // Expired entries are swept by the next cancellation; a fresh one is still remembered.
    running.cancel(['new']);
    expect(running.begin('new').signal.aborted).toBe(true);
  });

  it('follows a linked signal and removes its listener when the step ends', () => {
    const running = new RunningSteps();
    const bullmq = new AbortController();
    const step = running.begin('a', bullmq.signal);
    expect(getEventListeners(bullmq.signal, 'abort')).toHaveLength(1);
    bullmq.abort(new Error('worker.cancelJob'));
    expect(step.signal.aborted).toBe(true);
    expect((step.signal.reason as Error).message).toBe('worker.cancelJob');

    const other = new AbortController();
    const ended = running.begin('b', other.signal);
    ended.end();
    expect(getEventListeners(other.signal, 'abort')).toHaveLength(0);
    expect(running.begin('c', AbortSignal.abort('already')).signal.aborted).toBe(true);
  });

  it('leaves a newer registration under the same id in place when an older one ends', () => {
    const running = new RunningSteps();
    const first = running.begin('a');
    const second = running.begin('a');
    first.end();
    expect(running.ids()).toEqual(['a']);
    running.cancel(['a']);
    expect(second.signal.aborted).toBe(true);
  });
});
