import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase, type TestDatabase } from '@agentic-flow/testing';
import { createDatabase, deleteStrategy, listStrategies, migrateDatabase, upsertStrategy, type DatabaseHandle } from '@agentic-flow/store';

/** The PostgreSQL error behind a (possibly drizzle-wrapped) failure. */
function pgErrorOf(error: unknown): { code?: string; constraint?: string } {
  let current = error as { code?: string; constraint?: string; cause?: unknown } | undefined;
  while (current && current.code === undefined && current.cause) current = current.cause as typeof current;
  return current ?? {};
}
const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (caught: unknown) => pgErrorOf(caught),
  );

const databases: TestDatabase[] = [];
afterAll(async () => {
  await Promise.all(databases.map((database) => database.drop()));
});

/** `[workflowId, target, strategy type]` of a namespace's strategies, as listed. */
const keysOf = async (handle: DatabaseHandle, namespace: string) =>
  (await listStrategies(handle.db, namespace)).map((s) => [s.workflowId, s.target, (s.strategy as { type: string }).type]);

describe('recovery strategies: one per step type, or per step of one workflow', () => {
  let database: TestDatabase;
  let handle: DatabaseHandle;

  beforeAll(async () => {
    database = await testDatabase();
    databases.push(database);
    await migrateDatabase(database.url);
    handle = createDatabase(database.url, { max: 2 });
  });
  afterAll(() => handle?.close());

  it('keeps a type-level strategy apart from a step of the same name, and one workflow’s step apart from another’s', async () => {
    await upsertStrategy(handle.db, { namespace: 'default', workflowId: null, target: 'http' }, { type: 'retry' });
    await upsertStrategy(handle.db, { namespace: 'default', workflowId: 'a', target: 'http' }, { type: 'skip' });
    await upsertStrategy(handle.db, { namespace: 'default', workflowId: 'b', target: 'http' }, { type: 'escalate' });
    await upsertStrategy(handle.db, { namespace: 'default', workflowId: 'a', target: 'x' }, { type: 'skip' });
    expect(await keysOf(handle, 'default')).toEqual([
      [null, 'http', 'retry'],
      ['a', 'http', 'skip'],
      ['a', 'x', 'skip'],
      ['b', 'http', 'escalate'],
    ]);
  });

  it('replaces the strategy of the same key, type-level ones too (the key is NULLS NOT DISTINCT)', async () => {
    await upsertStrategy(handle.db, { namespace: 'default', workflowId: null, target: 'http' }, { type: 'skip' });
    await upsertStrategy(handle.db, { namespace: 'default', workflowId: 'a', target: 'x' }, { type: 'escalate' });
    expect(await keysOf(handle, 'default')).toEqual([
      [null, 'http', 'skip'],
      ['a', 'http', 'skip'],
      ['a', 'x', 'escalate'],
      ['b', 'http', 'escalate'],
    ]);
  });

  it('deletes exactly the key named', async () => {
    expect(await deleteStrategy(handle.db, { namespace: 'default', workflowId: null, target: 'x' })).toBe(false);
    expect(await deleteStrategy(handle.db, { namespace: 'default', workflowId: 'b', target: 'x' })).toBe(false);
    expect(await deleteStrategy(handle.db, { namespace: 'default', workflowId: 'a', target: 'http' })).toBe(true);
    expect(await deleteStrategy(handle.db, { namespace: 'default', workflowId: null, target: 'http' })).toBe(true);
    expect(await keysOf(handle, 'default')).toEqual([
      ['a', 'x', 'escalate'],
      ['b', 'http', 'escalate'],
    ]);
  });

  it('refuses a strategy for every workflow whose target is not a step type', async () => {
    expect(await failureOf(upsertStrategy(handle.db, { namespace: 'default', workflowId: null, target: 'fetch-data' }, { type: 'skip' }))).toMatchObject({
      code: '23514',
      constraint: 'recovery_strategies_target_check',
    });
  });
});

describe('migration 0012 on strategies registered by bare step id', () => {
  it('gives each such strategy to every workflow that has the step, keeps type-level ones, and drops the rest', async () => {
    const database = await testDatabase();
    databases.push(database);
    // The migrations up to 0011 only: a copy of the folder whose journal stops there.
    const folder = mkdtempSync(join(tmpdir(), 'af-migrations-'));
    try {
      cpSync(fileURLToPath(new URL('../drizzle', import.meta.url)), folder, { recursive: true });
      const journalPath = join(folder, 'meta', '_journal.json');
      const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { tag: string }[] };
      const upTo = journal.entries.findIndex((entry) => entry.tag === '0012_scoped_recovery_strategies');
      expect(upTo).toBe(12);
      writeFileSync(journalPath, JSON.stringify({ ...journal, entries: journal.entries.slice(0, upTo) }));
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        await migrate(drizzle({ client }), { migrationsFolder: folder });
        const steps = (...ids: string[]) => JSON.stringify({ steps: ids.map((id) => ({ id, type: 'script' })) });
        await client.query(`
          insert into namespaces (name) values ('team-b');
          insert into workflow_definitions (namespace, id, version, name, definition, content_hash) values
            ('default', 'orders', '1', 'O', '${steps('fetch', 'save')}', 'h1'),
            ('default', 'orders', '2', 'O', '${steps('fetch', 'save', 'notify')}', 'h2'),
            ('default', 'billing', '1', 'B', '${steps('fetch')}', 'h3'),
            ('default', 'reports', '1', 'R', '${steps('render')}', 'h4'),
            ('team-b', 'orders', '1', 'O', '${steps('save')}', 'h5');
          insert into recovery_strategies (namespace, target, strategy) values
            ('default', 'fetch', '{"type":"skip"}'),
            ('default', 'notify', '{"type":"escalate"}'),
            ('default', 'gone', '{"type":"skip"}'),
            ('default', 'http', '{"type":"retry"}'),
            ('team-b', 'fetch', '{"type":"skip"}'),
            ('team-b', 'save', '{"type":"skip"}');`);
      } finally {
        await client.end();
      }
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }

    await migrateDatabase(database.url);
    const handle = createDatabase(database.url, { max: 2 });
    try {
      // One row per workflow (not per version) that has the step; a step in no workflow has nowhere to go.
      expect(await keysOf(handle, 'default')).toEqual([
        [null, 'http', 'retry'],
        ['billing', 'fetch', 'skip'],
        ['orders', 'fetch', 'skip'],
        ['orders', 'notify', 'escalate'],
      ]);
      // Another namespace's workflows never receive a strategy: team-b's "fetch" matched none of its own.
      expect(await keysOf(handle, 'team-b')).toEqual([['orders', 'save', 'skip']]);
    } finally {
      await handle.close();
    }
  });
});
