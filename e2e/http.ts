/** One raw HTTP exchange with the coordinator, for requests the SDK would never send. */
export interface RawResponse {
  status: number;
  /** The parsed JSON answer, or the text when it is not JSON. */
  body: any;
}

export async function send(baseUrl: string, method: string, path: string, body?: string | Uint8Array, contentType?: string): Promise<RawResponse> {
  const headers: Record<string, string> = {};
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
