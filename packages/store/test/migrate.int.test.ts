import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase, type TestDatabase } from '@agentic-flow/testing';
import {
  createDatabase,
  migrateDatabase,
  stepRuns,
  StoreError,
  workflowDefinitions,
  workflowExecutions,
  workflowLogs,
  type DatabaseHandle,
} from '@agentic-flow/store';

const journal = JSON.parse(readFileSync(new URL('../drizzle/meta/_journal.json', import.meta.url), 'utf8')) as {
  entries: { tag: string }[];
};

const databases: TestDatabase[] = [];
async function freshDatabase(): Promise<TestDatabase> {
  const database = await testDatabase();
  databases.push(database);
  return database;
}

async function query<R extends pg.QueryResultRow>(url: string, text: string, values?: unknown[]): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** The PostgreSQL error behind a (possibly drizzle-wrapped) failure. */
function pgErrorOf(error: unknown): { code?: string; constraint?: string } {
  let current = error as { code?: string; constraint?: string; cause?: unknown } | undefined;
  while (current && current.code === undefined && current.cause) current = current.cause as typeof current;
  return current ?? {};
}

afterAll(async () => {
  await Promise.all(databases.map((database) => database.drop()));
});

describe('migrateDatabase on a fresh database', () => {
  let database: TestDatabase;
  let handle: DatabaseHandle;

  beforeAll(async () => {
    database = await freshDatabase();
    await migrateDatabase(database.url);
    handle = createDatabase(database.url, { max: 2, applicationName: 'store-migrate-test' });
  });
  afterAll(() => handle?.close());

  it('creates every table', async () => {
    const rows = await query<{ table_name: string }>(
      database.url,
      "select table_name from information_schema.tables where table_schema = 'public' order by table_name",
    );
    expect(rows.map((row) => row.table_name)).toEqual([
      'alert_deliveries',
      'alert_sinks',
      'alerts',
      'api_keys',
      'audit_log',
      'errors',
      'event_stream',
      'events',
      'execution_nodes',
      'execution_rollups',
      'idempotency_keys',
      'metric_execution_deltas',
      'metric_step_deltas',
      'monitor_conditions',
      'monitor_settings',
      'namespaces',
      'recovery_strategies',
      'step_rollups',
      'step_runs',
      'step_signals',
      'workflow_definitions',
      'workflow_executions',
      'workflow_logs',
      'workflow_snapshots',
    ]);
  });

  it('creates the keys, unique, check and foreign-key constraints', async () => {
    const rows = await query<{ table_name: string; constraint_name: string; constraint_type: string }>(
      database.url,
      `select table_name, constraint_name, constraint_type from information_schema.table_constraints
       where table_schema = 'public' and constraint_type in ('PRIMARY KEY', 'UNIQUE', 'CHECK', 'FOREIGN KEY')
         and constraint_name not like '%_not_null'`,
    );
    const constraints = rows.map((row) => `${row.table_name}.${row.constraint_name} ${row.constraint_type}`);
    expect(constraints).toEqual(
      expect.arrayContaining([
        'workflow_definitions.workflow_definitions_pkey PRIMARY KEY',
        'workflow_executions.workflow_executions_status_check CHECK',
        'workflow_executions.workflow_executions_definition_fk FOREIGN KEY',
        'step_runs.step_runs_execution_instance_attempt_key UNIQUE',
        'step_runs.step_runs_status_check CHECK',
        'workflow_snapshots.workflow_snapshots_kind_check CHECK',
        'workflow_logs.workflow_logs_level_check CHECK',
      ]),
    );

    const pkColumns = await query<{ column_name: string }>(
      database.url,
      `select column_name from information_schema.key_column_usage
       where constraint_name = 'workflow_definitions_pkey' order by ordinal_position`,
    );
    expect(pkColumns.map((row) => row.column_name)).toEqual(['namespace', 'id', 'version']);

    const uniqueColumns = await query<{ column_name: string }>(
      database.url,
      `select column_name from information_schema.key_column_usage
       where constraint_name = 'step_runs_execution_instance_attempt_key' order by ordinal_position`,
    );
    expect(uniqueColumns.map((row) => row.column_name)).toEqual(['execution_id', 'instance_key', 'attempt']);

    const cascades = await query<{ table_name: string; delete_rule: string }>(
      database.url,
      `select tc.table_name, rc.delete_rule from information_schema.referential_constraints rc
       join information_schema.table_constraints tc on tc.constraint_name = rc.constraint_name
       where tc.table_schema = 'public' order by tc.table_name, rc.delete_rule`,
    );
    expect(cascades).toEqual([
      { table_name: 'errors', delete_rule: 'CASCADE' },
      { table_name: 'execution_nodes', delete_rule: 'CASCADE' },
      { table_name: 'idempotency_keys', delete_rule: 'CASCADE' },
      { table_name: 'recovery_strategies', delete_rule: 'NO ACTION' },
      { table_name: 'step_runs', delete_rule: 'CASCADE' },
      { table_name: 'step_signals', delete_rule: 'CASCADE' },
      { table_name: 'workflow_definitions', delete_rule: 'NO ACTION' },
      { table_name: 'workflow_executions', delete_rule: 'NO ACTION' },
      // A child execution's parent link: pruning a parent keeps its children.
      { table_name: 'workflow_executions', delete_rule: 'SET NULL' },
      { table_name: 'workflow_logs', delete_rule: 'CASCADE' },
      { table_name: 'workflow_snapshots', delete_rule: 'CASCADE' },
    ]);

    const identity = await query<{ is_identity: string; identity_generation: string; data_type: string }>(
      database.url,
      `select is_identity, identity_generation, data_type from information_schema.columns
       where table_name = 'workflow_logs' and column_name = 'id'`,
    );
    expect(identity).toEqual([{ is_identity: 'YES', identity_generation: 'ALWAYS', data_type: 'bigint' }]);
  });

  it('creates the indexes of the list queries, and none that would stop HOT updates of step runs', async () => {
    const rows = await query<{ indexname: string; indexdef: string }>(database.url, "select indexname, indexdef from pg_indexes where schemaname = 'public'");
    // The column list (and predicate) of each index, as PostgreSQL prints it back.
    const indexes = Object.fromEntries(rows.map((row) => [row.indexname, row.indexdef.replace(/^.* USING btree /, '')]));
    expect(indexes).toMatchObject({
      workflow_definitions_id_created_at_idx: '(namespace, id, created_at DESC)',
      workflow_definitions_created_at_idx: '(namespace, created_at DESC)',
      workflow_executions_workflow_status_created_idx: '(namespace, workflow_id, status, created_at DESC, id DESC)',
      workflow_executions_workflow_created_idx: '(namespace, workflow_id, created_at DESC, id DESC)',
      workflow_executions_status_created_idx: '(namespace, status, created_at DESC, id DESC)',
      workflow_executions_created_idx: '(namespace, created_at DESC, id DESC)',
      workflow_executions_active_idx: "(status, created_at, id) WHERE (status = ANY (ARRAY['pending'::text, 'running'::text, 'paused'::text]))",
      step_runs_execution_instance_attempt_key: '(execution_id, instance_key, attempt)',
      workflow_snapshots_execution_created_idx: '(execution_id, created_at DESC)',
      workflow_logs_execution_id_idx: '(execution_id, id)',
    });
    expect(
      Object.keys(indexes)
        .filter((name) => name.startsWith('step_runs_'))
        .sort(),
    ).toEqual(['step_runs_execution_instance_attempt_key', 'step_runs_pkey']);
    const storage = await query<{ relname: string; reloptions: string[] }>(
      database.url,
      "select relname, reloptions from pg_class where relname in ('step_runs', 'workflow_executions') order by relname",
    );
    expect(storage).toEqual([
      { relname: 'step_runs', reloptions: ['fillfactor=80'] },
      { relname: 'workflow_executions', reloptions: ['fillfactor=80'] },
    ]);
  });

  it('is a no-op when run again', async () => {
    await migrateDatabase(database.url);
    const rows = await query<{ count: string }>(database.url, 'select count(*) from drizzle.__drizzle_migrations');
    expect(Number(rows[0]?.count)).toBe(journal.entries.length);
  });

  it('rejects a second step run with the same execution, instance key and attempt', async () => {
    const { db } = handle;
    await db.insert(workflowDefinitions).values({
      namespace: 'default',
      id: 'wf-unique',
      version: '1.0.0',
      name: 'Unique',
      definition: { steps: [] },
      contentHash: 'hash',
    });
    const [execution] = await db
      .insert(workflowExecutions)
      .values({ namespace: 'default', workflowId: 'wf-unique', workflowVersion: '1.0.0', status: 'running', state: {}, variables: {} })
      .returning();
    const run = {
      executionId: execution!.id,
      stepId: 'process',
      instanceKey: 'loop#2/process',
      stepType: 'script',
      attempt: 1,
      status: 'queued' as const,
    };
    await db.insert(stepRuns).values({ ...run, id: randomUUID() });
    const error = await db
      .insert(stepRuns)
      .values({ ...run, id: randomUUID() })
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );
    expect(pgErrorOf(error)).toMatchObject({ code: '23505', constraint: 'step_runs_execution_instance_attempt_key' });
    // The next attempt is a new row.
    await db.insert(stepRuns).values({ ...run, id: randomUUID(), attempt: 2 });
  });

  it('rejects a status outside the CHECK list', async () => {
    await handle.pool.query(
      "insert into workflow_definitions (namespace, id, version, name, definition, content_hash) values ('default', 'wf-check', '1', 'Check', '{}', 'h')",
    );
    const executionError = await handle.pool
      .query(
        "insert into workflow_executions (id, namespace, workflow_id, workflow_version, status, state, variables) values ($1, 'default', 'wf-check', '1', 'exploded', '{}', '{}')",
        [randomUUID()],
      )
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );
    expect(pgErrorOf(executionError)).toMatchObject({ code: '23514', constraint: 'workflow_executions_status_check' });

    const executionId = randomUUID();
    await handle.pool.query(
      "insert into workflow_executions (id, namespace, workflow_id, workflow_version, status, state, variables) values ($1, 'default', 'wf-check', '1', 'pending', '{}', '{}')",
      [executionId],
    );
    const stepError = await handle.pool
      .query("insert into step_runs (execution_id, step_id, instance_key, step_type, attempt, status) values ($1, 's', 's', 'http', 1, 'done')", [executionId])
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );
    expect(pgErrorOf(stepError)).toMatchObject({ code: '23514', constraint: 'step_runs_status_check' });
  });

  it('reads timestamps as Dates and bigint ids as strings', async () => {
    const { db } = handle;
    await db.insert(workflowDefinitions).values({
      namespace: 'default',
      id: 'wf-types',
      version: '1',
      name: 'Types',
      definition: {},
      contentHash: 'h',
    });
    const [execution] = await db
      .insert(workflowExecutions)
      .values({ namespace: 'default', workflowId: 'wf-types', workflowVersion: '1', status: 'pending', state: {}, variables: { a: 1 } })
      .returning();
    expect(execution!.createdAt).toBeInstanceOf(Date);
    expect(execution!.variables).toEqual({ a: 1 });
    const logs = await db
      .insert(workflowLogs)
      .values([
        { executionId: execution!.id, level: 'info', message: 'one' },
        { executionId: execution!.id, level: 'warn', message: 'two', data: { n: 2 } },
      ])
      .returning();
    expect(logs.map((log) => typeof log.id)).toEqual(['string', 'string']);
    expect(BigInt(logs[1]!.id)).toBeGreaterThan(BigInt(logs[0]!.id));
    expect(logs[0]!.at).toBeInstanceOf(Date);
  });
});

