import { z } from 'zod';
import type { RetryStrategySchema } from './recovery-strategy.js';

/**
 * How many times a piece of work is tried and how long to wait before each retry: the one retry
 * policy of Agentic Flow. A `retry` recovery strategy becomes one (carried on the step's job and
 * spent as BullMQ attempts), and so do an http step's own `retries`/`retryDelay` and an LLM
 * provider's per-call retries (spent inside one executor call). Which of them applies to a step
 * run is decided by `retry-owner.ts`. Pure: randomness is passed in, there is no clock.
 */
export const RetryPolicySchema = z.object({
  /** Tries in all, the first included: 1 never retries. */
  attempts: z.number().int().min(1),
  /** Nominal wait before the first retry, in ms. */
  delayMs: z.number().int().min(0),
  /** `exponential` doubles the nominal wait on each retry; `fixed` keeps it. */
  backoff: z.enum(['exponential', 'fixed']),
  /** Cap on the nominal wait, in ms. Jitter comes after the cap, so the cap is never exceeded. */
  maxDelayMs: z.number().int().min(0).optional(),
  /** Equal jitter: half of the nominal wait is kept, the other half drawn at random. */
  jitter: z.boolean(),
});

export type RetryPolicy = z.infer<typeof RetryPolicySchema>;

/**
 * Without `maxDelayMs`, an exponential wait still stops growing here: about 24.8 days, the longest
 * timer Node.js keeps (a longer `setTimeout` fires at once, and BullMQ would schedule the retry
 * in the far future).
 */
export const MAX_RETRY_DELAY_MS = 2_147_483_647;

/**
 * The policy a `retry` recovery strategy stands for.
 *
 * @example
 * retryPolicyOfStrategy({ type: 'retry', maxAttempts: 3, retryDelay: 2000, backoff: 'exponential', jitter: true });
 * // { attempts: 3, delayMs: 2000, backoff: 'exponential', jitter: true }
 */
export function retryPolicyOfStrategy(strategy: z.output<typeof RetryStrategySchema>): RetryPolicy {
  return {
    attempts: strategy.maxAttempts,
    delayMs: strategy.retryDelay,
    backoff: strategy.backoff,
    ...(strategy.maxDelay === undefined ? {} : { maxDelayMs: strategy.maxDelay }),
    jitter: strategy.jitter,
  };
}

/** Whether the policy allows another try after try number `attempt` (1 for the first) failed. */
export function hasAttemptsLeft(policy: Pick<RetryPolicy, 'attempts'>, attempt: number): boolean {
  return attempt < policy.attempts;
}

/**
 * The wait before retry number `retry` (1 for the first retry, made after the first try failed):
 * `delayMs * 2^(retry-1)` for exponential backoff or `delayMs` for fixed, capped by `maxDelayMs`
 * (and by {@link MAX_RETRY_DELAY_MS}); with `jitter`, **equal jitter** — half of that nominal
 * wait is kept and the other half is random (`nominal/2 + random·nominal/2`).
 *
 * Equal rather than full jitter: full jitter can draw a wait close to 0 ms, which hands a
 * struggling server an immediate retry; equal jitter still spreads simultaneous clients over half
 * the window while every retry backs off at least half the nominal wait.
 *
 * @param random Returns a number in [0, 1), like `Math.random`; anything else is clamped into it.
 * @example
 * backoffDelayMs({ attempts: 5, delayMs: 100, backoff: 'exponential', jitter: true }, 3, () => 0.5); // 400 nominal → 300
 */
export function backoffDelayMs(policy: Omit<RetryPolicy, 'attempts'>, retry: number, random: () => number): number {
  const base = Number.isFinite(policy.delayMs) ? Math.max(0, policy.delayMs) : 0;
  const exponent = Math.max(0, Math.floor(retry) - 1);
  // 2 ** exponent overflows to Infinity long before attempts run out; the caps below handle it.
  const grown = policy.backoff === 'exponential' ? base * 2 ** exponent : base;
  const nominal = Math.min(grown, policy.maxDelayMs ?? Infinity, MAX_RETRY_DELAY_MS);
  if (!policy.jitter) return Math.round(nominal);
  const half = nominal / 2;
  return Math.round(half + unitInterval(random()) * half);
}

/** A misbehaving random source (NaN, negative, ≥ 1) must not make a wait negative or longer than nominal. */
function unitInterval(x: number): number {
  if (!Number.isFinite(x) || x < 0) return 0;
  return Math.min(x, 1);
}
