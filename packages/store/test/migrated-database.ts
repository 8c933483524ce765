import { afterAll, beforeAll } from 'vitest';
import { testDatabase, type TestDatabase } from '@agentic-flow/testing';
import { createDatabase, insertDefinition, migrateDatabase, type DatabaseHandle } from '@agentic-flow/store';

export interface MigratedDatabase {
  readonly database: TestDatabase;
  readonly handle: DatabaseHandle;
}

/**
 * A fresh database for one test file, migrated, with workflow `wf` version `1` registered in
 * `default` (what the files' execution rows belong to); dropped after the file's tests. Read its
 * fields inside tests: they are set before the first one runs.
 */
export function migratedDatabase(options: { poolSize?: number } = {}): MigratedDatabase {
  let database: TestDatabase | undefined;
  let handle: DatabaseHandle | undefined;
  beforeAll(async () => {
    database = await testDatabase();
    await migrateDatabase(database.url);
    handle = createDatabase(database.url, { max: options.poolSize ?? 4 });
    await insertDefinition(handle.db, {
      namespace: 'default',
      id: 'wf',
      version: '1',
      name: 'WF',
      description: null,
      definition: { id: 'wf' },
      contentHash: 'h1',
      createdAt: new Date(1_000),
    });
  });
  afterAll(async () => {
    await handle?.close();
    await database?.drop();
  });
  return {
    get database() {
      return database!;
    },
    get handle() {
      return handle!;
    },
  };
}
