/**
 * Codes a sandbox run can fail with. They are the same strings as the step error codes in
 * `@agentic-flow/spec` (this package has no workspace dependencies, so they are repeated here), which
 * lets the script executor pass them through unchanged. Errors cross the isolate boundary as data:
 * check `code`, never `instanceof`.
 */
export const SANDBOX_ERROR_CODES = [
  'TIMEOUT',
  'SCRIPT_ERROR',
  'MEMORY_LIMIT',
  'MODULE_NOT_ALLOWED',
  'OUTPUT_NOT_SERIALIZABLE',
  'OUTPUT_TOO_LARGE',
  'CANCELLED',
  /** The sandbox process running the code died (see `SandboxProcessPool`): the parent lives on. */
  'SANDBOX_CRASHED',
] as const;

export type SandboxErrorCode = (typeof SANDBOX_ERROR_CODES)[number];

/** A failed script run, as data. `details` is JSON: the user's `line`/`column`, a `stack`, a `module`… */
export interface SandboxError {
  code: SandboxErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

export type ExpressionErrorCode = 'EXPRESSION_ERROR' | 'TIMEOUT' | 'SANDBOX_CRASHED';

/** A failed expression evaluation, as data. */
export interface ExpressionError {
  code: ExpressionErrorCode;
  message: string;
}

/** Thrown (not returned) when a closed sandbox or evaluator is used: that is a bug in the caller. */
export class SandboxClosedError extends Error {
  readonly code = 'SANDBOX_CLOSED';
  constructor(what: string) {
    super(`${what} is closed`);
    this.name = 'SandboxClosedError';
  }
}

/** Thrown for an evaluation dropped on purpose (its execution settled): nothing is to be recorded for it. */
export class EvaluationCancelledError extends Error {
  readonly code = 'EVALUATION_CANCELLED';
  constructor() {
    super('the evaluation was cancelled');
    this.name = 'EvaluationCancelledError';
  }
}
