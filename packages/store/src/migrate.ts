import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { connectionError } from './connection-error.js';
import { StoreError } from './errors.js';

/**
 * Key of the session-level advisory lock held while migrating (the ASCII bytes of `af_migra`).
 * Other advisory locks (e.g. the reconciler's leader lock) must use a different key.
 */
export const MIGRATION_LOCK_KEY = '7018401992827957857';

export interface MigrateOptions {
  /** How long to wait for the connection before giving up. Default 5000 ms. */
  connectionTimeoutMillis?: number;
}

// `../drizzle` is the package's migrations folder from both `src/` and `dist/`.
const MIGRATIONS_FOLDER = fileURLToPath(new URL('../drizzle', import.meta.url));

/**
 * Applies the committed SQL migrations (`packages/store/drizzle/`) that the database lacks.
 *
 * Safe to call from several processes at once: each takes a session-level advisory lock on one
 * dedicated connection and runs the migrator on that same connection, so the first one migrates
 * and the others, once they get the lock, find nothing left to do.
 *
 * @throws {StoreError} `STORE_DB_UNREACHABLE` (message names host:port) when nothing answers within
 * the timeout, `STORE_DB_CONNECT_FAILED` when the server refuses the connection, and
 * `STORE_MIGRATION_FAILED` when a migration fails (nothing of that migration run is applied).
 *
 * @example
 * await migrateDatabase('postgres://postgres@127.0.0.1:5432/agentic_flow');
 */
export async function migrateDatabase(url: string, options: MigrateOptions = {}): Promise<void> {
  const client = new pg.Client({
    connectionString: url,
    application_name: 'agentic-flow-migrate',
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5_000,
  });
  // A connection dropped by the server fails the pending query; without a listener the 'error'
  // event would also crash the process.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw connectionError(url, error);
  }
  try {
    await client.query('select pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    try {
      await migrate(drizzle({ client }), { migrationsFolder: MIGRATIONS_FOLDER });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new StoreError('STORE_MIGRATION_FAILED', `Database migration failed: ${reason}`, { cause: error });
    } finally {
      // Closing the session would release the lock too; unlocking first hands it over sooner.
      await client.query('select pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY]).catch(() => {});
    }
  } finally {
    await client.end().catch(() => {});
  }
}
