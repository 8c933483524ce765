import type { HttpConfig } from '@agentic-flow/spec';

/** What goes on the wire: final headers and the encoded body (if any). */
export interface EncodedRequest {
  headers: Record<string, string>;
  body?: string;
  /** Set when a configured body was dropped, so the executor can tell the user why. */
  warning?: string;
}

export type EncodeRequestResult = { ok: true; request: EncodedRequest } | { ok: false; message: string };

/**
 * Encodes `config.body`: a string is sent as is; anything else (object, array, number, boolean,
 * null) as JSON with `content-type: application/json`, unless the user set a content type.
 * GET and HEAD send no body — many servers and proxies reject or ignore one.
 */
export function encodeRequestBody(config: Pick<HttpConfig, 'method' | 'headers' | 'body'>): EncodeRequestResult {
  const headers = { ...config.headers };
  if (config.body === undefined) return { ok: true, request: { headers } };
  if (config.method === 'GET' || config.method === 'HEAD') {
    return { ok: true, request: { headers, warning: `${config.method} sends no body; the configured body was ignored` } };
  }
  if (typeof config.body === 'string') return { ok: true, request: { headers, body: config.body } };

  let json: string | undefined;
  try {
    json = JSON.stringify(config.body);
  } catch (error) {
    return { ok: false, message: `$.config.body: cannot be serialized as JSON (${(error as Error).message})` };
  }
  // JSON.stringify returns undefined for functions/symbols; configs come from JSON, but stay total.
  if (json === undefined) return { ok: false, message: '$.config.body: cannot be serialized as JSON' };
  if (!hasHeader(headers, 'content-type')) headers['content-type'] = 'application/json';
  return { ok: true, request: { headers, body: json } };
}

/** Header names are case-insensitive; users write `Content-Type` as often as `content-type`. */
export function hasHeader(headers: Record<string, string>, name: string): boolean {
  const wanted = name.toLowerCase();
  return Object.keys(headers).some((key) => key.toLowerCase() === wanted);
}
