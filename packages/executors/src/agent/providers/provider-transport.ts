import { STATUS_CODES } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent } from 'undici';
import { hasAttemptsLeft, inProcessRetryPolicy } from '@agentic-flow/spec';
import { describeUrl } from '../../http/http-config.js';
import { isRetryableStatus, ownRetryPolicy, retryDelay } from '../../http/http-retry.js';
import { ERROR_BODY_EXCERPT_BYTES, MAX_TIMER_MS } from '../../http/send-attempt.js';
import { SecretMask } from '../../secret-mask.js';
import { ProviderError, type ChatRequest } from '../provider.js';
import { sendProviderAttempt, type ProviderAttemptResult } from './provider-attempt.js';
import { endpointUrl, type ResolvedProviderOptions } from './provider-options.js';

/** A successful call: the parsed JSON body, and how to report that it is not what was expected. */
export interface ProviderReply {
  body: unknown;
  attempts: number;
  /** A `ProviderError` for a 2xx body that lacks the expected fields; `problem` says what is wrong. */
  invalid(problem: string): ProviderError;
}

/** What the transport needs of the chat request it serves: its signal, its retry owner, its trace scope. */
export type ProviderCall = Pick<ChatRequest, 'signal' | 'retryOwner' | 'inTrace'>;

/** One provider's connection pool and retry loop; the wire format is the caller's business. */
export interface ProviderTransport {
  /**
   * POSTs `payload` as JSON to `path` under the base URL. Retries 408, 429, 5xx and network
   * errors, honouring `Retry-After` on 429/503, within the provider's retry budget — or not at
   * all when `call.retryOwner` is `strategy` (the step's `retry` strategy retries instead); throws a
   * `ProviderError` when it gives up, and rejects with the signal's reason as soon as `call.signal`
   * aborts (during an attempt or a wait). Each request is sent in `call.inTrace`, when given.
   */
  postJson(path: string, headers: Record<string, string>, payload: unknown, call: ProviderCall): Promise<ProviderReply>;
  close(): Promise<void>;
}

/** Statuses worth another attempt: the http executor's (429, 5xx) plus 408 Request Timeout. */
export function isRetryableProviderStatus(status: number): boolean {
  return status === 408 || isRetryableStatus(status);
}

export function createProviderTransport(options: ResolvedProviderOptions): ProviderTransport {
  const agent = new Agent({
    keepAliveTimeout: 4_000,
    ...(options.connectionsPerOrigin === undefined ? {} : { connections: options.connectionsPerOrigin }),
  });
  // Error bodies can echo the API key (OpenAI's 401 quotes part of the key it received), and
  // messages end up in PostgreSQL and in logs: it is masked out of both here, as well as by the worker.
  const apiKey = options.apiKey === undefined ? SecretMask.none : SecretMask.of([options.apiKey]);
  // The provider's own budget (AGENT_MAX_RETRIES); a cap on growth that a longer first delay overrides.
  const ownPolicy = ownRetryPolicy(options.maxRetries, options.retryDelayMs, options.maxRetryDelayMs);
  let closed = false;

  const fail = (message: string, details: Omit<ProviderError['details'], 'provider'>): ProviderError => {
    const body = details.body === undefined ? {} : { body: firstBytes(apiKey.text(details.body), ERROR_BODY_EXCERPT_BYTES) };
    return new ProviderError(apiKey.text(message), { provider: options.name, ...details, ...body });
  };

  async function postJson(path: string, headers: Record<string, string>, payload: unknown, call: ProviderCall): Promise<ProviderReply> {
    const { signal, retryOwner } = call;
    // Calling a closed provider is a worker bug, not a provider failure.
    if (closed) throw new Error(`provider "${options.name}" is closed`);
    const url = endpointUrl(options.baseUrl, path);
    const label = `${options.name}: POST ${describeUrl(url)}`;
    const body = JSON.stringify(payload);
    const allHeaders = { 'content-type': 'application/json', accept: 'application/json', ...headers };
    const policy = inProcessRetryPolicy(retryOwner, ownPolicy);

    for (let attempt = 1; ; attempt++) {
      const result = await sendProviderAttempt({
        url,
        headers: allHeaders,
        body,
        dispatcher: agent,
        maxResponseBytes: options.maxResponseBytes,
        signal,
        ...(call.inTrace ? { inTrace: call.inTrace } : {}),
      });
      if (result.kind === 'ok') return parseReply(result.text, result.status, attempt, label, fail);
      if (result.kind === 'too-large') {
        // Not retried: the next attempt would return the same oversized body.
        throw fail(`${label} response body exceeds ${options.maxResponseBytes} bytes (received at least ${result.receivedBytes})`, {
          status: result.status,
          attempts: attempt,
        });
      }
      const retryable = result.kind === 'network' || isRetryableProviderStatus(result.status);
      if (!retryable || !hasAttemptsLeft(policy, attempt))
        throw fail(`${describeFailure(label, result)} ${afterAttempts(attempt)}`, failureDetails(result, attempt));

      const { delayMs } = retryDelay({
        policy,
        retry: attempt,
        random: options.random,
        now: options.now(),
        maxRetryAfterMs: options.maxRetryAfterMs,
        ...(result.kind === 'status' ? { status: result.status } : {}),
        ...(result.kind === 'status' && result.retryAfter !== undefined ? { retryAfter: result.retryAfter } : {}),
      });
      await waitOrAbort(delayMs, signal);
    }
  }

  return {
    postJson,
    async close() {
      if (closed) return;
      closed = true;
      await agent.close();
    },
  };
}

