import type { Problem } from '@agentic-flow/spec';
import { checkTimeout, type CallOptions } from './call-options.js';
import { AbortedError, type AgenticFlowError, BadResponseError, ConnectionError, HttpError, TimeoutError } from './errors.js';
import { anything, type ResponseCheck } from './response-shape.js';
import { backoffDelay, isRetryable, parseRetryAfter, retryPolicy, type RetryPolicy } from './retry-policy.js';

export interface TransportOptions {
  baseUrl: string;
  headers?: Record<string, string>;
  /** A call's time limit, retries included, unless the call says otherwise. */
  timeoutMs: number;
  retry: RetryPolicy;
  fetch?: typeof globalThis.fetch;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestSpec {
  method: HttpMethod;
  path: string;
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
  /**
   * Repeating the request cannot change the outcome, so it is retried after an ambiguous failure
   * too. Default: GET, PUT and PATCH yes; POST and DELETE no (a second cancel would answer 409, a
   * second delete 404).
   */
  idempotent?: boolean;
  /** What the answer must hold; default: anything. */
  expect?: ResponseCheck;
  call?: CallOptions;
}

const IDEMPOTENT_METHODS = new Set<HttpMethod>(['GET', 'PUT', 'PATCH']);
/** Bodies quoted in errors are cut here: enough to recognise a proxy's page. */
const EXCERPT = 500;

/**
 * JSON over HTTP to the coordinator: time limits, retries and one error model. Every failure is an
 * `AgenticFlowError`: no answer is `ConnectionError`, `TimeoutError` or `AbortedError`; an error
 * answer of the API `HttpError`; anything else `BadResponseError`.
 */
export class Transport {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof globalThis.fetch;

  constructor(private readonly options: TransportOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** Sends the request, retrying as the policy allows, and returns the checked JSON answer. */
  async request<T>(spec: RequestSpec): Promise<T> {
    const call = spec.call ?? {};
    checkTimeout(call.timeoutMs, 'timeoutMs');
    const timeoutMs = call.timeoutMs ?? this.options.timeoutMs;
    const deadline = Date.now() + timeoutMs;
    const policy = call.retry === undefined ? this.options.retry : retryPolicy(call.retry, this.options.retry);
    const idempotent = spec.idempotent ?? IDEMPOTENT_METHODS.has(spec.method);
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.once(spec, attempt, deadline, timeoutMs)) as T;
      } catch (error) {
        if (attempt >= policy.attempts || !isRetryable(error, idempotent)) throw error;
        const retryAfter = error instanceof HttpError ? error.retryAfterMs : undefined;
        // The server asks for a longer pause than this client may take: its answer is the caller's.
        if (retryAfter !== undefined && retryAfter > policy.maxDelayMs) throw error;
        const wait = retryAfter ?? backoffDelay(policy, attempt);
        if (Date.now() + wait >= deadline) throw error;
        await pause(wait, call.signal, `${spec.method} ${spec.path}`);
      }
    }
  }

  private async once(spec: RequestSpec, attempt: number, deadline: number, timeoutMs: number): Promise<unknown> {
    const url = `${this.baseUrl}${spec.path}`;
    const userSignal = spec.call?.signal;
    if (userSignal?.aborted) throw new AbortedError(`${spec.method} ${spec.path}`, userSignal.reason);
    const timeout = AbortSignal.timeout(Math.max(1, deadline - Date.now()));
    const signal = userSignal ? AbortSignal.any([userSignal, timeout]) : timeout;
    const headers: Record<string, string> = { accept: 'application/json', ...this.options.headers, ...spec.headers };
    let payload: string | undefined;
    if (spec.body !== undefined) {
      headers['content-type'] = spec.contentType ?? 'application/json';
      payload = typeof spec.body === 'string' ? spec.body : JSON.stringify(spec.body);
    }
    const failed = (error: unknown): unknown => {
      if (userSignal?.aborted) return new AbortedError(`${spec.method} ${spec.path}`, userSignal.reason);
      if (timeout.aborted)
        return new TimeoutError(
          timeoutMs,
          `${spec.method} ${withoutQuery(url)} did not complete within ${timeoutMs} ms${attempt > 1 ? ` (${attempt} attempts)` : ''}`,
          { cause: error },
        );
      // A TypeError without a cause is fetch refusing the caller's input (a header value with a newline): theirs to see as it is.
      if (error instanceof TypeError && error.cause === undefined && error.message !== 'fetch failed') return error;
      return new ConnectionError(withoutQuery(url), systemCodeOf(error), attempt, error);
    };
    let response: Response;
    let text: string;
    try {
      response = await this.fetchImpl(url, { method: spec.method, headers, ...(payload === undefined ? {} : { body: payload }), signal });
      text = await response.text();
    } catch (error) {
      throw failed(error);
    }
    return answerOf(response, text, withoutQuery(url), spec.expect ?? anything);
  }

  /** Opens a long-lived GET (the event stream): no time limit and no retries here; the caller reads the body and reconnects. */
  open(path: string, signal: AbortSignal): Promise<Response> {
    return this.fetchImpl(`${this.baseUrl}${path}`, { method: 'GET', headers: { accept: 'text/event-stream', ...this.options.headers }, signal });
  }

  /** The error of an error answer (reads its body). */
  async errorOf(response: Response): Promise<AgenticFlowError> {
    const text = await response.text().catch(() => '');
    return errorAnswerOf(response, text, withoutQuery(response.url || this.baseUrl));
  }
}

