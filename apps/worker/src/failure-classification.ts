import type { ExecutorTraits, StepOutcome } from '@agentic-flow/executors';
import type { CircuitVerdict, StepError, StepErrorCode } from '@agentic-flow/spec';

/**
 * Failures that cannot succeed on another attempt: the step's own configuration or output is at
 * fault (EGRESS_DENIED: its destination is one the worker's egress policy refuses), or (AGENT_BUDGET) the execution has no tokens left to spend on one, or (POISON) the step
 * crashed its sandbox too often to be run again. They are reported at once and fail the job even
 * when attempts remain. SANDBOX_CRASHED is retried: a crash can be bad luck, and a step that keeps
 * crashing becomes POISON.
 */
export const NON_RETRYABLE_CODES: ReadonlySet<StepErrorCode> = new Set<StepErrorCode>([
  'INVALID_CONFIG',
  'TEMPLATE',
  'UNSUPPORTED_STEP_TYPE',
  'MODULE_NOT_ALLOWED',
  'OUTPUT_NOT_SERIALIZABLE',
  'OUTPUT_TOO_LARGE',
  'AGENT_BUDGET',
  'POISON',
  'EGRESS_DENIED',
]);

export function isRetryableFailure(error: StepError): boolean {
  return !NON_RETRYABLE_CODES.has(error.code);
}

/**
 * Outcomes that never reached the target: they tell nothing about its health either way, and only
 * free a half-open trial slot. EGRESS_DENIED is among them: the policy refused before any
 * connection, so it is the step's failure, and a workflow aiming at a denied address cannot open
 * the breaker of that host:port for the steps the operator did allow there.
 */
const NOT_SENT: ReadonlySet<StepErrorCode> = new Set<StepErrorCode>([
  'INVALID_CONFIG',
  'TEMPLATE',
  'UNSUPPORTED_STEP_TYPE',
  'MODULE_NOT_ALLOWED',
  'CANCELLED',
  'CIRCUIT_OPEN',
  'EGRESS_DENIED',
]);

/** Failures that say the target did not answer in time, or at all, whatever the step's type. */
const TARGET_FAILED: ReadonlySet<StepErrorCode> = new Set<StepErrorCode>(['NETWORK', 'TIMEOUT', 'INTERNAL']);

/**
 * What a step's outcome says about its target, for its circuit breaker. The rules for every type:
 * a cancelled step, or one that never got as far as calling the target, is ignored; network errors,
 * timeouts and crashes (`INTERNAL`) are failures. A failure with a code of the step's own type is
 * then its executor's to judge (`ExecutorTraits.circuitVerdict`: an http step's 5xx and 429, an
 * agent's provider errors); anything else — a success, a script error — means the target answered,
 * and counts as a success.
 */
export function circuitVerdict(outcome: StepOutcome, executor: Pick<ExecutorTraits, 'circuitVerdict'>, cancelled = false): CircuitVerdict {
  if (cancelled) return 'ignore';
  if (outcome.ok) return 'success';
  const { code } = outcome.error;
  if (NOT_SENT.has(code)) return 'ignore';
  if (TARGET_FAILED.has(code)) return 'failure';
  return executor.circuitVerdict?.(outcome.error) ?? 'success';
}
