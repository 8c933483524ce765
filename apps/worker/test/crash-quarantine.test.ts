import type { StepOutcome } from '@agentic-flow/executors';
import { createLogger } from '@agentic-flow/telemetry';
import { describe, expect, it } from 'vitest';
import { quarantineCrashes } from '../src/crash-quarantine.js';

const log = createLogger({ name: 'test', level: 'silent' });
const crashed: StepOutcome = {
  ok: false,
  error: {
    code: 'SANDBOX_CRASHED',
    message: 'the sandbox process running the script died (signal SIGABRT, out of memory); a fresh one replaced it',
    details: { signal: 'SIGABRT', exitCode: null, reason: 'out of memory' },
  },
};

/** A counter that counts in memory, as Redis would, and notes each call. */
function counter(fail = false) {
  const counts = new Map<string, number>();
  const calls: string[] = [];
  return {
    calls,
    record: async (id: string) => {
      calls.push(id);
      if (fail) throw new Error('redis down');
      counts.set(id, (counts.get(id) ?? 0) + 1);
      return counts.get(id)!;
    },
  };
}

describe('quarantineCrashes', () => {
  it('counts each crash of a run and fails it POISON at the threshold, SANDBOX_CRASHED before', async () => {
    const c = counter();
    const options = { counter: c, threshold: 3 };
    const first = await quarantineCrashes(crashed, 'run-1', options, log);
    expect(first).toEqual({
      ok: false,
      error: {
        code: 'SANDBOX_CRASHED',
        message: expect.stringContaining('(crash 1; the step is quarantined at 3)'),
        details: { signal: 'SIGABRT', exitCode: null, reason: 'out of memory', crashes: 1 },
      },
    });
    expect(await quarantineCrashes(crashed, 'run-2', options, log)).toMatchObject({ error: { code: 'SANDBOX_CRASHED', details: { crashes: 1 } } });
    expect(await quarantineCrashes(crashed, 'run-1', options, log)).toMatchObject({ error: { code: 'SANDBOX_CRASHED', details: { crashes: 2 } } });
    expect(await quarantineCrashes(crashed, 'run-1', options, log)).toEqual({
      ok: false,
      error: {
        code: 'POISON',
        message: expect.stringMatching(/^quarantined: the step crashed its sandbox process 3 times \(last: the sandbox process/),
        details: { crashes: 3, signal: 'SIGABRT', exitCode: null, reason: 'out of memory' },
      },
    });
  });

  it('touches no counter for any other outcome', async () => {
    const c = counter();
    for (const outcome of [
      { ok: true, output: 1 },
      { ok: false, error: { code: 'SCRIPT_ERROR', message: 'x' } },
      { ok: false, error: { code: 'MEMORY_LIMIT', message: 'x' } },
    ] as StepOutcome[]) {
      expect(await quarantineCrashes(outcome, 'run', { counter: c, threshold: 3 }, log)).toBe(outcome);
    }
    expect(c.calls).toEqual([]);
  });

  it('blames no step for sandbox processes that cannot start at all', async () => {
    const c = counter();
    const unavailable: StepOutcome = {
      ok: false,
      error: { code: 'SANDBOX_CRASHED', message: 'no sandbox process could run the script: sandbox processes fail to start (last: exit code 1)' },
    };
    expect(await quarantineCrashes(unavailable, 'run', { counter: c, threshold: 1 }, log)).toBe(unavailable);
    expect(c.calls).toEqual([]);
  });

  it('reports the crash as it is when it cannot be counted', async () => {
    expect(await quarantineCrashes(crashed, 'run', { counter: counter(true), threshold: 1 }, log)).toBe(crashed);
  });
});
