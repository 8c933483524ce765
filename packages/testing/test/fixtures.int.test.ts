import pg from 'pg';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { testDatabase, testDatabaseServerUrl, testRedis } from '@agentic-flow/testing';

async function withClient<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

async function databaseExists(name: string): Promise<boolean> {
  const rows = await withClient(
    await testDatabaseServerUrl(),
    async (client) => (await client.query('select 1 from pg_database where datname = $1', [name])).rows,
  );
  return rows.length > 0;
}

describe('testDatabase', () => {
  it('gives each caller its own empty database and drops it', async () => {
    const [first, second] = await Promise.all([testDatabase(), testDatabase()]);
    try {
      expect(first.url).not.toBe(second.url);
      expect(first.name).toMatch(/^af_test_[0-9a-f]+$/);
      expect(second.name).not.toBe(first.name);

      for (const database of [first, second]) {
        await withClient(database.url, async (client) => {
          const current = await client.query<{ name: string }>('select current_database() as name');
          expect(current.rows[0]?.name).toBe(database.name);
          const tables = await client.query("select 1 from information_schema.tables where table_schema not in ('pg_catalog', 'information_schema')");
          expect(tables.rows).toHaveLength(0);
        });
      }

      // What one test writes, the other does not see.
      await withClient(first.url, (client) => client.query('create table marker (id int)'));
      await withClient(second.url, async (client) => {
        const marker = await client.query("select to_regclass('public.marker') as found");
        expect(marker.rows[0]?.found).toBeNull();
      });
    } finally {
      // A connection left open must not stop the drop.
      const lingering = new pg.Client({ connectionString: first.url });
      lingering.on('error', () => {});
      await lingering.connect();
      await Promise.all([first.drop(), second.drop()]);
      await lingering.end().catch(() => {});
    }
    expect(await databaseExists(first.name)).toBe(false);
    expect(await databaseExists(second.name)).toBe(false);
    await first.drop(); // idempotent
  });
});

describe('testRedis', () => {
  const outsider = `aft-outsider-${process.pid}`;
  let client: Redis | undefined;
  afterAll(async () => {
    await client?.del(outsider);
    client?.disconnect();
  });

  it('hands out distinct prefixes and cleans up only its own keys', async () => {
    const [first, second] = await Promise.all([testRedis(), testRedis()]);
    expect(first.prefix).toMatch(/^aft-[0-9a-f]+$/);
    expect(second.prefix).not.toBe(first.prefix);
    expect(second.url).toBe(first.url);

    client = new Redis(first.url);
    const keysOf = (prefix: string) => client!.keys(`${prefix}:*`);
    // More keys than one SCAN page, so cleanup has to follow the cursor.
    const pipeline = client.pipeline();
    for (let i = 0; i < 2_500; i++) pipeline.set(`${first.prefix}:step-http:${i}`, 'x');
    pipeline.hset(`${first.prefix}:step-http:meta`, 'paused', '0');
    pipeline.set(`${second.prefix}:step-http:1`, 'y');
    pipeline.set(outsider, 'z');
    // Shares the first prefix's text but not its `prefix:` namespace.
    pipeline.set(`${first.prefix}x:other`, 'w');
    await pipeline.exec();

    await first.cleanup();
    expect(await keysOf(first.prefix)).toEqual([]);
    expect(await keysOf(second.prefix)).toEqual([`${second.prefix}:step-http:1`]);
    expect(await client.get(outsider)).toBe('z');
    expect(await client.get(`${first.prefix}x:other`)).toBe('w');

    await second.cleanup();
    await client.del(`${first.prefix}x:other`);
    expect(await keysOf(second.prefix)).toEqual([]);
  });
});
