import { describe, expect, it } from 'vitest';
import { backoffDelay, honoursRetryAfter, isRetryableStatus, parseRetryAfter, retryDelay } from '../src/http/retry-policy.js';

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

describe('backoffDelay (exponential, equal jitter)', () => {
  const options = { baseMs: 100, maxMs: 60_000 };

  it('doubles the nominal delay each retry', () => {
    // random = 1 → the full nominal delay.
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, { ...options, random: fixed(1) }))).toEqual([100, 200, 400, 800]);
  });

  it('keeps at least half the nominal delay and spreads the other half', () => {
    expect(backoffDelay(3, { ...options, random: fixed(0) })).toBe(200);
    expect(backoffDelay(3, { ...options, random: fixed(0.5) })).toBe(300);
    expect(backoffDelay(3, { ...options, random: fixed(0.999) })).toBe(400);
  });

  it('caps the exponential growth, but never below the configured first delay', () => {
    expect(backoffDelay(10, { baseMs: 1000, maxMs: 5000, random: fixed(1) })).toBe(5000);
    expect(backoffDelay(1, { baseMs: 120_000, maxMs: 60_000, random: fixed(1) })).toBe(120_000);
    expect(backoffDelay(2000, { baseMs: 1000, maxMs: 5000, random: fixed(1) })).toBe(5000);
  });

  it('returns 0 for a zero retryDelay and tolerates a misbehaving random source', () => {
    expect(backoffDelay(3, { baseMs: 0, maxMs: 60_000, random: fixed(0.5) })).toBe(0);
    expect(backoffDelay(1, { ...options, random: fixed(Number.NaN) })).toBe(50);
    expect(backoffDelay(1, { ...options, random: fixed(7) })).toBe(100);
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
  const base = { baseMs: 100, maxMs: 60_000, random: fixed(1), now: 0, maxRetryAfterMs: 60_000 };

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