describe('migrateDatabase under concurrency and failure', () => {
  it('migrates exactly once when 5 callers start at the same time', async () => {
    const database = await freshDatabase();
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => migrateDatabase(database.url)));
    expect(results.map((result) => result.status)).toEqual(Array(5).fill('fulfilled'));
    const rows = await query<{ hash: string }>(database.url, 'select hash from drizzle.__drizzle_migrations');
    expect(rows).toHaveLength(journal.entries.length);
    expect(new Set(rows.map((row) => row.hash)).size).toBe(journal.entries.length);
  });

  it('rejects quickly with the address when nothing listens', async () => {
    const started = Date.now();
    const error = await migrateDatabase('postgres://postgres:secret@127.0.0.1:1/test').then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ code: 'STORE_DB_UNREACHABLE' });
    expect((error as Error).message).toMatch(/127\.0\.0\.1:1\b.*unreachable/);
    expect((error as Error).message).not.toContain('secret');
  });

  it('gives up after the connection timeout when the server never answers', async () => {
    // A listener that accepts the TCP connection and never speaks PostgreSQL.
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const started = Date.now();
      const error = await migrateDatabase(`postgres://postgres@127.0.0.1:${port}/test`, {
        connectionTimeoutMillis: 500,
      }).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(error).toMatchObject({ code: 'STORE_DB_UNREACHABLE' });
      expect((error as Error).message).toBe(`PostgreSQL at 127.0.0.1:${port} is unreachable (connection timed out)`);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('reports a server that refuses the connection as a connect failure', async () => {
    const database = await freshDatabase();
    const missing = new URL(database.url);
    missing.pathname = '/af_test_does_not_exist';
    const error = await migrateDatabase(missing.toString()).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ code: 'STORE_DB_CONNECT_FAILED' });
    expect((error as Error).message).toContain('af_test_does_not_exist');
  });
});
