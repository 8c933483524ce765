/**
 * Recognises errors that come from the network or from undici rather than from a bug: they carry a
 * string `code` — a Node system error (`ECONNREFUSED`, `ENOTFOUND`, `ECONNRESET`…) or an undici one
 * (`UND_ERR_SOCKET`, `UND_ERR_CONNECT_TIMEOUT`…).
 */
export interface TransportError {
  code: string;
  message: string;
}

/**
 * Returns the code and message of a transport error, or `undefined` for anything else (which the
 * executor rethrows: an unknown error means the executor is broken, not the step).
 *
 * Looks through `cause` and `AggregateError.errors` because Node's happy-eyeballs connect
 * (`autoSelectFamily`) reports one error per address tried, e.g. `::1` and `127.0.0.1`.
 */
export function asTransportError(error: unknown, depth = 0): TransportError | undefined {
  if (typeof error !== 'object' || error === null || depth > 3) return undefined;
  const { code, message } = error as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : '';
  const inner = error instanceof AggregateError ? error.errors.map((e) => asTransportError(e, depth + 1)).filter((e) => e !== undefined) : [];
  // Node sets `code` on the AggregateError but leaves its message empty: describe it by its parts.
  const described = text || inner.map((e) => e.message).join('; ');
  if (typeof code === 'string' && code !== '') return { code, message: described || code };
  const first = inner[0];
  if (first !== undefined) return { code: first.code, message: described };
  return asTransportError((error as { cause?: unknown }).cause, depth + 1);
}

/**
 * undici rejects malformed requests (a header value with a newline, a forbidden `connection`
 * header…) with this code before sending anything: the config is wrong, and retrying won't help.
 */
export const INVALID_ARGUMENT_CODE = 'UND_ERR_INVALID_ARG';
