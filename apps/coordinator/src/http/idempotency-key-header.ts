import { validationFailed } from './api-error.js';

/** Longer keys are refused: a UUID is 36 characters, and the key is stored with every start for a day. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;
/** Visible ASCII and spaces: what an HTTP header carries without encoding questions. */
const KEY = /^[\x20-\x7e]+$/;
const PATH = '$.headers.idempotency-key';

/**
 * The request's `Idempotency-Key`, or undefined without one. A key that is empty, longer than
 * {@link MAX_IDEMPOTENCY_KEY_LENGTH}, not printable ASCII, or sent twice is a 400 before anything is
 * read or written.
 */
export function idempotencyKeyOf(headers: Record<string, string | string[] | undefined>): string | undefined {
  const header = headers['idempotency-key'];
  if (header === undefined) return undefined;
  if (typeof header !== 'string') throw validationFailed([{ path: PATH, message: 'must be sent once' }], 'headers');
  const key = header.trim();
  if (key.length === 0) throw validationFailed([{ path: PATH, message: 'must not be empty' }], 'headers');
  if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH)
    throw validationFailed([{ path: PATH, message: `must be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters (got ${key.length})` }], 'headers');
  if (!KEY.test(key)) throw validationFailed([{ path: PATH, message: 'must be printable ASCII' }], 'headers');
  return key;
}
