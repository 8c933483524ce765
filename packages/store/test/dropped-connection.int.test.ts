import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { testDatabase, type TestDatabase } from '@agentic-flow/testing';
import { createDatabase, migrateDatabase, runTransition, type DatabaseHandle } from '@agentic-flow/store';

/**
 * A PostgreSQL restart ends every connection, including one a transaction holds. pg emits 'error'
 * on such a client; the pool listens only to idle ones, so without a listener of ours the event
 * killed the whole coordinator (found by `pnpm soak`). The transaction must fail, the process live.
 */
describe('a connection dropped while a transaction holds it', () => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let admin: pg.Client;

  beforeAll(async () => {
    database = await testDatabase();
    await migrateDatabase(database.url);
    handle = createDatabase(database.url, { max: 2 });
    admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await handle?.close();
    await database?.drop();
  });

  it('fails that transaction, keeps the process up and leaves the pool usable', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      const transaction = runTransition(handle.pool, { lock: [], complete: [] }, async () => {
        // Between the transaction's round trips, the server ends this session.
        const { rows } = await admin.query<{ n: number }>(
          `select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and state like 'idle in transaction%'`,
        );
        expect(rows[0]!.n).toBe(1);
        await new Promise((resolve) => setTimeout(resolve, 200));
        return { writes: { stepRuns: [], executions: [], logs: [] }, value: undefined };
      });
      await expect(transaction).rejects.toThrow(/terminat|Connection/i);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(uncaught).toEqual([]);
      const { rows } = await handle.pool.query<{ one: number }>('select 1 as one');
      expect(rows[0]!.one).toBe(1);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });
});
