import type { ApiErrorBody } from '@agentic-flow/spec';
import { AgenticFlowError } from './errors.js';

export interface TransportOptions {
  baseUrl: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
}

/** JSON over HTTP to the coordinator; an error answer becomes an `AgenticFlowError`. */
export class Transport {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof globalThis.fetch;

  constructor(private readonly options: TransportOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? globalThis.fetch;
  }

  async request<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', ...this.options.headers };
    let payload: string | undefined;
    if (body !== undefined) {
      headers['content-type'] = contentType;
      payload = typeof body === 'string' ? body : JSON.stringify(body);
    }
    const response = await this.fetchImpl(`${this.baseUrl}${path}`, {
      method,
      headers,
      ...(payload === undefined ? {} : { body: payload }),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
    });
    const text = await response.text();
    const json: unknown = text === '' ? undefined : safeJson(text);
    if (!response.ok) throw errorFrom(method, path, response.status, json);
    return json as T;
  }

  /** Opens a long-lived GET (the event stream): no timeout, the caller reads the body. */
  open(path: string, signal: AbortSignal): Promise<Response> {
    return this.fetchImpl(`${this.baseUrl}${path}`, { method: 'GET', headers: { accept: 'text/event-stream', ...this.options.headers }, signal });
  }

  /** The `AgenticFlowError` of an error answer (reads its body). */
  async errorOf(method: string, path: string, response: Response): Promise<AgenticFlowError> {
    const text = await response.text().catch(() => '');
    return errorFrom(method, path, response.status, text === '' ? undefined : safeJson(text));
  }
}

function errorFrom(method: string, path: string, status: number, json: unknown): AgenticFlowError {
  const error = (json as ApiErrorBody | undefined)?.error;
  return new AgenticFlowError(error?.message ?? `${method} ${path} answered ${status}`, status, error?.code ?? 'HTTP_ERROR', error?.problems ?? []);
}

export function enc(segment: string): string {
  return encodeURIComponent(segment);
}

export function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined) search.set(key, String(value));
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { error: { code: 'BAD_RESPONSE', message: `not JSON: ${text.slice(0, 200)}` } };
  }
}
