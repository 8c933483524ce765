/**
 * When to retry an `http` step attempt and how long to wait first. Pure: randomness and the clock are
 * passed in, so every branch is testable without timers.
 */

/** Statuses worth another attempt: the server is overloaded or broken, not the request. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599);
}

/** Statuses whose `Retry-After` header we honour (RFC 9110 §10.2.3 names 503; 429 is RFC 6585). */
export function honoursRetryAfter(status: number): boolean {
  return status === 429 || status === 503;
}

export interface BackoffOptions {
  /** The step's `retryDelay`: the nominal wait before the first retry, in ms. */
  baseMs: number;
  /**
   * Ceiling for the exponential growth, in ms. A `baseMs` above it wins, so a user who asks for a
   * long first delay gets it; only the doubling is clipped.
   */
  maxMs: number;
  /** Returns a number in [0, 1), like `Math.random`. */
  random: () => number;
}

/**
 * Delay before retry number `retry` (1 for the first retry): `baseMs * 2^(retry-1)`, capped, with
 * **equal jitter** — half of the nominal delay is kept and the other half is random.
 *
 * Equal rather than full jitter: full jitter can draw a wait close to 0 ms, which hands a struggling
 * server an immediate retry; equal jitter still spreads simultaneous clients over half the window
 * while guaranteeing every retry backs off at least `nominal / 2`.
 *
 * @example
 * backoffDelay(3, { baseMs: 100, maxMs: 60_000, random: () => 0.5 }); // 400 nominal → 300
 */
export function backoffDelay(retry: number, options: BackoffOptions): number {
  const { baseMs, maxMs, random } = options;
  if (baseMs <= 0) return 0;
  const exponent = Math.max(0, retry - 1);
  // 2 ** exponent overflows to Infinity long before it matters; Math.min handles that.
  const nominal = Math.min(baseMs * 2 ** exponent, Math.max(maxMs, baseMs));
  const half = nominal / 2;
  return Math.round(half + clampUnit(random()) * half);
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

export interface RetryDelayInput extends BackoffOptions {
  /** 1 for the first retry. */
  retry: number;
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
  return { delayMs: backoffDelay(input.retry, input), source: 'backoff' };
}

function clampUnit(x: number): number {
  if (!Number.isFinite(x) || x < 0) return 0;
  return x >= 1 ? 1 : x;
}
