import { AgenticFlowError, BadResponseError, ConnectionError, HttpError } from './errors.js';

/** How the client retries a call that failed for a reason that may pass (`retry` of the client or of one call). */
export interface RetryOptions {
  /** Tries in all, the first included; default 5. 1 never retries. */
  attempts?: number;
  /** The first retry waits about this long (between half and all of it), each next one twice as long; default 250 ms. */
  initialDelayMs?: number;
  /**
   * The longest wait before one retry; default 8 s. A `Retry-After` asking for longer is not waited
   * for: the call fails with the 429 or 503 (`retryAfterMs` says when the server expects calls again).
   */
  maxDelayMs?: number;
}

export interface RetryPolicy {
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, initialDelayMs: 250, maxDelayMs: 8_000 };
const NO_RETRY: RetryPolicy = { ...DEFAULT_RETRY, attempts: 1 };

/** The policy of `retry` (`false`: one try), checked: a bad number is a TypeError here, not a surprise later. */
export function retryPolicy(retry: RetryOptions | false | undefined, base: RetryPolicy = DEFAULT_RETRY): RetryPolicy {
  if (retry === false) return NO_RETRY;
  const policy = { ...base, ...definedOnly(retry ?? {}) };
  if (!Number.isInteger(policy.attempts) || policy.attempts < 1) throw new TypeError(`retry.attempts must be an integer ≥ 1, got ${String(retry?.attempts)}`);
  for (const name of ['initialDelayMs', 'maxDelayMs'] as const) {
    if (!Number.isFinite(policy[name]) || policy[name] < 0) throw new TypeError(`retry.${name} must be a number ≥ 0, got ${String(retry?.[name])}`);
  }
  return policy;
}

function definedOnly(options: RetryOptions): Partial<RetryPolicy> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<RetryPolicy>;
}

/** Statuses that say "not now": a gateway without a healthy coordinator behind it, an overloaded or restarting one. */
const TRANSIENT_STATUSES = new Set([502, 503, 504]);
/** Connection failures before any byte of the request left: repeating cannot do anything twice. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Whether `error` is worth another try of a call. A call is `idempotent` when repeating it cannot
 * change the outcome (reads, PUTs, registering a definition, a start with its `Idempotency-Key`):
 * it is retried on connection errors and 502/503/504. Any call is retried on 429 (refused before it
 * was looked at) and on connections that never opened.
 */
export function isRetryable(error: unknown, idempotent: boolean): boolean {
  if (!(error instanceof AgenticFlowError)) return false;
  if (error instanceof HttpError && error.status === 429) return true;
  if (error instanceof ConnectionError) return idempotent || (error.systemCode !== undefined && NOT_SENT.has(error.systemCode));
  if (error instanceof HttpError || error instanceof BadResponseError) return idempotent && TRANSIENT_STATUSES.has(error.status);
  return false;
}

/**
 * The wait before try `attempt + 1`: exponential with "equal jitter" (half fixed, half random), so
 * clients that failed together do not come back together, yet none comes back at once.
 * The formula of spec's `backoffDelayMs`, kept as a copy on purpose: the SDK imports only spec's
 * types, so nothing of spec (zod, ESM only) loads at run time.
 */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (attempt - 1));
  return ceiling / 2 + random() * (ceiling / 2);
}

/** `Retry-After` in ms: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