function parseReply(
  text: string,
  status: number,
  attempts: number,
  label: string,
  fail: (message: string, details: Omit<ProviderError['details'], 'provider'>) => ProviderError,
): ProviderReply {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw fail(`${label} response is not JSON (${(error as Error).message})`, { status, attempts, body: text });
  }
  return {
    body,
    attempts,
    invalid: (problem) => fail(`${label} response is invalid: ${problem}`, { status, attempts, body: text }),
  };
}

function describeFailure(label: string, result: Exclude<ProviderAttemptResult, { kind: 'ok' | 'too-large' }>): string {
  if (result.kind === 'network') return `${label} failed: ${result.message} (${result.code})`;
  const reason = STATUS_CODES[result.status];
  const said = providerMessage(result.excerpt);
  return `${label} responded ${result.status}${reason ? ` ${reason}` : ''}${said ? `: ${said}` : ''}`;
}

function failureDetails(result: Exclude<ProviderAttemptResult, { kind: 'ok' | 'too-large' }>, attempts: number): Omit<ProviderError['details'], 'provider'> {
  if (result.kind === 'network') return { attempts, code: result.code };
  return { status: result.status, attempts, body: result.excerpt };
}

/**
 * The provider's own explanation, when its error body has the shape both APIs use
 * (`{ error: { message } }`): "model not found" is worth a place in the step's error message.
 */
function providerMessage(excerpt: string): string | undefined {
  try {
    const parsed = JSON.parse(excerpt) as { error?: { message?: unknown } | string } | null;
    const error = parsed?.error;
    const message = typeof error === 'string' ? error : error?.message;
    return typeof message === 'string' && message !== '' ? truncate(message, 300) : undefined;
  } catch {
    return undefined;
  }
}

function afterAttempts(attempts: number): string {
  return attempts === 1 ? '(after 1 attempt)' : `(after ${attempts} attempts)`;
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
async function waitOrAbort(ms: number, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  try {
    await sleep(Math.min(ms, MAX_TIMER_MS), undefined, { signal });
  } catch (error) {
    signal.throwIfAborted();
    throw error;
  }
}

function truncate(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : text.slice(0, maxChars);
}

/** The first `maxBytes` of `text` in UTF-8, dropping a character cut at the limit. */
function firstBytes(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.byteLength <= maxBytes) return text;
  return new TextDecoder('utf-8').decode(bytes.subarray(0, maxBytes), { stream: true });
}
