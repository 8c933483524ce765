import type { Problem } from '@agentic-flow/spec';

/**
 * Codes of the coordinator's domain errors. They are the API's codes (docs/errors.md): a client
 * switches on the same string whichever layer refused, and the HTTP layer alone decides the status
 * (`http/domain-error-answer.ts`). Never reuse a code.
 */
export const DOMAIN_ERROR_CODES = [
  /** Input with problems, each with a path: `problems` lists every one. */
  'VALIDATION_FAILED',
  /** A start without variables its workflow's templates read (`MissingVariablesError`). */
  'MISSING_VARIABLES',
  /** No credential, or one that is not valid (`UnauthenticatedError`). */
  'UNAUTHENTICATED',
  /** The caller's role or namespaces do not allow the call. */
  'FORBIDDEN',
  /** Too many calls, or too many failed authentications (`RateLimitedError`). */
  'RATE_LIMITED',
  'NAMESPACE_NOT_FOUND',
  'WORKFLOW_NOT_FOUND',
  'EXECUTION_NOT_FOUND',
  'SNAPSHOT_NOT_FOUND',
  'ERROR_NOT_FOUND',
  'DEAD_LETTER_NOT_FOUND',
  'ALERT_SINK_NOT_FOUND',
  /** A definition's id and version exist with other content: definitions are immutable. */
  'VERSION_CONFLICT',
  /** An `Idempotency-Key` that started an execution for another request. */
  'IDEMPOTENCY_CONFLICT',
  /** The operation does not apply to the current state; the message names the state. */
  'INVALID_STATE',
  /** A fault of ours the caller cannot fix, such as a stored definition that no longer validates. */
  'INTERNAL',
] as const;

export type DomainErrorCode = (typeof DOMAIN_ERROR_CODES)[number];

/**
 * What a coordinator service refuses or fails with: a stable `code`, a message for people, and for
 * input the problems found, each with a JSON path. It knows nothing of HTTP; the API answers it.
 *
 * @example
 * if (!row) throw new DomainError('EXECUTION_NOT_FOUND', `execution ${executionId} does not exist`);
 */
export class DomainError<C extends DomainErrorCode = DomainErrorCode> extends Error {
  readonly problems: Problem[] | undefined;

  constructor(
    readonly code: C,
    message: string,
    options?: { problems?: Problem[]; cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DomainError';
    this.problems = options?.problems;
  }
}
