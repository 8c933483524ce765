import { poolInScope, ScopeContextManager, traceScope } from '@agentic-flow/telemetry';
import { testDatabase, type TestDatabase } from '@agentic-flow/testing';
import { context, createContextKey, ROOT_CONTEXT } from '@opentelemetry/api';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The pg instrumentation reads the active context when `Client#query` is called: a client class
// that records it there shows what the instrumentation would see.
const KEY = createContextKey('scope');
const seen: unknown[] = [];
class RecordingClient extends pg.Client {
  override query(...args: Parameters<pg.Client['query']>): ReturnType<pg.Client['query']> {
    seen.push(context.active().getValue(KEY));
    return (super.query as (...a: unknown[]) => ReturnType<pg.Client['query']>)(...args);
  }
}

let database: TestDatabase;
let pool: pg.Pool;
beforeAll(async () => {
  context.setGlobalContextManager(new ScopeContextManager());
  database = await testDatabase();
  pool = new pg.Pool({ connectionString: database.url, max: 2, Client: RecordingClient });
});
afterAll(async () => {
  await pool?.end();
  await database?.drop();
  context.disable();
});

describe('poolInScope (real PostgreSQL)', () => {
  it("makes the pool's queries, after the checkout's await, inside the scope; the pool itself stays unscoped", async () => {
    seen.length = 0;
    const scoped = poolInScope(pool, traceScope(ROOT_CONTEXT.setValue(KEY, 'apply')));
    const { rows } = await scoped.query<{ n: number }>('select $1::int + 1 as n', [41]);
    expect(rows).toEqual([{ n: 42 }]);
    await pool.query('select 1');
    expect(seen).toEqual(['apply', undefined]);
    expect(pool.idleCount + pool.waitingCount).toBeLessThanOrEqual(2);
  });

  it('hands out clients whose every query is in the scope, across awaits, and which release to the pool', async () => {
    seen.length = 0;
    const scoped = poolInScope(pool, traceScope(ROOT_CONTEXT.setValue(KEY, 'transaction')));
    const client = await scoped.connect();
    await client.query('begin');
    await client.query('create temporary table t (x int)');
    await client.query('insert into t values (1), (2)');
    const { rows } = await client.query<{ total: string }>('select sum(x) as total from t');
    await client.query('rollback');
    client.release();
    expect(rows).toEqual([{ total: '3' }]);
    expect(seen).toEqual(['transaction', 'transaction', 'transaction', 'transaction', 'transaction']);
    expect(pool.totalCount).toBeLessThanOrEqual(2);
  });

  it('rethrows a failing query and does not hand its client out again (as pg-pool does)', async () => {
    const single = new pg.Pool({ connectionString: database.url, max: 1 });
    try {
      const scoped = poolInScope(single, traceScope(ROOT_CONTEXT.setValue(KEY, 'failing')));
      await scoped.query('select 1');
      expect([single.totalCount, single.idleCount]).toEqual([1, 1]);
      await expect(scoped.query('select * from no_such_table')).rejects.toThrow(/no_such_table/);
      expect(single.totalCount).toBe(0);
      // The pool still works: a fresh client is checked out for the next query.
      await expect(scoped.query('select 1 as one')).resolves.toMatchObject({ rows: [{ one: 1 }] });
      expect([single.totalCount, single.idleCount]).toEqual([1, 1]);
    } finally {
      await single.end();
    }
  });
});
