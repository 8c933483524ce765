import { request, type Dispatcher } from 'undici';
import { readCapped, readExcerpt } from '../../http/response-body.js';
import { ERROR_BODY_EXCERPT_BYTES } from '../../http/send-attempt.js';
import { asTransportError } from '../../http/transport-error.js';

export interface ProviderAttemptRequest {
  url: URL;
  headers: Record<string, string>;
  body: string;
  dispatcher: Dispatcher;
  maxResponseBytes: number;
  /** Aborting it ends the attempt at once, whatever stage it is in. */
  signal: AbortSignal;
  /** The step's trace scope (`StepRuntime.inTrace`): the request's span is a child of the step's. */
  inTrace?: <T>(fn: () => T) => T;
}

/** One attempt's result, classified for the retry loop. */
export type ProviderAttemptResult =
  | { kind: 'ok'; status: number; text: string }
  | { kind: 'status'; status: number; excerpt: string; retryAfter?: string }
  | { kind: 'network'; code: string; message: string }
  | { kind: 'too-large'; status: number; receivedBytes: number };

/**
 * One POST to a provider. Network and status problems are results, never throws; an abort
 * rejects with the signal's reason, and an error that is neither (a bug) is rethrown as is.
 *
 * No per-attempt timer here: the step's timeout aborts the signal, and undici's own 300 s header
 * and body timers end a connection that hangs without one (reported as a network error, retried).
 */
export async function sendProviderAttempt(req: ProviderAttemptRequest): Promise<ProviderAttemptResult> {
  req.signal.throwIfAborted();
  try {
    const send = () => request(req.url, { dispatcher: req.dispatcher, method: 'POST', headers: req.headers, body: req.body, signal: req.signal });
    const response = await (req.inTrace ? req.inTrace(send) : send());
    const status = response.statusCode;
    if (status < 200 || status > 299) {
      const excerpt = await readExcerpt(response.body, ERROR_BODY_EXCERPT_BYTES);
      const retryAfter = firstHeader(response.headers['retry-after']);
      return { kind: 'status', status, excerpt, ...(retryAfter === undefined ? {} : { retryAfter }) };
    }
    const read = await readCapped(response.body, req.maxResponseBytes, contentLength(response.headers['content-length']));
    if (!read.ok) return { kind: 'too-large', status, receivedBytes: read.receivedBytes };
    return { kind: 'ok', status, text: new TextDecoder('utf-8').decode(read.bytes) };
  } catch (error) {
    // undici rejects with its own error or the reason depending on the stage; the signal is the truth.
    req.signal.throwIfAborted();
    const transport = asTransportError(error);
    if (transport === undefined) throw error;
    return { kind: 'network', code: transport.code, message: transport.message };
  }
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function contentLength(value: string | string[] | undefined): number | undefined {
  const text = firstHeader(value);
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
}
