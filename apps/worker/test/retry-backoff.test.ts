import { createLogger } from '@agentic-flow/telemetry';
import { RETRY_BACKOFF } from '@agentic-flow/queue';
import type { MinimalJob } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { MAX_DELAY_MS, retryBackoffDelay } from '../src/retry-backoff.js';
import { stepRetryBackoff } from '../src/step-consumers.js';

const exponential = { delayMs: 100, backoff: 'exponential' as const, jitter: false };
const fixed = { delayMs: 250, backoff: 'fixed' as const, jitter: false };

describe('retryBackoffDelay', () => {
  it('doubles an exponential delay per retry: delayMs * 2^(attemptsMade-1)', () => {
    expect([1, 2, 3, 4, 5].map((n) => retryBackoffDelay(exponential, n, () => 0.5))).toEqual([100, 200, 400, 800, 1600]);
  });

  it('keeps a fixed delay', () => {
    expect([1, 2, 7].map((n) => retryBackoffDelay(fixed, n, () => 0.5))).toEqual([250, 250, 250]);
  });

  it('caps the delay at maxDelayMs', () => {
    expect([1, 3, 4, 10].map((n) => retryBackoffDelay({ ...exponential, maxDelayMs: 500 }, n, () => 0))).toEqual([100, 400, 500, 500]);
    expect(retryBackoffDelay({ ...fixed, maxDelayMs: 100 }, 1, () => 0)).toBe(100);
    // Without a cap the doubling stops at the longest timer, never Infinity.
    expect(retryBackoffDelay(exponential, 5_000, () => 0)).toBe(MAX_DELAY_MS);
  });

  it('applies equal jitter: half of the nominal delay kept, the other half random', () => {
    const jittered = { ...exponential, jitter: true };
    expect(retryBackoffDelay(jittered, 3, () => 0)).toBe(200);
    expect(retryBackoffDelay(jittered, 3, () => 0.5)).toBe(300);
    expect(retryBackoffDelay(jittered, 3, () => 0.999_999)).toBe(400);
    // Jitter applies after the cap, so the cap is never exceeded.
    expect(retryBackoffDelay({ ...jittered, maxDelayMs: 300 }, 5, () => 0.999_999)).toBe(300);
    expect(retryBackoffDelay({ ...jittered, maxDelayMs: 300 }, 5, () => 0)).toBe(150);
    expect(retryBackoffDelay({ ...fixed, jitter: true }, 9, () => 0.25)).toBe(156);
  });

  it('treats a broken random source and a zero delay safely', () => {
    const jittered = { ...exponential, jitter: true };
    expect(retryBackoffDelay(jittered, 1, () => Number.NaN)).toBe(50);
    expect(retryBackoffDelay(jittered, 1, () => -3)).toBe(50);
    expect(retryBackoffDelay(jittered, 1, () => 7)).toBe(100);
    expect(retryBackoffDelay({ ...jittered, delayMs: 0 }, 4, () => 0.5)).toBe(0);
  });

  it('spreads simultaneous retries over the upper half of the window', () => {
    let seed = 42;
    const random = (): number => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const delays = Array.from({ length: 1000 }, () => retryBackoffDelay({ ...exponential, jitter: true }, 4, random));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(400);
    expect(Math.max(...delays)).toBeLessThanOrEqual(800);
    expect(new Set(delays).size).toBeGreaterThan(100);
  });
});

describe('stepRetryBackoff (the BullMQ strategy)', () => {
  const logger = createLogger({ name: 'test', level: 'silent' });
  const job = (data: unknown, attempts = 4): MinimalJob => ({ data, opts: { attempts } }) as unknown as MinimalJob;

  it('computes the delay from the job retry strategy and the attempts made', async () => {
    const strategy = stepRetryBackoff(logger, () => 0.5);
    const retry = { attempts: 4, delayMs: 100, backoff: 'exponential', jitter: true };
    expect(await strategy(1, RETRY_BACKOFF, new Error('NETWORK: down'), job({ retry }))).toBe(75);
    expect(await strategy(3, RETRY_BACKOFF, new Error('NETWORK: down'), job({ retry }))).toBe(300);
  });

  it('retries at once when the job has no readable strategy or another backoff type', async () => {
    const strategy = stepRetryBackoff(logger, () => 0.5);
    expect(await strategy(1, RETRY_BACKOFF, new Error('x'), job({}))).toBe(0);
    expect(await strategy(1, RETRY_BACKOFF, new Error('x'), job({ retry: { delayMs: 'soon' } }))).toBe(0);
    expect(await strategy(1, 'something-else', new Error('x'), job({ retry: { attempts: 2, delayMs: 100, backoff: 'fixed', jitter: false } }))).toBe(0);
  });
});
