import { backoffDelayMs, type RetryPolicy } from '@agentic-flow/spec';

/**
 * What is HTTP-specific about retrying a call, for http steps and LLM providers: which statuses are
 * worth another try, the server's `Retry-After`, and an executor's own retry settings as spec's
 * `RetryPolicy` (whose one backoff formula gives the wait otherwise). Pure: randomness and the
 * clock are passed in, so every branch is testable without timers.
 */

/** Statuses worth another attempt: the server is overloaded or broken, not the request. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599);
}

/** Statuses whose `Retry-After` header we honour (RFC 9110 §10.2.3 names 503; 429 is RFC 6585). */
export function honoursRetryAfter(status: number): boolean {
  return status === 429 || status === 503;
}

/**
 * An executor's own retries as a policy: `retries` after the first try, exponential from
 * `delayMs`, equal jitter. `growthCapMs` is the operator's cap on the doubling (the executor's
 * `maxRetryDelayMs`), not the user's: a `delayMs` above it wins, so a user who asks for a long
 * first wait gets it, and only the growth is clipped.
 *
 * @example
 * ownRetryPolicy(3, 100, 60_000); // { attempts: 4, delayMs: 100, backoff: 'exponential', maxDelayMs: 60000, jitter: true }
 */
export function ownRetryPolicy(retries: number, delayMs: number, growthCapMs: number): RetryPolicy {
  return { attempts: retries + 1, delayMs, backoff: 'exponential', maxDelayMs: Math.max(growthCapMs, delayMs), jitter: true };
}

/**
 * Parses a `Retry-After` header value (RFC 9110 §10.2.3): either delay-seconds or an HTTP-date.
 * Returns the wait in ms, at least 0 (a date in the past means "now") and at most `maxMs`, or
 * `undefined` when the value is absent or unreadable — the caller then falls back to backoff.
 *
 * @param now Epoch ms the date form is measured from.
 * @example
 * parseRetryAfter('2', Date.now(), 60_000); // 2000
 * parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 07:27:30 GMT'), 60_000); // 30000
 */
export function parseRetryAfter(value: string | undefined, now: number, maxMs: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  let waitMs: number;
  if (/^\d+$/.test(text)) {
    waitMs = Number(text) * 1000;
  } else {
    // Reject bare numbers with signs/decimals here: Date.parse would read "-1" or "1.5" as a year.
    if (/^[-+\d.\s]+$/.test(text)) return undefined;
    const at = Date.parse(text);
    if (Number.isNaN(at)) return undefined;
    waitMs = at - now;
  }
  return Math.min(Math.max(0, waitMs), Math.max(0, maxMs));
}

export interface RetryDelayInput {
  /** The retries' policy (`ownRetryPolicy`): its backoff gives the wait when the server names none. */
  policy: RetryPolicy;
  /** 1 for the first retry. */
  retry: number;
  /** Returns a number in [0, 1), like `Math.random`. */
  random: () => number;
  /** The status that caused the retry; absent for network errors and timeouts. */
  status?: number;
  /** The response's `Retry-After` header, if any. */
  retryAfter?: string;
  /** Epoch ms, for the HTTP-date form of `Retry-After`. */
  now: number;
  /** Cap on a server-requested wait, in ms. */
  maxRetryAfterMs: number;
}

/**
 * The wait before a retry: what the server asked for on 429/503 (capped), else jittered backoff.
 * The server's figure is used as is, without jitter, because it is an explicit instruction.
 */
export function retryDelay(input: RetryDelayInput): { delayMs: number; source: 'retry-after' | 'backoff' } {
  if (input.status !== undefined && honoursRetryAfter(input.status)) {
    const asked = parseRetryAfter(input.retryAfter, input.now, input.maxRetryAfterMs);
    if (asked !== undefined) return { delayMs: asked, source: 'retry-after' };
  }
  return { delayMs: backoffDelayMs(input.policy, input.retry, input.random), source: 'backoff' };
}
