import type { StepOutcome } from '@agentic-flow/executors';
import type { CircuitVerdict } from '@agentic-flow/queue';
import type { StepError, StepErrorCode } from '@agentic-flow/spec';

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
const NOT_SENT: ReadonlySet<StepErrorCode> = new Set<StepErrorCode>(['INVALID_CONFIG', 'TEMPLATE', 'UNSUPPORTED_STEP_TYPE', 'MODULE_NOT_ALLOWED', 'CANCELLED', 'CIRCUIT_OPEN', 'EGRESS_DENIED']);

/**
 * What a step's outcome says about its target, for its circuit breaker: network errors, timeouts,
 * 5xx and 429 responses and crashes are failures; a 4xx or a script error says nothing about the
 * target's health and counts as a success (it answered). A cancelled step, or one that never got
 * as far as calling the target, is ignored.
 *
 * Agent steps (target: their provider) alike: AGENT_PROVIDER is a failure when the provider
 * answered 5xx or 429 or not at all (no status: a network error), a success for other statuses (a
 * 400 or 401 is the request's or the key's fault). A bad answer, a run out of turns or out of
 * budget means the provider answered: success (a budget spent before the first call: ignored).
 */
export function circuitVerdict(outcome: StepOutcome, cancelled = false): CircuitVerdict {
  if (cancelled) return 'ignore';
  if (outcome.ok) return 'success';
  const { code, details } = outcome.error;
  if (NOT_SENT.has(code)) return 'ignore';
  switch (code) {
    case 'NETWORK':
    case 'TIMEOUT':
    case 'INTERNAL':
      return 'failure';
    case 'HTTP_STATUS': {
      const status = Number(details?.['status']);
      return Number.isInteger(status) && (status >= 500 || status === 429) ? 'failure' : 'success';
    }
    case 'AGENT_PROVIDER': {
      const raw = details?.['status'];
      if (raw === undefined || raw === null) return 'failure';
      const status = Number(raw);
      return !Number.isInteger(status) || status >= 500 || status === 429 ? 'failure' : 'success';
    }
    case 'AGENT_BUDGET':
      // Nothing used: the budget was gone before the first call, which never reached the provider.
      return details?.['used'] === 0 ? 'ignore' : 'success';
    case 'AGENT_OUTPUT':
    case 'AGENT_MAX_TURNS':
      return 'success';
    default:
      return 'success';
  }
}
