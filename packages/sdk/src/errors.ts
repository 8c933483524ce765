import type { Problem } from '@agentic-flow/spec';

/** The codes the SDK gives failures of its own (an `HttpError` carries the API's code instead). Documented in docs/errors.md. */
export const SDK_ERROR_CODES = [
  'CONNECTION_FAILED',
  'TIMEOUT',
  'ABORTED',
  'BAD_RESPONSE',
  'EXECUTION_FAILED',
  'EXECUTION_CANCELLED',
  'EXECUTION_ESCALATED',
  'WAIT_TIMEOUT',
] as const;
export type SdkErrorCode = (typeof SDK_ERROR_CODES)[number];

/**
 * Every failure the SDK surfaces: catch this one class, switch on `code`. The subclasses say what
 * went wrong — no answer ({@link ConnectionError}, {@link TimeoutError}, {@link AbortedError}), an
 * error answer of the API ({@link HttpError}), an answer that is not the API's
 * ({@link BadResponseError}), or an execution that did not complete (`ExecutionFailedError`,
 * `ExecutionEscalatedError`, `WaitTimeoutError`). docs/errors.md lists every code.
 *
 * @example
 * try {
 *   await client.getExecution(id);
 * } catch (error) {
 *   if (error instanceof HttpError && error.code === 'EXECUTION_NOT_FOUND') return undefined;
 *   throw error;
 * }
 */
export class AgenticFlowError extends Error {
  constructor(
    /** Stable: an API code (`EXECUTION_NOT_FOUND`, …) or one of the SDK's own (`CONNECTION_FAILED`, …). */
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AgenticFlowError';
  }
}

/** Nothing answered: the coordinator at `url` refused or dropped the connection, or its name did not resolve. */
export class ConnectionError extends AgenticFlowError {
  constructor(
    /** The request's URL (without query string). */
    readonly url: string,
    /** The system's code, e.g. `ECONNREFUSED`, `ECONNRESET`, `ENOTFOUND`, `UND_ERR_SOCKET`; undefined when none was given. */
    readonly systemCode: string | undefined,
    /** How many times the request was sent (retries included). */
    readonly attempts: number,
    cause: unknown,
  ) {
    super('CONNECTION_FAILED', `cannot reach ${url}: ${systemCode ?? 'connection failed'}${attempts > 1 ? ` (${attempts} attempts)` : ''}`, { cause });
    this.name = 'ConnectionError';
  }
}

/** The call did not finish within its `timeoutMs` (retries included). */
export class TimeoutError extends AgenticFlowError {
  constructor(
    readonly timeoutMs: number,
    message: string,
    options?: { cause?: unknown; code?: string },
  ) {
    super(options?.code ?? 'TIMEOUT', message, options);
    this.name = 'TimeoutError';
  }
}

/** The caller's `signal` aborted the call; `cause` is the signal's reason. */
export class AbortedError extends AgenticFlowError {
  constructor(what: string, reason: unknown) {
    super('ABORTED', `${what} aborted${reason instanceof Error && reason.message ? `: ${reason.message}` : ''}`, { cause: reason });
    this.name = 'AbortedError';
  }
}

/**
 * The API answered with an error: its HTTP status, its stable code and message and, for bad input,
 * every problem (a JSON path and a reason). A 429 or 503 says in `retryAfterMs` when to try again.
 */
export class HttpError extends AgenticFlowError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
    readonly problems: Problem[] = [],
    /** From the answer's `Retry-After`, when it had one. */
    readonly retryAfterMs?: number,
  ) {
    super(code, message);
    this.name = 'HttpError';
  }
}

/**
 * An answer that is not the API's, whatever its status: not JSON (a proxy's HTML page, a truncated
 * body), an error status without the API's error body, or a success whose body lacks what the
 * method needs. `body` holds its first 500 characters.
 */
export class BadResponseError extends AgenticFlowError {
  constructor(
    readonly status: number,
    readonly url: string,
    reason: string,
    readonly body: string,
  ) {
    super('BAD_RESPONSE', `${url} answered ${status} with ${reason}${body === '' ? '' : `: ${body.slice(0, 200)}`}`);
    this.name = 'BadResponseError';
  }
}
