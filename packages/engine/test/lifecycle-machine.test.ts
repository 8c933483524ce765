import { describe, expect, it } from 'vitest';
import { allowedEvents, nextStatus } from '@agentic-flow/engine';

describe('execution lifecycle', () => {
  it.each([
    ['pending', 'START', 'running'],
    ['pending', 'CANCEL', 'cancelled'],
    ['running', 'PAUSE', 'paused'],
    ['running', 'COMPLETE', 'completed'],
    ['running', 'FAIL', 'failed'],
    ['paused', 'RESUME', 'running'],
    ['paused', 'COMPLETE', 'completed'],
    ['failed', 'RETRY', 'running'],
  ] as const)('%s --%s--> %s', (from, event, to) => {
    expect(nextStatus(from, event)).toBe(to);
  });

  it.each([
    ['pending', 'PAUSE'],
    ['running', 'RESUME'],
    ['running', 'START'],
    ['completed', 'CANCEL'],
    ['completed', 'RETRY'],
    ['cancelled', 'RESUME'],
    ['failed', 'PAUSE'],
  ] as const)('rejects %s on %s', (from, event) => {
    expect(nextStatus(from, event)).toBeNull();
  });

  it('lists what each status accepts', () => {
    expect(allowedEvents('completed')).toEqual([]);
    expect(allowedEvents('paused')).toEqual(['RESUME', 'COMPLETE', 'FAIL', 'CANCEL']);
  });
});
