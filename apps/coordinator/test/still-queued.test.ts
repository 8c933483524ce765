import type { ExecutionState, NodeState } from '@agentic-flow/engine';
import { describe, expect, it } from 'vitest';
import { stillQueued } from '../src/maintenance/still-queued.js';

const state = (status: ExecutionState['status'], nodes: Record<string, NodeState>): ExecutionState => ({
  v: 1,
  executionId: 'e',
  workflowId: 'w',
  workflowVersion: '1',
  status,
  input: {},
  variables: {},
  overlays: {},
  nodes,
  startedAt: 0,
  finishedAt: null,
  error: null,
});

describe('stillQueued (what the reconciler may enqueue again)', () => {
  it('is a run whose node still waits for a worker under the same attempt, in a running execution', () => {
    expect(stillQueued(state('running', { a: { stepId: 'a', status: 'queued', attempt: 2 } }), { instanceKey: 'a', attempt: 2 })).toBe(true);
  });

  it('is never a run cancelled since the reconciler listed it', () => {
    expect(stillQueued(state('running', { a: { stepId: 'a', status: 'cancelled', attempt: 1 } }), { instanceKey: 'a', attempt: 1 })).toBe(false);
    expect(stillQueued(state('cancelled', { a: { stepId: 'a', status: 'cancelled', attempt: 1 } }), { instanceKey: 'a', attempt: 1 })).toBe(false);
  });

  it('is not an older attempt, an unknown instance, a control step, or a run of an execution no longer running', () => {
    expect(stillQueued(state('running', { a: { stepId: 'a', status: 'queued', attempt: 3 } }), { instanceKey: 'a', attempt: 2 })).toBe(false);
    expect(stillQueued(state('running', {}), { instanceKey: 'a', attempt: 1 })).toBe(false);
    expect(stillQueued(state('running', { fan: { stepId: 'fan', status: 'running', attempt: 1 } }), { instanceKey: 'fan', attempt: 1 })).toBe(false);
    expect(stillQueued(state('paused', { a: { stepId: 'a', status: 'queued', attempt: 1 } }), { instanceKey: 'a', attempt: 1 })).toBe(false);
  });
});
