import type { RetryOptions } from './retry-policy.js';

/**
 * What every method takes last, beside its own options.
 *
 * @example
 * await client.getExecution(id, { timeoutMs: 5_000, signal: AbortSignal.timeout(10_000) });
 */
export interface CallOptions {
  /** Aborts the call, waits between retries included: it rejects with `AbortedError`. */
  signal?: AbortSignal;
  /** Gives up after this long, retries included, with `TimeoutError`; default the client's `timeoutMs` (30 s). */
  timeoutMs?: number;
  /** This call's retries, over the client's (`false`: one try). */
  retry?: RetryOptions | false;
}

/** The call options of a method's options object (the rest of which are the method's own). */
export function callOptionsOf(options: CallOptions | undefined): CallOptions {
  if (options === undefined) return {};
  const { signal, timeoutMs, retry } = options;
  return { ...(signal === undefined ? {} : { signal }), ...(timeoutMs === undefined ? {} : { timeoutMs }), ...(retry === undefined ? {} : { retry }) };
}

/** A method's own options without the call options, e.g. what goes into its query string. */
export function withoutCallOptions<T extends CallOptions>(options: T): Omit<T, keyof CallOptions> {
  const { signal: _signal, timeoutMs: _timeoutMs, retry: _retry, ...rest } = options;
  return rest;
}

export function checkTimeout(timeoutMs: number | undefined, what: string): void {
  if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs > 0))
    throw new TypeError(`${what} must be a number of milliseconds > 0, got ${String(timeoutMs)}`);
}