/** The parsed, checked body of a success; the error of anything else. */
function answerOf(response: Response, text: string, url: string, expect: ResponseCheck): unknown {
  if (!response.ok) throw errorAnswerOf(response, text, url);
  let body: unknown;
  if (text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      throw new BadResponseError(response.status, url, 'a body that is not JSON', text.slice(0, EXCERPT));
    }
  }
  const problem = expect(body);
  if (problem !== undefined) throw new BadResponseError(response.status, url, text === '' ? 'an empty body' : `a body with ${problem}`, text.slice(0, EXCERPT));
  return body;
}

function errorAnswerOf(response: Response, text: string, url: string): AgenticFlowError {
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    // Not JSON: not the API's answer (a proxy, a load balancer).
  }
  const error = (body as { error?: { code?: unknown; message?: unknown; problems?: unknown } } | undefined)?.error;
  if (typeof error?.code !== 'string' || typeof error.message !== 'string') {
    return new BadResponseError(response.status, url, text === '' ? 'an empty body' : "an error body that is not the API's", text.slice(0, EXCERPT));
  }
  const problems = Array.isArray(error.problems) ? (error.problems as Problem[]) : [];
  return new HttpError(response.status, error.code, error.message, problems, parseRetryAfter(response.headers.get('retry-after')));
}

/** The system error code under fetch's `TypeError: fetch failed` (undici nests it once or twice, or in an AggregateError). */
function systemCodeOf(error: unknown): string | undefined {
  for (let cause: unknown = error, depth = 0; cause !== undefined && cause !== null && depth < 4; depth++) {
    const { code, errors } = cause as { code?: unknown; errors?: unknown };
    if (typeof code === 'string') return code;
    if (Array.isArray(errors) && errors.length > 0) return systemCodeOf(errors[0]);
    cause = (cause as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Query strings may carry cursors or ids: errors name the path only. */
function withoutQuery(url: string): string {
  const index = url.indexOf('?');
  return index === -1 ? url : url.slice(0, index);
}

/** Waits `ms`, or rejects with `AbortedError` when `signal` aborts first. */
export function pause(ms: number, signal: AbortSignal | undefined, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortedError(what, signal.reason));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new AbortedError(what, signal!.reason));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function enc(segment: string): string {
  return encodeURIComponent(segment);
}

export function query(params: Record<string, string | number | boolean | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined) search.set(key, String(value));
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}
