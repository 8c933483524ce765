import type { ExecutionStatus } from '@agentic-flow/spec';
import { setup, transition } from 'xstate';

export type LifecycleEvent =
  | { type: 'START' }
  | { type: 'PAUSE' }
  | { type: 'RESUME' }
  | { type: 'COMPLETE' }
  | { type: 'FAIL' }
  | { type: 'CANCEL' }
  /** Resume from the point of failure. */
  | { type: 'RETRY' };

/**
 * The execution lifecycle. Used purely: the status is persisted, the snapshot rebuilt with
 * `resolveState`, and xstate's `transition` computes the next status — no actor, no timers.
 */
export const executionLifecycle = setup({
  types: { events: {} as LifecycleEvent },
}).createMachine({
  id: 'execution',
  initial: 'pending',
  states: {
    pending: { on: { START: 'running', CANCEL: 'cancelled' } },
    running: { on: { PAUSE: 'paused', COMPLETE: 'completed', FAIL: 'failed', CANCEL: 'cancelled' } },
    // Steps already running when the pause came still finish, so a paused execution can still end.
    paused: { on: { RESUME: 'running', COMPLETE: 'completed', FAIL: 'failed', CANCEL: 'cancelled' } },
    failed: { on: { RETRY: 'running', CANCEL: 'cancelled' } },
    completed: { type: 'final' },
    cancelled: { type: 'final' },
  },
});

/** The status after `event`, or `null` when the event is not allowed in `status`. */
export function nextStatus(status: ExecutionStatus, event: LifecycleEvent['type']): ExecutionStatus | null {
  const snapshot = executionLifecycle.resolveState({ value: status, context: {} });
  if (!snapshot.can({ type: event })) return null;
  const [next] = transition(executionLifecycle, snapshot, { type: event });
  return next.value as ExecutionStatus;
}

/** The lifecycle events accepted in `status`, e.g. to explain a 409. */
export function allowedEvents(status: ExecutionStatus): LifecycleEvent['type'][] {
  const all: LifecycleEvent['type'][] = ['START', 'PAUSE', 'RESUME', 'COMPLETE', 'FAIL', 'CANCEL', 'RETRY'];
  return all.filter((event) => nextStatus(status, event) !== null);
}
