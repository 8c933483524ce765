import type { ExecutionOverview, ExecutionStatus } from '@agentic-flow/spec';

/**
 * An execution's status as a waiting client needs it: the API's status, or `escalated` while it is
 * `running` but cannot go on until someone decides on an escalated step (`resolveError`). The API
 * keeps such an execution `running` (its other branches may still be moving); a waiter that only
 * watched the status would wait in silence until its timeout.
 */
export type ExecutionState = ExecutionStatus | 'escalated';

/** The state of an execution read from the API. */
export function executionStateOf(execution: Pick<ExecutionOverview, 'status' | 'escalations'>): ExecutionState {
  return execution.status === 'running' && execution.escalations.length > 0 ? 'escalated' : execution.status;
}

/** An escalated step waiting for a decision: what `onEscalation` and `ExecutionEscalatedError` report. */
export interface Escalation {
  /** Pass to `errorHandler.resolveError(errorId, { action })` to continue the execution. */
  errorId: string;
  executionId: string;
  stepId: string;
  /** The step's key within its loop iteration, e.g. `approve` or `batches#2/approve`. */
  instanceKey: string;
  attempt: number;
  /** The failure that escalated. */
  error: { code: string; message: string };
  /** The `escalationHandler` its strategy named (an alert sink hears it), or null. */
  escalationHandler: string | null;
  /** When it escalated (ISO 8601). */
  createdAt: string;
}
