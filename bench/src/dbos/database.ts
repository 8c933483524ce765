import pg from 'pg';

/** Name of the database holding DBOS's system tables, kept apart from the engine under test. */
export const SYSTEM_DATABASE_NAME = 'af_bench_dbos';

/** Same server and credentials as `databaseUrl`, but pointing at {@link SYSTEM_DATABASE_NAME}. */
export function systemDatabaseUrl(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  url.pathname = `/${SYSTEM_DATABASE_NAME}`;
  return url.toString();
}

/**
 * Creates the system database if it is missing.
 *
 * DBOS would try too, but only through the server's `postgres` database and only
 * best-effort (a failure is logged, then launch fails later with a less clear error).
 * Going through the database the caller named is the one path known to work.
 */
export async function ensureDatabase(databaseUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      try {
        await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
      } catch (err) {
        // 42P04 duplicate_database: a concurrent runner created it first, which is fine.
        if ((err as { code?: unknown }).code !== '42P04') throw err;
      }
    }
  } finally {
    await client.end();
  }
}
