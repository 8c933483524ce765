import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';

// `../drizzle` is the package's migrations folder from both `src/` and `dist/`.
const JOURNAL = fileURLToPath(new URL('../drizzle/meta/_journal.json', import.meta.url));

let expected: number | undefined;

/** How many migrations this build ships (drizzle's journal), read once. */
function shippedMigrations(): number {
  expected ??= (JSON.parse(readFileSync(JOURNAL, 'utf8')) as { entries: unknown[] }).entries.length;
  return expected;
}

/**
 * Whether the database has every migration this build ships: readiness (`/readyz`) must not
 * report a coordinator ready against a schema it does not know. One indexed count of drizzle's
 * bookkeeping table (`drizzle.__drizzle_migrations`); a database never migrated counts 0.
 */
export async function migrationStatus(pool: pg.Pool): Promise<{ applied: number; expected: number }> {
  const result = await pool.query<{ n: string }>(
    "select case when to_regclass('drizzle.__drizzle_migrations') is null then 0 else (select count(*) from drizzle.__drizzle_migrations) end as n",
  );
  return { applied: Number(result.rows[0]?.n ?? 0), expected: shippedMigrations() };
}
