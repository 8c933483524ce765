import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, interceptors, type Dispatcher } from 'undici';
import { hasAttemptsLeft, inProcessRetryPolicy, stepError, type HttpConfig, type HttpResponse, type StepError } from '@agentic-flow/spec';
import type { StepExecutionInput, StepExecutor, StepOutcome, StepRuntime } from '../step-executor.js';
import { createEgressConnector } from './egress-connector.js';
import { createEgressPolicy, type EgressPolicy } from './egress-policy.js';
import { describeUrl, resolveHttpConfig } from './http-config.js';
import { HTTP_EXECUTOR_TRAITS } from './http-traits.js';
import { encodeRequestBody, hasHeader } from './request-body.js';
import { ownRetryPolicy, retryDelay } from './http-retry.js';
import { MAX_TIMER_MS, sendAttempt } from './send-attempt.js';

/** Tuning for {@link createHttpExecutor}. Every field has a production default. */
export interface HttpExecutorOptions {
  /** Largest accepted response body; a bigger one fails the step. Default 10 MiB. */
  maxResponseBytes?: number;
  /** Cap on a server's `Retry-After` (429/503). Default 60 000 ms. */
  maxRetryAfterMs?: number;
  /** Cap on the exponential backoff (a larger `retryDelay` itself is still honoured). Default 60 000 ms. */
  maxRetryDelayMs?: number;
  /** Redirects followed per attempt; 0 returns 3xx responses as they are. Default 5. */
  maxRedirections?: number;
  /** Sockets per origin in the shared pool; default unlimited (undici's default). */
  connectionsPerOrigin?: number;
  /** How long an idle keep-alive socket stays open. Default 4 000 ms (undici's default). */
  keepAliveTimeoutMs?: number;
  /**
   * Which addresses requests may connect to, checked on every connection (redirect hops included)
   * against the address actually connected to. Default: public addresses only (no loopback,
   * private, link-local… destinations); a denied one fails the step with `EGRESS_DENIED`.
   */
  egress?: EgressPolicy;
  /** Jitter source, [0, 1). Default `Math.random`. */
  random?: () => number;
  /** Clock for `Retry-After` dates, epoch ms. Default `Date.now`. */
  now?: () => number;
}

/**
 * A successful `http` step: its `output` (the step's result, what `results["id"]` reads) is the
 * response body — parsed JSON, text, or `null` when empty — and its `response` the status and
 * headers (`steps["id"]` in expressions, templates and scripts; `response` on the step run).
 * Retries show in the step's logs; the run's timings give its duration.
 */
export type HttpSuccess = Extract<StepOutcome, { ok: true }> & { output: unknown; response: HttpResponse };

const DEFAULTS = {
  maxResponseBytes: 10 * 1024 * 1024,
  maxRetryAfterMs: 60_000,
  maxRetryDelayMs: 60_000,
  maxRedirections: 5,
  keepAliveTimeoutMs: 4_000,
} as const;

/**
 * Creates the executor for `http` steps: one undici request per attempt over a shared keep-alive
 * pool, retried with exponential backoff (equal jitter) on network errors, timeouts, 5xx and 429,
 * honouring `Retry-After` on 429/503 — unless the step's `retry` strategy owns retrying
 * (`input.retryOwner`): then each call of `execute` sends one request, and the strategy's attempts
 * are the retries. Every step-level problem is an outcome, never a throw.
 *
 * @example
 * const http = createHttpExecutor({ maxResponseBytes: 1024 * 1024 });
 * const outcome = await http.execute(input, { signal, log: (level, message) => logs.push({ level, message }) });
 * if (outcome.ok) console.log(outcome.response?.status, outcome.output); // 200 { items: [...] }
 * await http.close();
 */
