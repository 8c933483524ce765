/** Error codes of `@agentic-flow/store`. Never reuse a code. */
export const STORE_ERROR_CODES = [
  /** The database server could not be reached (refused, unknown host, connect timeout). */
  'STORE_DB_UNREACHABLE',
  /** The server answered but the connection failed (authentication, unknown database, TLS…). */
  'STORE_DB_CONNECT_FAILED',
  /** Applying the SQL migrations failed. */
  'STORE_MIGRATION_FAILED',
] as const;

export type StoreErrorCode = (typeof STORE_ERROR_CODES)[number];

/**
 * An error raised by the store, with a stable string `code`.
 *
 * @example
 * try { await migrateDatabase(url) } catch (error) {
 *   if (error instanceof StoreError && error.code === 'STORE_DB_UNREACHABLE') console.error(error.message);
 * }
 */
export class StoreError<C extends StoreErrorCode = StoreErrorCode> extends Error {
  constructor(
    readonly code: C,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreError';
  }
}
