import { z } from 'zod';

/**
 * Stable codes for everything that can make a step fail. They cross the queue (worker → coordinator)
 * and the API, so a code is never renamed or reused; `docs/errors.md` documents each one.
 */
export const STEP_ERROR_CODES = [
  'TIMEOUT',
  'HTTP_STATUS',
  'NETWORK',
  'SCRIPT_ERROR',
  'MEMORY_LIMIT',
  'MODULE_NOT_ALLOWED',
  'TEMPLATE',
  'INVALID_CONFIG',
  'OUTPUT_NOT_SERIALIZABLE',
  'EXPRESSION_ERROR',
  'LOOP_LIMIT',
  'BRANCH_FAILED',
  'CIRCUIT_OPEN',
  'AGENT_PROVIDER',
  'AGENT_OUTPUT',
  'AGENT_MAX_TURNS',
  'AGENT_BUDGET',
  'UNSUPPORTED_STEP_TYPE',
  'CANCELLED',
  'INTERNAL',
  /** A step failed, its `rollback` strategy ran the compensation steps, and the failure went on. */
  'ROLLED_BACK',
  /** The output (or the execution state it would make) is over a size or nesting limit. */
  'OUTPUT_TOO_LARGE',
  /** The sandbox process running the step's code died (out of memory, a crash in isolated-vm or V8). */
  'SANDBOX_CRASHED',
  /** The step's job killed its host too often, or its result crashed coordinators too often: quarantined. */
  'POISON',
  /** The worker's egress policy refused the destination (a loopback, private, link-local… address not in EGRESS_ALLOW). */
  'EGRESS_DENIED',
  /** A `workflow` step would start a child deeper than the nesting limit (`MAX_WORKFLOW_DEPTH`). */
  'WORKFLOW_DEPTH',
  /** A `workflow` step's child execution failed or was cancelled; `details.error` is the child's own error. */
  'CHILD_FAILED',
  /** A `workflow` step names a workflow (or version) its namespace no longer has when it starts. */
  'WORKFLOW_NOT_FOUND',
  /** A `wait` step's templated `duration` or `until` resolved to something that is not one. */
  'INVALID_WAIT',
  /** A `workflow` step's child would make its top-level execution's live descendants more than `MAX_DESCENDANT_EXECUTIONS`. */
  'TOO_MANY_DESCENDANTS',
  /**
   * A container (a parallel starting a branch, a loop an iteration) would give its execution more
   * step instances than `MAX_STEPS_PER_EXECUTION`: it fails instead of creating them.
   */
  'EXECUTION_TOO_LARGE',
] as const;

export type StepErrorCode = (typeof STEP_ERROR_CODES)[number];

export const StepErrorSchema = z.object({
  code: z.enum(STEP_ERROR_CODES),
  message: z.string(),
  /** Free-form, JSON-serializable detail: the HTTP status, the script line, the template path… */
  details: z.record(z.string(), z.unknown()).optional(),
});

export type StepError = z.infer<typeof StepErrorSchema>;

export function stepError(code: StepErrorCode, message: string, details?: Record<string, unknown>): StepError {
  return details === undefined ? { code, message } : { code, message, details };
}

/**
 * `AGENT_BUDGET`'s details, whoever fails the step: `budget` is the limit that was crossed and
 * `used` the tokens counted against it. On a worker, the tokens the execution had left when the
 * step's job was enqueued, and the step's own use (`used: 0`: nothing was left before its first
 * model call); in the engine, which fails a step that becomes ready with nothing left, the
 * execution's `tokenBudget` and its total use.
 */
export type AgentBudgetDetails = { budget: number; used: number };
