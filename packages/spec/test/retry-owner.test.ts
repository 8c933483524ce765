import { describe, expect, it } from 'vitest';
import { hasAttemptsLeft, inProcessRetryPolicy, retryOwnerOf, type RetryPolicy } from '../src/index.js';

const strategy: RetryPolicy = { attempts: 3, delayMs: 1000, backoff: 'exponential', jitter: true };
/** An http step's `retries: 3`. */
const own: RetryPolicy = { attempts: 4, delayMs: 100, backoff: 'exponential', maxDelayMs: 60_000, jitter: true };

/** Tries of one call a step run makes when every try fails retryably: the job's attempts × the executor's tries per attempt. */
function triesWhenAlwaysFailing(jobRetry: RetryPolicy | undefined): number {
  const jobAttempts = jobRetry?.attempts ?? 1;
  const perAttempt = inProcessRetryPolicy(retryOwnerOf(jobRetry), own);
  let tries = 0;
  for (let job = 1; job <= jobAttempts; job++) {
    for (let attempt = 1; ; attempt++) {
      tries += 1;
      if (!hasAttemptsLeft(perAttempt, attempt)) break;
    }
  }
  return tries;
}

describe('one retry owner per step run', () => {
  it('makes the strategy the owner exactly when the job carries a retry policy', () => {
    expect(retryOwnerOf(strategy)).toBe('strategy');
    expect(retryOwnerOf({ ...strategy, attempts: 1 })).toBe('strategy');
    expect(retryOwnerOf(undefined)).toBe('step');
  });

  it('leaves the executor one try per attempt under a strategy, its own policy otherwise', () => {
    expect(inProcessRetryPolicy('strategy', own)).toEqual({ ...own, attempts: 1 });
    expect(inProcessRetryPolicy('step', own)).toBe(own);
    // A caller that knows of no strategy (a test, a tool) keeps the step's own policy.
    expect(inProcessRetryPolicy(undefined, own)).toBe(own);
  });

  it('never multiplies the layers: retries: 3 under maxAttempts: 3 calls 3 times, without a strategy 4', () => {
    expect(triesWhenAlwaysFailing(strategy)).toBe(3);
    expect(triesWhenAlwaysFailing(undefined)).toBe(4);
    expect(triesWhenAlwaysFailing({ ...strategy, attempts: 1 })).toBe(1);
  });
});
