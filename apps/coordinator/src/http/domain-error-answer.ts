import { RateLimitedError, UnauthenticatedError } from '../auth/access-refusals.js';
import type { DomainError } from '../errors/domain-error.js';
import { ApiError } from './api-error.js';

/** An error answer: the API error (its status and body) and the headers that go with it. */
export interface ErrorAnswer {
  error: ApiError;
  headers: Record<string, string | number>;
}

/**
 * The one place a domain error becomes an HTTP answer. Domain codes are API codes, so the status is
 * the code's in `API_ERROR_CODES` and the body carries the code, message and problems unchanged;
 * the compiler refuses a domain code the API does not have.
 */
export function answerToDomainError(error: DomainError): ErrorAnswer {
  return { error: new ApiError(error.code, error.message, error.problems), headers: headersFor(error) };
}

function headersFor(error: DomainError): Record<string, string | number> {
  if (error instanceof RateLimitedError) return { 'retry-after': error.retryAfterSeconds };
  // RFC 6750 §3: every 401 names the scheme; `invalid_token` only when a credential was sent.
  if (error instanceof UnauthenticatedError)
    return { 'www-authenticate': `Bearer realm="agentic-flow"${error.credentialSent ? ', error="invalid_token"' : ''}` };
  return {};
}
