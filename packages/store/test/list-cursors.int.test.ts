import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase, type TestDatabase } from '@agentic-flow/testing';
import {
  InvalidCursorError,
  createDatabase,
  encodeCursor,
  insertApiKey,
  listAlertDeliveries,
  listApiKeys,
  migrateDatabase,
  upsertAlertSink,
  type DatabaseHandle,
} from '@agentic-flow/store';

let database: TestDatabase;
let handle: DatabaseHandle;

beforeAll(async () => {
  database = await testDatabase();
  await migrateDatabase(database.url);
  handle = createDatabase(database.url, { max: 4 });
});
afterAll(async () => {
  await handle?.close();
  await database?.drop();
});

/** Reads a whole list page by page as the API does: one row more than the page says whether another follows. */
async function readAll<Row extends { createdAt: Date; id: string }>(read: (limit: number, cursor?: string) => Promise<Row[]>, size: number): Promise<Row[]> {
  const seen: Row[] = [];
  let cursor: string | undefined;
  for (;;) {
    const rows = await read(size + 1, cursor);
    seen.push(...rows.slice(0, size));
    if (rows.length <= size) return seen;
    const last = rows[size - 1]!;
    cursor = encodeCursor(last.createdAt, [last.id]);
  }
}

describe('keyset cursors over rows PostgreSQL stamps itself', () => {
  it('pages API keys: every key once, newest first, the default created_at at millisecond precision', async () => {
    // One statement: every row gets the same now(), so only the id orders them.
    await handle.pool.query(
      `insert into api_keys (id, name, role, namespaces, secret_salt, secret_hash, created_by)
       select lpad(i::text, 12, '0'), 'k' || i, 'viewer', '{default}', 's', 'h', 'test' from generate_series(1, 9) as i`,
    );
    await insertApiKey(handle.db, {
      id: 'zzzzzzzzzzzz',
      name: 'later',
      role: 'admin',
      namespaces: ['default'],
      secretSalt: 's',
      secretHash: 'h',
      createdBy: 'test',
      expiresAt: null,
    });
    const all = await listApiKeys(handle.db, { limit: 100 });
    expect(all).toHaveLength(10);
    expect((await readAll((limit, cursor) => listApiKeys(handle.db, { limit, ...(cursor ? { cursor } : {}) }), 3)).map((k) => k.id)).toEqual(
      all.map((k) => k.id),
    );
    await expect(listApiKeys(handle.db, { limit: 5, cursor: encodeCursor(new Date(), ['not-a-key-id']) })).rejects.toThrow(InvalidCursorError);
  });

  it("pages a sink's deliveries, which the alerts trigger writes", async () => {
    await upsertAlertSink(handle.pool, {
      namespace: 'default',
      name: 'ops',
      url: 'http://127.0.0.1:1/hook',
      events: ['alert:created', 'alert:resolved'],
      alertTypes: null,
      secretName: null,
      format: 'json',
    });
    await handle.pool.query(
      `insert into alerts (type, severity, message, namespace, state) select 'threshold', 'warning', 'm' || i, 'default', 'firing' from generate_series(1, 7) as i`,
    );
    const all = await listAlertDeliveries(handle.pool, 'default', 'ops', 100);
    expect(all).toHaveLength(7);
    expect((await readAll((limit, cursor) => listAlertDeliveries(handle.pool, 'default', 'ops', limit, cursor), 2)).map((d) => d.id)).toEqual(
      all.map((d) => d.id),
    );
    const micros = await handle.pool.query<{ n: string }>(
      `select count(*) as n from alert_deliveries where created_at <> date_trunc('milliseconds', created_at)`,
    );
    expect(micros.rows[0]!.n).toBe('0');
    await expect(listAlertDeliveries(handle.pool, 'default', 'ops', 5, 'forged')).rejects.toThrow(InvalidCursorError);
  });
});
