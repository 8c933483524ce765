import { STATUS_CODES } from 'node:http';
import { request, type Dispatcher } from 'undici';
import { stepError, type HttpConfig, type StepError } from '@agentic-flow/spec';
import { EgressDeniedError } from './egress-policy.js';
import { decodeBody, readCapped, readExcerpt } from './response-body.js';
import { isRetryableStatus } from './http-retry.js';
import { INVALID_ARGUMENT_CODE, asTransportError } from './transport-error.js';

/** Node fires longer timers at once (TimeoutOverflowWarning); `timeout` has no upper bound in the schema. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** undici's message for a URL whose scheme is not http(s) (`lib/core/util.js`, `parseURL`). */
const REDIRECT_SCHEME = /Invalid URL protocol/;

/** How much of an error response is kept in `details.body`. */
export const ERROR_BODY_EXCERPT_BYTES = 2048;

export interface AttemptRequest {
  url: URL;
  /** `METHOD origin/path`, safe to put in messages. */
  label: string;
  method: HttpConfig['method'];
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  acceptStatus: readonly number[];
  responseType: HttpConfig['responseType'];
  maxResponseBytes: number;
  dispatcher: Dispatcher;
  /** The step's signal: cancellation ends the attempt at once, whatever stage it is in. */
  signal: AbortSignal;
  /** The step's trace scope (`StepRuntime.inTrace`): the request's span is a child of the step's. */
  inTrace?: <T>(fn: () => T) => T;
}

/** Lower-cased response headers; `set-cookie` stays a list because cookie values contain commas. */
export type ResponseHeaders = Record<string, string | string[]>;

export type AttemptResult =
  | { kind: 'response'; status: number; headers: ResponseHeaders; body: unknown; warning?: string }
  | {
      kind: 'failure';
      error: StepError;
      /** NETWORK, TIMEOUT, 5xx and 429 are worth another attempt; everything else is final. */
      retryable: boolean;
      status?: number;
      retryAfter?: string;
    }
  | { kind: 'cancelled' };

/**
 * One HTTP attempt, bounded by `timeoutMs` from sending the request to the last body byte. Never
 * throws for a network, status or timeout problem: those are results, classified for the retry loop.
 */
