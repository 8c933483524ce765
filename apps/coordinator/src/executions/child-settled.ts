import { visibleResults, type ExecutionState, type StepSignal } from '@agentic-flow/engine';
import { STEP_ERROR_CODES, TOP_SCOPE, type ExecutionError, type StepError, type StepErrorCode } from '@agentic-flow/spec';
import type { NewStepSignal } from '@agentic-flow/store';

/**
 * The signal a child execution that just settled (`state`) leaves for its parent, written by the
 * child's settling transaction: the store addresses it to the parent's step run waiting for it
 * (`toParent`: the child row's `parent_execution_id`, `parent_instance_key`, `parent_attempt`), due
 * at once. A completed child's output is its results, by step id (what `getExecution` shows as
 * `results`); a failed or cancelled one carries its error.
 */
export function childSettled(executionId: string, state: ExecutionState): NewStepSignal {
  const status = state.status as 'completed' | 'failed' | 'cancelled';
  const signal: StepSignal =
    status === 'completed'
      ? { type: 'child-settled', childExecutionId: executionId, status, output: visibleResults(state, TOP_SCOPE) }
      : { type: 'child-settled', childExecutionId: executionId, status, ...(state.error ? { error: childError(state.error) } : {}) };
  return { executionId, instanceKey: '', attempt: 0, toParent: true, signal, dueAt: new Date(state.finishedAt ?? 0) };
}

/** A child's execution error as its parent's step sees it in `CHILD_FAILED`'s `details.error`. */
export function childError(error: ExecutionError): StepError {
  const code = (STEP_ERROR_CODES as readonly string[]).includes(error.code) ? (error.code as StepErrorCode) : 'INTERNAL';
  return { code, message: error.message, ...(error.stepId !== undefined ? { details: { stepId: error.stepId } } : {}) };
}
