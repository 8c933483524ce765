import type { RetryPolicy } from './retry-policy.js';

/**
 * Who retries a step run. There is exactly one owner, so retry layers never multiply (an http
 * step with `retries: 3` under a `retry` strategy of 3 attempts used to call its target 12 times):
 *
 * - `strategy` — the step's recovery strategy is `retry` (its `onError`, or a strategy registered
 *   for its step or its type). The queue runs the step's job up to the strategy's `maxAttempts`
 *   times with the strategy's backoff, and each attempt makes **one** try of each call: an http
 *   step's own `retries`/`retryDelay` and an agent's provider retries (`AGENT_MAX_RETRIES`) are not
 *   applied. The target sees at most `maxAttempts` tries of a call.
 * - `step` — any other strategy, or none. The job runs once, and the executor applies the step's
 *   own policy in process: `retries` + 1 tries with `retryDelay` backoff (honouring `Retry-After`),
 *   provider retries per model call.
 *
 * *Why the strategy wins rather than the step:* the strategy is the layer the engine and the
 * operator see — its attempts are logged, counted, and end in the dead letter queue — and a
 * strategy registered for a step type must be able to bound every step of that type, whatever
 * `retries` each definition carries.
 */
export type RetryOwner = 'strategy' | 'step';

/**
 * The owner of a step run whose job carries `strategyRetry` (the job's retry policy, present
 * exactly when the step's strategy is `retry`).
 */
export function retryOwnerOf(strategyRetry: RetryPolicy | undefined): RetryOwner {
  return strategyRetry === undefined ? 'step' : 'strategy';
}

/**
 * The tries an executor makes itself inside one attempt: its own policy when the step owns
 * retrying (`owner` absent counts as `step`: a caller that knows of no strategy), a single try
 * when the strategy does.
 *
 * @example
 * inProcessRetryPolicy('strategy', { attempts: 4, delayMs: 1000, backoff: 'exponential', jitter: true }).attempts; // 1
 * inProcessRetryPolicy('step', { attempts: 4, delayMs: 1000, backoff: 'exponential', jitter: true }).attempts; // 4
 */
export function inProcessRetryPolicy(owner: RetryOwner | undefined, own: RetryPolicy): RetryPolicy {
  return owner === 'strategy' ? { ...own, attempts: 1 } : own;
}