export async function sendAttempt(req: AttemptRequest): Promise<AttemptResult> {
  if (req.signal.aborted) return { kind: 'cancelled' };
  // One controller per attempt joins the two reasons to stop; the flag tells them apart afterwards,
  // since undici rejects with whatever reason the signal carried.
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(
    () => {
      timedOut = true;
      controller.abort(new Error(`timed out after ${req.timeoutMs} ms`));
    },
    Math.min(req.timeoutMs, MAX_TIMER_MS),
  );
  const onCancel = (): void => controller.abort(req.signal.reason);
  req.signal.addEventListener('abort', onCancel, { once: true });

  try {
    const send = () => request(req.url, { dispatcher: req.dispatcher, method: req.method, headers: req.headers, body: req.body, signal: controller.signal });
    const response = await (req.inTrace ? req.inTrace(send) : send());
    const status = response.statusCode;
    const headers = normalizeHeaders(response.headers);
    const accepted = (status >= 200 && status <= 299) || req.acceptStatus.includes(status);

    if (!accepted) {
      const excerpt = await readExcerpt(response.body, ERROR_BODY_EXCERPT_BYTES);
      const retryAfter = typeof headers['retry-after'] === 'string' ? headers['retry-after'] : undefined;
      const reason = STATUS_CODES[status];
      return {
        kind: 'failure',
        error: stepError('HTTP_STATUS', `${req.label} responded ${status}${reason ? ` ${reason}` : ''}`, { status, body: excerpt }),
        retryable: isRetryableStatus(status),
        status,
        ...(retryAfter === undefined ? {} : { retryAfter }),
      };
    }

    // A HEAD, 204 or 304 response announces a length but carries no body (RFC 9110 §8.6).
    const bodiless = req.method === 'HEAD' || status === 204 || status === 304;
    const read = await readCapped(response.body, req.maxResponseBytes, bodiless ? undefined : contentLengthOf(headers));
    if (!read.ok) {
      return {
        kind: 'failure',
        // The response is fine but unusable; NETWORK mirrors undici's own `maxResponseSize` error.
        // Not retried: the next attempt would return the same oversized body.
        error: stepError(
          'NETWORK',
          `${req.label} response body exceeds the limit of ${req.maxResponseBytes} bytes (maxResponseBytes); received at least ${read.receivedBytes}`,
          { reason: 'RESPONSE_TOO_LARGE', status, limitBytes: req.maxResponseBytes, receivedBytes: read.receivedBytes },
        ),
        retryable: false,
        status,
      };
    }
    const contentType = typeof headers['content-type'] === 'string' ? headers['content-type'] : undefined;
    const decoded = decodeBody(read.bytes, contentType, req.responseType);
    return { kind: 'response', status, headers, body: decoded.body, ...(decoded.warning ? { warning: decoded.warning } : {}) };
  } catch (error) {
    if (req.signal.aborted) return { kind: 'cancelled' };
    if (timedOut) {
      return { kind: 'failure', error: stepError('TIMEOUT', `${req.label} timed out after ${req.timeoutMs} ms`), retryable: true };
    }
    const denied = egressDenial(error);
    if (denied !== undefined) {
      // The policy, not the target, refused: another attempt would be refused the same way.
      return {
        kind: 'failure',
        error: stepError('EGRESS_DENIED', `${req.label}: ${denied.message}`, {
          host: denied.host,
          port: denied.port,
          address: denied.address,
          reason: denied.reason,
        }),
        retryable: false,
      };
    }
    const transport = asTransportError(error);
    if (transport === undefined) throw error;
    if (transport.code === INVALID_ARGUMENT_CODE && REDIRECT_SCHEME.test(transport.message)) {
      // The step's own URL was checked to be http(s) before sending, so only a redirect's Location
      // can have led here (undici's redirect handler refuses it): the server, not the config, chose
      // a destination outside http(s), and nothing was opened there.
      return {
        kind: 'failure',
        error: stepError('EGRESS_DENIED', `${req.label}: redirect to a URL that is not http or https denied`, { reason: 'scheme' }),
        retryable: false,
      };
    }
    if (transport.code === INVALID_ARGUMENT_CODE) {
      // undici's messages name the header ("invalid x-foo header"); point at the config field too.
      const field = /header/i.test(transport.message) ? '$.config.headers: ' : '';
      return { kind: 'failure', error: stepError('INVALID_CONFIG', `invalid http config: ${field}${transport.message}`), retryable: false };
    }
    return {
      kind: 'failure',
      error: stepError('NETWORK', `${req.label} failed: ${transport.message} (${transport.code})`, { code: transport.code }),
      retryable: true,
    };
  } finally {
    clearTimeout(timer);
    req.signal.removeEventListener('abort', onCancel);
  }
}

/** The policy's refusal, if that is what failed the request (undici passes the connector's error on, maybe as a cause). */
function egressDenial(error: unknown, depth = 0): EgressDeniedError | undefined {
  if (error instanceof EgressDeniedError) return error;
  if (typeof error !== 'object' || error === null || depth > 3) return undefined;
  return egressDenial((error as { cause?: unknown }).cause, depth + 1);
}

function normalizeHeaders(raw: Record<string, string | string[] | undefined>): ResponseHeaders {
  const headers: ResponseHeaders = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    if (Array.isArray(value)) headers[key] = key === 'set-cookie' ? [...value] : value.join(', ');
    else headers[key] = key === 'set-cookie' ? [value] : value;
  }
  return headers;
}

function contentLengthOf(headers: ResponseHeaders): number | undefined {
  const value = headers['content-length'];
  if (typeof value !== 'string' || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}