export function createHttpExecutor(options: HttpExecutorOptions = {}): StepExecutor<HttpConfig> {
  const maxResponseBytes = positive('maxResponseBytes', options.maxResponseBytes ?? DEFAULTS.maxResponseBytes);
  const maxRetryAfterMs = nonNegative('maxRetryAfterMs', options.maxRetryAfterMs ?? DEFAULTS.maxRetryAfterMs);
  const maxRetryDelayMs = nonNegative('maxRetryDelayMs', options.maxRetryDelayMs ?? DEFAULTS.maxRetryDelayMs);
  const maxRedirections = nonNegative('maxRedirections', options.maxRedirections ?? DEFAULTS.maxRedirections);
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;

  const agent = new Agent({
    // Every connection of the pool, whatever origin a redirect leads to, is opened through the policy.
    connect: createEgressConnector(options.egress ?? createEgressPolicy()),
    keepAliveTimeout: options.keepAliveTimeoutMs ?? DEFAULTS.keepAliveTimeoutMs,
    ...(options.connectionsPerOrigin === undefined ? {} : { connections: options.connectionsPerOrigin }),
    // The step's `timeout` bounds each attempt end to end; undici's own 300 s header/body timers would
    // only cut a long user timeout short with a less precise error.
    headersTimeout: 0,
    bodyTimeout: 0,
  });
  const dispatcher: Dispatcher = maxRedirections > 0 ? agent.compose(interceptors.redirect({ maxRedirections })) : agent;
  let closed = false;

  async function execute(input: StepExecutionInput<HttpConfig>, runtime: StepRuntime): Promise<StepOutcome> {
    // Using a closed executor is a worker bug, not a step failure: throw, and the worker reports it as INTERNAL.
    if (closed) throw new Error('http executor is closed');

    const resolved = resolveHttpConfig(input.config);
    if (!resolved.ok) return { ok: false, error: resolved.error };
    const { config, url } = resolved.request;
    const encoded = encodeRequestBody(config);
    if (!encoded.ok) return { ok: false, error: stepError('INVALID_CONFIG', `invalid http config: ${encoded.message}`) };
    if (encoded.request.warning) runtime.log('warn', encoded.request.warning);
    const idempotencyKey = config.idempotencyKey === false ? undefined : (config.idempotencyKey ?? input.idempotencyKey);
    if (idempotencyKey !== undefined && !hasHeader(encoded.request.headers, 'idempotency-key')) encoded.request.headers['idempotency-key'] = idempotencyKey;

    const label = `${config.method} ${describeUrl(url)}`;
    // One retry owner per step run: under a `retry` strategy each of its attempts is a single request.
    const policy = inProcessRetryPolicy(input.retryOwner, ownRetryPolicy(config.retries, config.retryDelay, maxRetryDelayMs));
    if (input.retryOwner === 'strategy' && config.retries > 0)
      runtime.log('info', `${label}: the step's retry strategy retries it: its own retries (${config.retries}) are not applied`);
    const maxAttempts = policy.attempts;
    for (let attempt = 1; ; attempt++) {
      const result = await sendAttempt({
        url,
        label,
        method: config.method,
        headers: encoded.request.headers,
        ...(encoded.request.body === undefined ? {} : { body: encoded.request.body }),
        timeoutMs: config.timeout,
        acceptStatus: config.acceptStatus,
        responseType: config.responseType,
        maxResponseBytes,
        dispatcher,
        signal: runtime.signal,
        ...(runtime.inTrace ? { inTrace: runtime.inTrace } : {}),
      });

      if (result.kind === 'cancelled') return cancelled(label, attempt);
      if (result.kind === 'response') {
        if (result.warning) runtime.log('warn', `${label}: ${result.warning}`);
        if (attempt > 1) runtime.log('info', `${label}: ${result.status} on attempt ${attempt} of ${maxAttempts}`);
        const success: HttpSuccess = { ok: true, output: result.body, response: { status: result.status, headers: result.headers } };
        return success;
      }
      if (!result.retryable || !hasAttemptsLeft(policy, attempt)) return { ok: false, error: withAttempts(result.error, attempt) };

      const { delayMs, source } = retryDelay({
        policy,
        retry: attempt,
        random,
        now: now(),
        maxRetryAfterMs,
        ...(result.status === undefined ? {} : { status: result.status }),
        ...(result.retryAfter === undefined ? {} : { retryAfter: result.retryAfter }),
      });
      runtime.log(
        'warn',
        `${result.error.message}; retry ${attempt} of ${maxAttempts - 1} in ${delayMs} ms${source === 'retry-after' ? ' (Retry-After)' : ''}`,
      );
      if (!(await wait(delayMs, runtime.signal))) return cancelled(label, attempt);
    }
  }

  return {
    ...HTTP_EXECUTOR_TRAITS,
    execute,
    async close() {
      if (closed) return;
      closed = true;
      // close() lets in-flight requests finish; the worker aborts their signals first if it is in a hurry.
      await agent.close();
    },
  };
}

function cancelled(label: string, attempts: number): StepOutcome {
  return { ok: false, error: stepError('CANCELLED', `${label} cancelled`, { attempts }) };
}

function withAttempts(error: StepError, attempts: number): StepError {
  return { ...error, details: { ...error.details, attempts } };
}

/** Resolves `true` after `ms`, or `false` as soon as `signal` aborts. */
async function wait(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  try {
    await sleep(Math.min(ms, MAX_TIMER_MS), undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`HttpExecutorOptions.${name} must be a positive number, got ${value}`);
  return value;
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`HttpExecutorOptions.${name} must be a non-negative number, got ${value}`);
  return value;
}
