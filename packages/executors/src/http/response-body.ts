import type { HttpConfig } from '@agentic-flow/spec';

/** A response body stream; undici's `BodyReadable` is one. */
export type ByteStream = AsyncIterable<Uint8Array>;

export type ReadCappedResult = { ok: true; bytes: Buffer } | { ok: false; receivedBytes: number };

/**
 * Buffers a body, giving up as soon as it passes `maxBytes`, so a huge or endless response cannot
 * exhaust the worker's memory. Leaving the loop early destroys the stream (and its connection).
 *
 * @param declaredLength The `content-length` header, if any: a body announced as too big is
 *   refused without reading it.
 */
export async function readCapped(body: ByteStream, maxBytes: number, declaredLength?: number): Promise<ReadCappedResult> {
  if (declaredLength !== undefined && declaredLength > maxBytes) {
    await drop(body);
    return { ok: false, receivedBytes: declaredLength };
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.byteLength;
    if (total > maxBytes) return { ok: false, receivedBytes: total };
    chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }
  return { ok: true, bytes: Buffer.concat(chunks, total) };
}

/**
 * The first `maxBytes` of a body as text, for error details. The rest is not read: an error page
 * can be large and only its beginning helps a human. A UTF-8 sequence cut at the limit is dropped
 * rather than shown as U+FFFD.
 */
export async function readExcerpt(body: ByteStream, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    const take = Math.min(chunk.byteLength, maxBytes - total);
    chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, take));
    total += take;
    if (total >= maxBytes) break;
  }
  return new TextDecoder('utf-8').decode(Buffer.concat(chunks, total), { stream: true });
}

export interface DecodedBody {
  body: unknown;
  /** Set when the body was meant to be JSON but was not; the raw text is returned instead. */
  warning?: string;
}

/**
 * Turns response bytes into the step's `output.body`: `null` when empty; parsed JSON for
 * `responseType: 'json'`, or for `'auto'` with a JSON media type (`application/json`, `*+json`);
 * text otherwise, decoded with the `charset` the server declared (UTF-8 by default).
 *
 * Malformed JSON is not a step failure: the request itself succeeded, and the text is more useful
 * to the next step than an error, so the raw text is returned with a warning for the log.
 */
export function decodeBody(bytes: Uint8Array, contentType: string | undefined, responseType: HttpConfig['responseType']): DecodedBody {
  if (bytes.byteLength === 0) return { body: null };
  const media = parseMediaType(contentType);
  const text = decodeText(bytes, media?.charset);
  const wantsJson = responseType === 'json' || (responseType === 'auto' && media !== undefined && isJsonMediaType(media.type));
  if (!wantsJson) return { body: text };
  try {
    return { body: JSON.parse(text) as unknown };
  } catch (error) {
    const why = responseType === 'json' ? 'responseType is "json"' : `content type is ${media?.type ?? 'JSON'}`;
    return { body: text, warning: `response body is not valid JSON (${(error as Error).message}) although ${why}; returning it as text` };
  }
}

/** `application/json`, `application/problem+json`, `application/vnd.api+json`, … */
export function isJsonMediaType(type: string): boolean {
  return type === 'application/json' || type.endsWith('+json');
}

function parseMediaType(contentType: string | undefined): { type: string; charset?: string } | undefined {
  if (contentType === undefined) return undefined;
  const [type = '', ...params] = contentType.split(';');
  const media: { type: string; charset?: string } = { type: type.trim().toLowerCase() };
  for (const param of params) {
    const [key, value] = param.split('=');
    if (key?.trim().toLowerCase() === 'charset' && value !== undefined) media.charset = value.trim().replace(/^"|"$/g, '');
  }
  return media;
}

function decodeText(bytes: Uint8Array, charset: string | undefined): string {
  if (charset !== undefined) {
    try {
      return new TextDecoder(charset).decode(bytes);
    } catch {
      // Unknown charset label: fall through to UTF-8 rather than fail a successful request.
    }
  }
  return new TextDecoder('utf-8').decode(bytes);
}

async function drop(body: ByteStream): Promise<void> {
  // Returning from the iterator destroys the stream without reading it.
  await body[Symbol.asyncIterator]().return?.();
}
