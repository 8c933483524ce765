import { describe, expect, it } from 'vitest';
import {
  MAX_RETRY_DELAY_MS,
  RecoveryStrategySchema,
  RetryPolicySchema,
  backoffDelayMs,
  hasAttemptsLeft,
  retryPolicyOfStrategy,
  type RetryPolicy,
} from '../src/index.js';

const exponential: RetryPolicy = { attempts: 5, delayMs: 100, backoff: 'exponential', jitter: false };
const fixed: RetryPolicy = { attempts: 5, delayMs: 250, backoff: 'fixed', jitter: false };
const always = (value: number) => () => value;

describe('backoffDelayMs', () => {
  it('doubles an exponential delay per retry: delayMs * 2^(retry-1)', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelayMs(exponential, n, always(0.5)))).toEqual([100, 200, 400, 800, 1600]);
  });

  it('keeps a fixed delay', () => {
    expect([1, 2, 7].map((n) => backoffDelayMs(fixed, n, always(0.5)))).toEqual([250, 250, 250]);
  });

  it('caps the delay at maxDelayMs, the first delay included', () => {
    expect([1, 3, 4, 10].map((n) => backoffDelayMs({ ...exponential, maxDelayMs: 500 }, n, always(0)))).toEqual([100, 400, 500, 500]);
    expect(backoffDelayMs({ ...fixed, maxDelayMs: 100 }, 1, always(0))).toBe(100);
    // Without a cap the doubling stops at the longest timer, never Infinity.
    expect(backoffDelayMs(exponential, 5_000, always(0))).toBe(MAX_RETRY_DELAY_MS);
  });

  it('applies equal jitter after the cap: half of the nominal delay kept, the other half random', () => {
    const jittered = { ...exponential, jitter: true };
    expect(backoffDelayMs(jittered, 3, always(0))).toBe(200);
    expect(backoffDelayMs(jittered, 3, always(0.5))).toBe(300);
    expect(backoffDelayMs(jittered, 3, always(0.999_999))).toBe(400);
    expect(backoffDelayMs({ ...jittered, maxDelayMs: 300 }, 5, always(0.999_999))).toBe(300);
    expect(backoffDelayMs({ ...jittered, maxDelayMs: 300 }, 5, always(0))).toBe(150);
    expect(backoffDelayMs({ ...fixed, jitter: true }, 9, always(0.25))).toBe(156);
  });

  it('treats a broken random source, a zero or broken delay and a fractional retry number safely', () => {
    const jittered = { ...exponential, jitter: true };
    expect(backoffDelayMs(jittered, 1, always(Number.NaN))).toBe(50);
    expect(backoffDelayMs(jittered, 1, always(-3))).toBe(50);
    expect(backoffDelayMs(jittered, 1, always(7))).toBe(100);
    expect(backoffDelayMs({ ...jittered, delayMs: 0 }, 4, always(0.5))).toBe(0);
    expect(backoffDelayMs({ ...jittered, delayMs: Number.NaN }, 4, always(0.5))).toBe(0);
    expect(backoffDelayMs(exponential, 0, always(0))).toBe(100);
    expect(backoffDelayMs(exponential, 2.9, always(0))).toBe(200);
  });

  it('spreads simultaneous retries over the upper half of the window', () => {
    let seed = 42;
    const random = (): number => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const delays = Array.from({ length: 1000 }, () => backoffDelayMs({ ...exponential, jitter: true }, 4, random));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(400);
    expect(Math.max(...delays)).toBeLessThanOrEqual(800);
    expect(new Set(delays).size).toBeGreaterThan(100);
  });
});

describe('hasAttemptsLeft', () => {
  it('allows retries until the attempts are spent, the first try included', () => {
    expect([1, 2, 3, 4].map((attempt) => hasAttemptsLeft({ attempts: 3 }, attempt))).toEqual([true, true, false, false]);
    expect(hasAttemptsLeft({ attempts: 1 }, 1)).toBe(false);
  });
});

describe('retryPolicyOfStrategy', () => {
  it('reads a retry strategy, defaults applied, as the policy its job carries', () => {
    const strategy = RecoveryStrategySchema.parse({ type: 'retry' });
    if (strategy.type !== 'retry') throw new Error('not a retry strategy');
    expect(retryPolicyOfStrategy(strategy)).toEqual({ attempts: 3, delayMs: 1000, backoff: 'exponential', jitter: true });
    expect(retryPolicyOfStrategy({ ...strategy, maxAttempts: 5, retryDelay: 50, backoff: 'fixed', maxDelay: 400, jitter: false })).toEqual({
      attempts: 5,
      delayMs: 50,
      backoff: 'fixed',
      maxDelayMs: 400,
      jitter: false,
    });
  });

  it('yields what the queue accepts', () => {
    const strategy = RecoveryStrategySchema.parse({ type: 'retry', maxDelay: 1000 });
    if (strategy.type !== 'retry') throw new Error('not a retry strategy');
    expect(RetryPolicySchema.safeParse(retryPolicyOfStrategy(strategy)).success).toBe(true);
    expect(RetryPolicySchema.safeParse({ attempts: 0, delayMs: 10, backoff: 'fixed', jitter: true }).success).toBe(false);
  });
});
