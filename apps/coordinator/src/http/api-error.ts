import type { Problem } from '@agentic-flow/spec';
import { invalidInputMessage } from '../errors/invalid-input-error.js';

/**
 * Codes of the API's error answers. Stable: clients switch on them. Each is documented in
 * docs/errors.md.
 */
export const API_ERROR_CODES = {
  VALIDATION_FAILED: 400,
  MISSING_VARIABLES: 400,
  INVALID_JSON: 400,
  INVALID_TEXT: 400,
  NESTING_TOO_DEEP: 400,
  INVALID_CURSOR: 400,
  INVALID_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  NAMESPACE_NOT_FOUND: 404,
  API_KEY_NOT_FOUND: 404,
  WORKFLOW_NOT_FOUND: 404,
  EXECUTION_NOT_FOUND: 404,
  STEP_RUN_NOT_FOUND: 404,
  SNAPSHOT_NOT_FOUND: 404,
  ERROR_NOT_FOUND: 404,
  STRATEGY_NOT_FOUND: 404,
  DEAD_LETTER_NOT_FOUND: 404,
  ALERT_SINK_NOT_FOUND: 404,
  REQUEST_TIMEOUT: 408,
  VERSION_CONFLICT: 409,
  INVALID_STATE: 409,
  IDEMPOTENCY_CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  HEADERS_TOO_LARGE: 431,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL: 500,
} as const;

export type ApiErrorCode = keyof typeof API_ERROR_CODES;

export class ApiError extends Error {
  readonly statusCode: number;

  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly problems?: Problem[],
  ) {
    super(message);
    this.name = 'ApiError';
    this.statusCode = API_ERROR_CODES[code];
  }
}

export function validationFailed(problems: Problem[], what = 'request'): ApiError {
  return new ApiError('VALIDATION_FAILED', invalidInputMessage(problems, what), problems);
}

/** The answer's body: `{ error: { code, message, problems? } }`. */
export function errorBody(error: ApiError): { error: { code: ApiErrorCode; message: string; problems?: Problem[] } } {
  return { error: error.problems ? { code: error.code, message: error.message, problems: error.problems } : { code: error.code, message: error.message } };
}
