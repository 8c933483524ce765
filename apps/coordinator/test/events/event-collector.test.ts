import { describe, expect, it } from 'vitest';
import type { EngineCommand } from '@agentic-flow/engine';
import { commandEvent, EventCollector, statusEvents } from '../../src/events/event-collector.js';

const subject = { id: 'e1', namespace: 'ns', workflowId: 'wf' };

describe('statusEvents', () => {
  it.each([
    [null, 'running', ['workflow:started']],
    [null, 'pending', []],
    ['pending', 'running', ['workflow:started']],
    [null, 'completed', ['workflow:started', 'workflow:completed']],
    ['pending', 'failed', ['workflow:started', 'workflow:failed']],
    ['pending', 'cancelled', ['workflow:cancelled']],
    ['running', 'running', []],
    ['running', 'paused', ['workflow:paused']],
    ['paused', 'running', ['workflow:resumed']],
    ['failed', 'running', ['workflow:resumed']],
    ['completed', 'running', ['workflow:resumed']],
    ['running', 'completed', ['workflow:completed']],
    ['running', 'failed', ['workflow:failed']],
    ['paused', 'cancelled', ['workflow:cancelled']],
  ] as const)('%s → %s: %j', (from, to, expected) => {
    expect(statusEvents(from, to)).toEqual(expected);
  });
});

describe('commandEvent', () => {
  const at = 0;
  it('names a dispatched run started, or retrying for a later attempt', () => {
    const run = { type: 'run-step', key: 'a', stepId: 'a', stepType: 'http', attempt: 1, config: {}, at } as EngineCommand;
    expect(commandEvent(run)).toEqual({ type: 'step:started', data: { key: 'a', stepId: 'a', stepType: 'http', attempt: 1 } });
    expect(commandEvent({ ...run, attempt: 2 } as EngineCommand)?.type).toBe('step:retrying');
  });
  it('turns control steps running and succeeding into started and completed, a final failure into step:failed', () => {
    const record = { type: 'record-step', key: 'c', stepId: 'c', stepType: 'condition', attempt: 1, at } as const;
    expect(commandEvent({ ...record, status: 'running' })?.type).toBe('step:started');
    expect(commandEvent({ ...record, status: 'succeeded' })?.type).toBe('step:completed');
    expect(commandEvent({ ...record, status: 'skipped' })).toBeUndefined();
    expect(commandEvent({ ...record, status: 'cancelled' })).toBeUndefined();
    expect(
      commandEvent({
        type: 'record-error',
        key: 'a',
        stepId: 'a',
        stepType: 'http',
        attempt: 3,
        error: { code: 'HTTP_STATUS', message: '503', details: { status: 503 } },
        strategy: 'retry',
        at,
      }),
    ).toEqual({
      type: 'step:failed',
      data: { key: 'a', stepId: 'a', stepType: 'http', attempt: 3, error: { code: 'HTTP_STATUS', message: '503' }, strategy: 'retry' },
    });
    expect(commandEvent({ type: 'cancel-step', key: 'a', stepId: 'a', attempt: 1, at })).toBeUndefined();
    expect(commandEvent({ type: 'execution-settled', status: 'completed', error: null, at })).toBeUndefined();
  });
});

describe('EventCollector', () => {
  it('orders each execution: (re)start first, then its steps, then the status reached; executions one after another', () => {
    const events = new EventCollector();
    const other = { id: 'e2', namespace: 'ns', workflowId: 'wf' };
    events.completed(subject, { key: 'a', stepId: 'a', stepType: 'script', attempt: 1, stepRunId: 'r1' });
    events.status(subject, 'running', 'completed', null);
    events.status(other, null, 'running', null);
    events.command(other, { type: 'run-step', key: 'x', stepId: 'x', stepType: 'script', attempt: 1, config: {}, at: 0 } as EngineCommand, 'r9');
    events.status(subject, 'running', 'failed', { code: 'STEP_FAILED', message: 'step "a" failed', stepId: 'a' });
    expect(events.rows()).toEqual([
      {
        namespace: 'ns',
        type: 'step:completed',
        executionId: 'e1',
        workflowId: 'wf',
        data: { key: 'a', stepId: 'a', stepType: 'script', attempt: 1, stepRunId: 'r1' },
      },
      { namespace: 'ns', type: 'workflow:completed', executionId: 'e1', workflowId: 'wf', data: { status: 'completed' } },
      {
        namespace: 'ns',
        type: 'workflow:failed',
        executionId: 'e1',
        workflowId: 'wf',
        data: { status: 'failed', error: { code: 'STEP_FAILED', message: 'step "a" failed' } },
      },
      { namespace: 'ns', type: 'workflow:started', executionId: 'e2', workflowId: 'wf', data: { status: 'running' } },
      {
        namespace: 'ns',
        type: 'step:started',
        executionId: 'e2',
        workflowId: 'wf',
        data: { key: 'x', stepId: 'x', stepType: 'script', attempt: 1, stepRunId: 'r9' },
      },
    ]);
  });

  it('puts workflow:started before the steps it set off even when told after them', () => {
    const events = new EventCollector();
    events.command(subject, { type: 'run-step', key: 'a', stepId: 'a', stepType: 'http', attempt: 1, config: {}, at: 0 } as EngineCommand);
    events.status(subject, null, 'running', null);
    expect(events.rows().map((e) => e.type)).toEqual(['workflow:started', 'step:started']);
  });
});
