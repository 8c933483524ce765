import { describe, expect, it } from 'vitest';
import { honoursRetryAfter, isRetryableStatus, ownRetryPolicy, parseRetryAfter, retryDelay } from '../src/http/http-retry.js';

const fixed = (value: number) => () => value;

describe('isRetryableStatus', () => {
  it('retries 429 and every 5xx, nothing else', () => {
    expect([429, 500, 502, 503, 504, 599].every(isRetryableStatus)).toBe(true);
    expect([200, 301, 400, 401, 403, 404, 409, 422, 600].some(isRetryableStatus)).toBe(false);
  });

  it('honours Retry-After only on 429 and 503', () => {
    expect(honoursRetryAfter(429)).toBe(true);
    expect(honoursRetryAfter(503)).toBe(true);
    expect(honoursRetryAfter(500)).toBe(false);
    expect(honoursRetryAfter(502)).toBe(false);
  });
});

describe("ownRetryPolicy (a step's retries, exponential with equal jitter)", () => {
  it('tries retries + 1 times and caps the growth, never the configured first delay', () => {
    expect(ownRetryPolicy(3, 100, 60_000)).toEqual({ attempts: 4, delayMs: 100, backoff: 'exponential', maxDelayMs: 60_000, jitter: true });
    expect(ownRetryPolicy(0, 100, 60_000).attempts).toBe(1);
    // A user who asks for a 120 s first delay gets it, although the operator capped growth at 60 s.
    expect(ownRetryPolicy(2, 120_000, 60_000).maxDelayMs).toBe(120_000);
  });

  it('waits through the one backoff formula: doubling, capped, at least half the nominal delay', () => {
    const policy = ownRetryPolicy(10, 1000, 5000);
    const wait = (retry: number, random: number) => retryDelay({ policy, retry, random: fixed(random), now: 0, maxRetryAfterMs: 60_000 }).delayMs;
    expect([1, 2, 3, 4, 10].map((n) => wait(n, 1))).toEqual([1000, 2000, 4000, 5000, 5000]);
    expect([wait(3, 0), wait(3, 0.5)]).toEqual([2000, 3000]);
    expect(retryDelay({ policy: ownRetryPolicy(3, 0, 60_000), retry: 3, random: fixed(0.5), now: 0, maxRetryAfterMs: 60_000 }).delayMs).toBe(0);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');

  it('reads delay-seconds', () => {
    expect(parseRetryAfter('0', now, 60_000)).toBe(0);
    expect(parseRetryAfter('2', now, 60_000)).toBe(2000);
    expect(parseRetryAfter(' 5 ', now, 60_000)).toBe(5000);
  });

  it('reads an HTTP-date relative to now', () => {
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now, 60_000)).toBe(30_000);
  });

  it('treats a date in the past as "retry now"', () => {
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:59:00 GMT', now, 60_000)).toBe(0);
  });

  it('caps the wait', () => {
    expect(parseRetryAfter('3600', now, 60_000)).toBe(60_000);
    expect(parseRetryAfter('Thu, 02 Jan 2025 00:00:00 GMT', now, 10_000)).toBe(10_000);
  });

  it('ignores absent or unreadable values', () => {
    for (const value of [undefined, '', 'soon', '-1', '1.5', '+3']) expect(parseRetryAfter(value, now, 60_000)).toBeUndefined();
  });
});

describe('retryDelay', () => {
  const base = { policy: ownRetryPolicy(5, 100, 60_000), random: fixed(1), now: 0, maxRetryAfterMs: 60_000 };

  it('follows Retry-After on 429 and 503, without jitter', () => {
    expect(retryDelay({ ...base, retry: 1, status: 429, retryAfter: '1' })).toEqual({ delayMs: 1000, source: 'retry-after' });
    expect(retryDelay({ ...base, retry: 2, status: 503, retryAfter: '3' })).toEqual({ delayMs: 3000, source: 'retry-after' });
  });

  it('ignores Retry-After on other statuses', () => {
    expect(retryDelay({ ...base, retry: 1, status: 500, retryAfter: '10' })).toEqual({ delayMs: 100, source: 'backoff' });
  });

  it('falls back to backoff without a usable Retry-After, and for network errors', () => {
    expect(retryDelay({ ...base, retry: 2, status: 503, retryAfter: 'later' })).toEqual({ delayMs: 200, source: 'backoff' });
    expect(retryDelay({ ...base, retry: 3 })).toEqual({ delayMs: 400, source: 'backoff' });
  });
});
