import type { ExecutionError, ExecutionView, StepRunView } from '@agentic-flow/spec';
import { AgenticFlowError, TimeoutError } from './errors.js';
import type { Escalation, ExecutionState } from './execution-state.js';

/**
 * `result()` of an execution that ended failed or cancelled: `code` is `EXECUTION_FAILED` or
 * `EXECUTION_CANCELLED`. A failure names the step that failed it (`failedStep`, with its error).
 */
export class ExecutionFailedError extends AgenticFlowError {
  readonly executionId: string;
  readonly status: 'failed' | 'cancelled';
  /** The execution's error: `{ code, message, stepId }` of the step that failed it; null for a cancellation. */
  readonly error: ExecutionError | null;
  /** The step run whose failure failed the execution (its `error` is the step's), when there is one. */
  readonly failedStep: StepRunView | undefined;
  /** The execution as it ended, outputs included. */
  readonly execution: ExecutionView;

  constructor(execution: ExecutionView & { status: 'failed' | 'cancelled' }) {
    const failedStep = failedStepOf(execution);
    const what =
      execution.status === 'cancelled'
        ? 'was cancelled'
        : `failed${failedStep ? ` at step "${failedStep.stepId}"` : ''}${execution.error ? `: ${execution.error.code}: ${execution.error.message}` : ''}`;
    super(execution.status === 'cancelled' ? 'EXECUTION_CANCELLED' : 'EXECUTION_FAILED', `execution ${execution.id} ${what}`);
    this.name = 'ExecutionFailedError';
    this.executionId = execution.id;
    this.status = execution.status;
    this.error = execution.error;
    this.failedStep = failedStep;
    this.execution = execution;
  }
}

/** The latest failed run of the step the execution's error names, else the last failed run. */
function failedStepOf(execution: ExecutionView): StepRunView | undefined {
  const failed = execution.steps.filter((step) => step.status === 'failed');
  const stepId = execution.error?.stepId;
  return (stepId === undefined ? undefined : failed.findLast((step) => step.stepId === stepId)) ?? failed.at(-1);
}

/**
 * The execution waits for a decision on an escalated step and nobody passed `onEscalation`: rather
 * than wait in silence until the timeout, waiting ends here. Resolve each escalation
 * (`errorHandler.resolveError(errorId, …)`) and wait again.
 */
export class ExecutionEscalatedError extends AgenticFlowError {
  readonly state = 'escalated' as const;

  constructor(
    readonly executionId: string,
    readonly escalations: readonly Escalation[],
  ) {
    const steps = escalations.map((e) => `"${e.stepId}" (${e.error.code}: ${e.error.message})`).join(', ');
    super(
      'EXECUTION_ESCALATED',
      `execution ${executionId} waits for a decision on escalated step${escalations.length === 1 ? '' : 's'} ${steps}: resolve with errorHandler.resolveError(errorId, { action }) or pass onEscalation`,
    );
    this.name = 'ExecutionEscalatedError';
  }
}

/** `waitForCompletion` (or `result()`) ran out of time; the execution goes on. */
export class WaitTimeoutError extends TimeoutError {
  constructor(
    readonly executionId: string,
    /** What it was when the wait gave up: a status, or `escalated`. */
    readonly lastStatus: ExecutionState,
    timeoutMs: number,
    options: { cause?: unknown } = {},
  ) {
    super(timeoutMs, `execution ${executionId} is still ${lastStatus} after ${timeoutMs} ms`, { ...options, code: 'WAIT_TIMEOUT' });
    this.name = 'WaitTimeoutError';
  }
}
