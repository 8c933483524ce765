import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as schema from './schema/index.js';

/** The drizzle database with the store's schema; what repositories take. */
export type Database = NodePgDatabase<typeof schema>;

export interface CreateDatabaseOptions {
  /** Maximum pool size. Default 10. */
  max?: number;
  /** `application_name` shown in `pg_stat_activity`. Default `agentic-flow`. */
  applicationName?: string;
  /** How long to wait for a new connection before failing. Default 5000 ms. */
  connectionTimeoutMillis?: number;
  /**
   * Called when an idle pooled connection fails (e.g. the server restarted). The pool has already
   * discarded it; without a listener node-postgres would crash the process.
   */
  onError?: (error: Error) => void;
}

export interface DatabaseHandle {
  db: Database;
  pool: pg.Pool;
  /** Ends the pool. Safe to call more than once. */
  close(): Promise<void>;
}

/**
 * Opens a connection pool and wraps it in drizzle. Connections are made lazily, on first query.
 *
 * Types: `timestamptz` columns come back as `Date`, and `int8` (e.g. `workflow_logs.id`, `count(*)`)
 * as decimal strings, node-postgres' defaults; this module changes no global type parser.
 *
 * @example
 * const { db, close } = createDatabase(process.env.DATABASE_URL!, { applicationName: 'coordinator' });
 * const rows = await db.select().from(workflowExecutions).limit(10);
 * await close();
 */
export function createDatabase(url: string, options: CreateDatabaseOptions = {}): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'agentic-flow',
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5_000,
  });
  pool.on('error', (error) => options.onError?.(error));
  // The pool listens for errors only on idle clients. A client checked out for a transaction whose
  // connection drops (PostgreSQL restarting) fails its pending and next queries, which the caller
  // handles, and also emits 'error', which with no listener would crash the process. On release the
  // pool sees it is no longer queryable and discards it.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = drizzle({ client: pool, schema });
  let closing: Promise<void> | undefined;
  return {
    db,
    pool,
    close: () => (closing ??= pool.end()),
  };
}
