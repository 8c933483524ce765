import { DomainError } from '../errors/domain-error.js';

/**
 * No credential, or one that is malformed, unknown, wrong, revoked or expired. `credentialSent`
 * tells the two apart: a client that sent one learns it was refused, not merely missing.
 */
export class UnauthenticatedError extends DomainError<'UNAUTHENTICATED'> {
  constructor(
    message: string,
    readonly credentialSent: boolean,
  ) {
    super('UNAUTHENTICATED', message);
    this.name = 'UnauthenticatedError';
  }
}

/** Too many calls with a key, or too many failed authentications from an address: the caller may try again after `retryAfterSeconds`. */
export class RateLimitedError extends DomainError<'RATE_LIMITED'> {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('RATE_LIMITED', message);
    this.name = 'RateLimitedError';
  }
}
