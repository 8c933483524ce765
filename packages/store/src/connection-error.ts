import { StoreError } from './errors.js';

/**
 * `host:port` of a PostgreSQL URL for messages: never the user or password. A Unix socket
 * (`?host=/var/run/postgresql`) is named by its directory.
 */
export function describeTarget(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'the configured address';
  }
  const socketHost = parsed.searchParams.get('host');
  const host = parsed.hostname || socketHost || 'localhost';
  if (host.startsWith('/')) return host;
  return `${host}:${parsed.port || '5432'}`;
}

// Errors that mean "nobody answered", as opposed to "the server answered and said no".
const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOENT', // a Unix socket that does not exist
]);

/**
 * Turns a failed `connect()` into a {@link StoreError} whose one-line message names the address:
 * `STORE_DB_UNREACHABLE` when nothing answered (refused, unknown host, timeout), else
 * `STORE_DB_CONNECT_FAILED` with the server's reason (authentication, unknown database…).
 */
export function connectionError(url: string, error: unknown): StoreError {
  const target = describeTarget(url);
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  const timedOut = /timeout|timed out/i.test(message);
  if ((typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) || timedOut) {
    // Node reports a refused dual-stack connect as an AggregateError with an empty message.
    const reason = timedOut ? 'connection timed out' : (code as string);
    return new StoreError('STORE_DB_UNREACHABLE', `PostgreSQL at ${target} is unreachable (${reason})`, {
      cause: error,
    });
  }
  return new StoreError('STORE_DB_CONNECT_FAILED', `Cannot connect to PostgreSQL at ${target}: ${message}`, {
    cause: error,
  });
}
