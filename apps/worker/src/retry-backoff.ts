import type { StepJob } from '@agentic-flow/queue';

/** A step's retry strategy, as carried on its job. */
export type RetryStrategy = NonNullable<StepJob['retry']>;

/**
 * The wait before retry number `attemptsMade` (1 for the first retry, which is what BullMQ passes
 * a backoff strategy: the attempts made so far, the one that just failed included):
 * `delayMs * 2^(attemptsMade-1)` for exponential backoff or `delayMs` for fixed, capped by
 * `maxDelayMs`; with `jitter`, **equal jitter** — half of that nominal delay is kept and the other
 * half is random (`nominal/2 + random·nominal/2`), so simultaneous retries spread out while every
 * retry still waits at least half the nominal delay.
 *
 * Pure: `random` returns a number in [0, 1), like `Math.random`.
 *
 * @example
 * retryBackoffDelay({ attempts: 5, delayMs: 100, backoff: 'exponential', jitter: true }, 3, () => 0.5); // 400 nominal → 300
 */
export function retryBackoffDelay(retry: Pick<RetryStrategy, 'delayMs' | 'backoff' | 'maxDelayMs' | 'jitter'>, attemptsMade: number, random: () => number): number {
  const base = Math.max(0, retry.delayMs);
  const exponent = Math.max(0, Math.floor(attemptsMade) - 1);
  let nominal = retry.backoff === 'exponential' ? base * 2 ** exponent : base;
  // 2 ** exponent overflows to Infinity long before attempts run out; the cap (or MAX_DELAY_MS) handles it.
  if (retry.maxDelayMs !== undefined) nominal = Math.min(nominal, retry.maxDelayMs);
  nominal = Math.min(nominal, MAX_DELAY_MS);
  if (!retry.jitter) return Math.round(nominal);
  const half = nominal / 2;
  return Math.round(half + clampUnit(random()) * half);
}

/**
 * Without `maxDelayMs`, an exponential delay still stops growing here (about 24.8 days, the
 * longest timer Node.js keeps; BullMQ would otherwise schedule the retry in the far future).
 */
export const MAX_DELAY_MS = 2_147_483_647;

function clampUnit(x: number): number {
  if (!Number.isFinite(x) || x < 0) return 0;
  return x >= 1 ? 1 : x;
}
