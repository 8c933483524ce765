import { describe, expect, it } from 'vitest';
import { AbortedError, BadResponseError, ConnectionError, HttpError, TimeoutError } from '../src/index.js';
import { DEFAULT_RETRY, backoffDelay, isRetryable, parseRetryAfter, retryPolicy } from '../src/retry-policy.js';

describe('retry policy', () => {
  it('backs off exponentially with equal jitter, capped at maxDelayMs', () => {
    const policy = { attempts: 10, initialDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelay(policy, attempt, () => 0))).toEqual([50, 100, 200, 400, 500]);
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelay(policy, attempt, () => 1))).toEqual([100, 200, 400, 800, 1000]);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(10_000 + 5_000).toUTCString(), 10_000)).toBe(5000);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });

  it('retries what may pass: per idempotence', () => {
    const refused = new ConnectionError('http://c/v1/x', 'ECONNREFUSED', 1, undefined);
    const reset = new ConnectionError('http://c/v1/x', 'ECONNRESET', 1, undefined);
    const unavailable = new HttpError(503, 'SERVICE_UNAVAILABLE', 'down');
    const proxy = new BadResponseError(502, 'http://c/v1/x', "an error body that is not the API's", '<html>');
    const limited = new HttpError(429, 'RATE_LIMITED', 'slow');
    const invalid = new HttpError(409, 'INVALID_STATE', 'no');
    const timeout = new TimeoutError(10, 'late');
    const aborted = new AbortedError('GET /', undefined);
    expect([refused, reset, unavailable, proxy, limited, invalid, timeout, aborted].map((e) => isRetryable(e, true))).toEqual([
      true,
      true,
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
    expect([refused, reset, unavailable, proxy, limited, invalid, timeout, aborted].map((e) => isRetryable(e, false))).toEqual([
      true,
      false,
      false,
      false,
      true,
      false,
      false,
      false,
    ]);
    expect(isRetryable(new Error('bug'), true)).toBe(false);
  });

  it('merges settings over the defaults; false means one try', () => {
    expect(retryPolicy(undefined)).toEqual(DEFAULT_RETRY);
    expect(retryPolicy({ attempts: 2, maxDelayMs: undefined })).toEqual({ ...DEFAULT_RETRY, attempts: 2 });
    expect(retryPolicy(false).attempts).toBe(1);
    expect(() => retryPolicy({ attempts: 1.5 })).toThrow(TypeError);
    expect(() => retryPolicy({ maxDelayMs: -1 })).toThrow(/maxDelayMs/);
  });
});
