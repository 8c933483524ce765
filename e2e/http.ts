import { TEST_ADMIN_KEY } from '@agentic-flow/testing';

/** One raw HTTP exchange with the coordinator, for requests the SDK would never send. */
export interface RawResponse {
  status: number;
  /** The parsed JSON answer, or the text when it is not JSON. */
  body: any;
}

/**
 * Sends with the test admin key unless `extraHeaders` says otherwise (an `authorization` of its own,
 * or `null` for none).
 */
export async function send(
  baseUrl: string,
  method: string,
  path: string,
  body?: string | Uint8Array,
  contentType?: string,
  extraHeaders: Record<string, string | null> = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = { authorization: `Bearer ${TEST_ADMIN_KEY}` };
  for (const [name, value] of Object.entries(extraHeaders)) {
    if (value === null) delete headers[name];
    else headers[name] = value;
  }
  if (contentType !== undefined) headers['content-type'] = contentType;
  const response = await fetch(`${baseUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    // Not JSON: the text itself.
  }
  return { status: response.status, body: parsed };
}

export const json = (value: unknown): string => JSON.stringify(value);
