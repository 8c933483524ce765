import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase, type TestDatabase } from '@agentic-flow/testing';
import {
  countErrors,
  createDatabase,
  createNamespace,
  deleteStrategy,
  executionExists,
  findDefinition,
  findError,
  findExecution,
  findExecutionOverview,
  findStepRun,
  insertDefinition,
  listAlerts,
  listDefinitions,
  listErrors,
  listExecutions,
  listNamespaces,
  listStrategies,
  lockExecutionsSql,
  migrateDatabase,
  namespaceExists,
  namespacesOfRuns,
  runTransition,
  runWrites,
  setSnapshotInterval,
  snapshotExecution,
  upsertStrategy,
  type DatabaseHandle,
  type NewError,
  type NewExecution,
} from '@agentic-flow/store';

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

describe('migration 0007 on a database written before namespaces', () => {
  it('puts every existing row in `default`, re-keys definitions and strategies, and leaves no default behind', async () => {
    const database = await testDatabase();
    databases.push(database);
    // The migrations up to 0006 only: a copy of the folder whose journal stops there.
    const folder = mkdtempSync(join(tmpdir(), 'af-migrations-'));
    try {
      cpSync(fileURLToPath(new URL('../drizzle', import.meta.url)), folder, { recursive: true });
      const journalPath = join(folder, 'meta', '_journal.json');
      const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { tag: string }[] };
      const upTo = journal.entries.findIndex((entry) => entry.tag === '0007_namespaces');
      expect(upTo).toBe(7);
      writeFileSync(journalPath, JSON.stringify({ ...journal, entries: journal.entries.slice(0, upTo) }));
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        await migrate(drizzle({ client }), { migrationsFolder: folder });
        const executionId = randomUUID();
        await client.query(`
          insert into workflow_definitions (id, version, name, definition, content_hash) values ('old', '1', 'Old', '{}', 'h');
          insert into workflow_executions (id, workflow_id, workflow_version, status, state, variables) values ('${executionId}', 'old', '1', 'running', '{"v":1}', '{}');
          insert into errors (execution_id, step_id, instance_key, attempt, step_type, code, message, strategy, status) values ('${executionId}', 's', 's', 1, 'http', 'X', 'x', 'escalate', 'open');
          insert into alerts (type, severity, message, execution_id) values ('escalation', 'warning', 'm', '${executionId}');
          insert into recovery_strategies (target, strategy) values ('http', '{"type":"skip"}');`);
      } finally {
        await client.end();
      }
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }

    await migrateDatabase(database.url);
    const handle = createDatabase(database.url, { max: 2 });
    try {
      const { rows } = await handle.pool.query<{ t: string; namespace: string }>(`
        select 'definitions' as t, namespace from workflow_definitions
        union all select 'executions', namespace from workflow_executions
        union all select 'errors', namespace from errors
        union all select 'alerts', namespace from alerts
        union all select 'strategies', namespace from recovery_strategies
        order by 1`);
      expect(rows).toEqual(['alerts', 'definitions', 'errors', 'executions', 'strategies'].map((t) => ({ t, namespace: 'default' })));
      expect((await listNamespaces(handle.db)).map((n) => n.name)).toEqual(['default']);
      expect(await findDefinition(handle.db, 'default', 'old', '1')).toMatchObject({ namespace: 'default', name: 'Old' });
      expect((await listStrategies(handle.db, 'default')).map((s) => [s.namespace, s.target])).toEqual([['default', 'http']]);
      // No column keeps the default: a writer that names no namespace fails loudly.
      for (const table of ['workflow_definitions', 'workflow_executions', 'errors', 'alerts', 'recovery_strategies']) {
        const { rows: defaults } = await handle.pool.query('select column_default from information_schema.columns where table_name = $1 and column_name = $2', [
          table,
          'namespace',
        ]);
        expect(defaults, table).toEqual([{ column_default: null }]);
      }
      expect(
        await failureOf(
          handle.pool.query("insert into workflow_definitions (id, version, name, definition, content_hash) values ('new', '1', 'N', '{}', 'h')"),
        ),
      ).toMatchObject({ code: '23502' });
    } finally {
      await handle.close();
    }
  });
});

describe('repositories with two namespaces', () => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  const A = 'default';
  const B = 'team-b';

  beforeAll(async () => {
    database = await testDatabase();
    databases.push(database);
    await migrateDatabase(database.url);
    handle = createDatabase(database.url, { max: 4 });
  });
  afterAll(() => handle?.close());

  const definition = (namespace: string, id: string, content: unknown, hash: string, createdAt = new Date()) => ({
    namespace,
    id,
    version: '1',
    name: `${id} in ${namespace}`,
    description: null,
    definition: content,
    contentHash: hash,
    createdAt,
  });
  const execution = (namespace: string, workflowId: string, overrides: Partial<NewExecution> = {}): NewExecution => ({
    id: randomUUID(),
    namespace,
    workflowId,
    workflowVersion: '1',
    status: 'running',
    state: { v: 1, namespace, nodes: {} },
    variables: {},
    error: null,
    createdAt: new Date(),
    startedAt: new Date(),
    finishedAt: null,
    ...overrides,
  });
  const failure = (e: NewExecution, extra: Partial<NewError> = {}): NewError => ({
    executionId: e.id,
    namespace: e.namespace,
    key: 'a',
    stepId: 'a',
    stepType: 'script',
    attempt: 1,
    code: 'SCRIPT_ERROR',
    message: 'boom',
    strategy: 'escalate',
    at: new Date('2031-01-01T00:00:00Z'),
    ...extra,
  });

  it('creates namespaces once, lists them, and refuses names outside the rule', async () => {
    expect(await createNamespace(handle.db, B)).toBe('created');
    expect(await createNamespace(handle.db, B)).toBe('exists');
    expect(await createNamespace(handle.db, A)).toBe('exists');
    expect((await listNamespaces(handle.db)).map((n) => n.name)).toEqual([A, B]);
    expect(await namespaceExists(handle.db, B)).toBe(true);
    expect(await namespaceExists(handle.db, 'team-c')).toBe(false);
    for (const name of ['Team', '-x', 'a_b', 'x'.repeat(64), '']) {
      expect(await failureOf(createNamespace(handle.db, name)), name).toMatchObject({ code: '23514', constraint: 'namespaces_name_check' });
    }
    // Nothing can be registered in a namespace that does not exist.
    expect(await failureOf(insertDefinition(handle.db, definition('team-c', 'wf', {}, 'h')))).toMatchObject({
      code: '23503',
      constraint: 'workflow_definitions_namespace_fk',
    });
    expect(await failureOf(upsertStrategy(handle.db, { namespace: 'team-c', workflowId: null, target: 'http' }, { type: 'skip' }))).toMatchObject({
      code: '23503',
      constraint: 'recovery_strategies_namespace_fk',
    });
  });

  it('keeps one workflow id apart per namespace: own content, own versions, own lists, conflicts only within a namespace', async () => {
    expect(await insertDefinition(handle.db, definition(A, 'shared', { says: 'A' }, 'ha', new Date(1_000)))).toBe('created');
    expect(await insertDefinition(handle.db, definition(B, 'shared', { says: 'B' }, 'hb', new Date(2_000)))).toBe('created');
    expect(await insertDefinition(handle.db, definition(B, 'only-b', {}, 'hob', new Date(3_000)))).toBe('created');
    expect(await insertDefinition(handle.db, definition(A, 'shared', { says: 'A' }, 'ha'))).toBe('identical');
    expect(await insertDefinition(handle.db, definition(A, 'shared', { says: 'B' }, 'hb'))).toBe('conflict');
    expect((await findDefinition(handle.db, A, 'shared'))?.definition).toEqual({ says: 'A' });
    expect((await findDefinition(handle.db, B, 'shared', '1'))?.definition).toEqual({ says: 'B' });
    expect(await findDefinition(handle.db, A, 'only-b')).toBeUndefined();
    const listed = async (namespace: string) => (await listDefinitions(handle.db, { namespace, limit: 100 })).rows.map((r) => `${r.namespace}/${r.id}`);
    expect(await listed(A)).toEqual(['default/shared']);
    expect(await listed(B)).toEqual(['team-b/only-b', 'team-b/shared']);
    // A cursor of one namespace's list pages within the namespace asked.
    const first = await listDefinitions(handle.db, { namespace: B, limit: 1 });
    expect((await listDefinitions(handle.db, { namespace: B, limit: 1, cursor: first.nextCursor! })).rows.map((r) => r.id)).toEqual(['shared']);
  });

  it('finds, lists, locks and snapshots an execution only in its own namespace', async () => {
    const a = execution(A, 'shared');
    const b = execution(B, 'shared');
    const runA = randomUUID();
    const runB = randomUUID();
    const queued = (e: NewExecution, id: string) => ({
      id,
      executionId: e.id,
      stepId: 's',
      instanceKey: 's',
      stepType: 'script',
      attempt: 1,
      status: 'queued' as const,
      queuedAt: new Date(),
    });
    await runWrites(handle.pool, { newExecutions: [a, b], stepRuns: [queued(a, runA), queued(b, runB)], executions: [], logs: [] });
    // An execution can only be of its own namespace's workflow.
    expect(await failureOf(runWrites(handle.pool, { newExecutions: [execution(A, 'only-b')], stepRuns: [], executions: [], logs: [] }))).toMatchObject({
      code: '23503',
      constraint: 'workflow_executions_definition_fk',
    });

    expect((await listExecutions(handle.db, { namespace: A, limit: 100 })).rows.map((r) => [r.id, r.namespace])).toEqual([[a.id, A]]);
    expect((await listExecutions(handle.db, { namespace: B, workflowId: 'shared', statuses: ['running'], limit: 100 })).rows.map((r) => r.id)).toEqual([b.id]);
    expect(await findExecution(handle.db, b.id, B)).toMatchObject({ namespace: B });
    expect(await findExecution(handle.db, b.id, A)).toBeUndefined();
    expect(await findExecution(handle.db, b.id, undefined)).toMatchObject({ id: b.id });
    expect(await executionExists(handle.db, b.id, A)).toBe(false);
    expect(await executionExists(handle.db, b.id, B)).toBe(true);
    expect(await findExecutionOverview(handle.db, b.id, A)).toBeUndefined();
    expect(await findExecutionOverview(handle.db, b.id, B)).toMatchObject({ id: b.id, namespace: B });
    expect(await findStepRun(handle.db, b.id, runB, A)).toBeUndefined();
    expect(await findStepRun(handle.db, b.id, runB, B)).toMatchObject({ id: runB });
    expect(await snapshotExecution(handle.db, b.id, 'manual', A)).toBeUndefined();
    expect(await snapshotExecution(handle.db, b.id, 'manual', B)).toMatchObject({ executionId: b.id, kind: 'manual' });
    expect(await setSnapshotInterval(handle.db, b.id, 5_000, A)).toBe(false);
    expect(await setSnapshotInterval(handle.db, b.id, 5_000, B)).toBe(true);
    // The lifecycle lock of one namespace neither locks nor returns another's execution.
    const locked = async (namespace?: string) =>
      (
        await runTransition(handle.pool, { lock: [], lockSql: lockExecutionsSql([a.id, b.id], namespace), complete: [] }, async ({ executions }) => ({
          value: executions.map((e) => [e.id, e.namespace]),
          writes: { stepRuns: [], executions: [], logs: [] },
        }))
      ).value;
    expect(await locked(A)).toEqual([[a.id, A]]);
    expect(await locked(B)).toEqual([[b.id, B]]);
    expect((await locked()).length).toBe(2);
    // Dead letters are placed by their run ids; unknown ids are left out.
    const places = await namespacesOfRuns(handle.db, [runA, runB, randomUUID(), 'not-a-uuid']);
    expect(Object.fromEntries(places)).toEqual({ [runA]: A, [runB]: B });
  });

  it('records errors and alerts with their execution’s namespace, and reads, counts and lists them per namespace', async () => {
    const a = execution(A, 'shared');
    const b = execution(B, 'shared');
    await runWrites(handle.pool, {
      newExecutions: [a, b],
      stepRuns: [],
      executions: [],
      logs: [],
      errors: [failure(a), failure(b), failure(b, { key: 'c', stepId: 'c', strategy: 'skip' })],
    });
    const [errorA] = await listErrors(handle.db, { namespace: A, executionId: a.id, limit: 10 });
    const errorsB = await listErrors(handle.db, { namespace: B, limit: 10 });
    expect(errorA).toMatchObject({ namespace: A, executionId: a.id });
    expect(errorsB.map((e) => [e.namespace, e.executionId, e.stepId]).sort()).toEqual([
      [B, b.id, 'a'],
      [B, b.id, 'c'],
    ]);
    expect(await listErrors(handle.db, { namespace: A, executionId: b.id, limit: 10 })).toEqual([]);
    expect(await findError(handle.db, errorA!.id, B)).toBeUndefined();
    expect(await findError(handle.db, errorA!.id, A)).toMatchObject({ id: errorA!.id });
    const window = [new Date('2031-01-01T00:00:00Z'), new Date('2031-01-01T00:00:01Z')] as const;
    expect(await countErrors(handle.db, A, ...window)).toEqual([{ stepType: 'script', code: 'SCRIPT_ERROR', strategy: 'escalate', count: 1 }]);
    expect((await countErrors(handle.db, B, ...window)).reduce((sum, c) => sum + c.count, 0)).toBe(2);
    expect((await listAlerts(handle.db, A, 10)).map((alert) => [alert.namespace, alert.executionId])).toEqual([[A, a.id]]);
    expect((await listAlerts(handle.db, B, 10)).map((alert) => [alert.namespace, alert.executionId])).toEqual([[B, b.id]]);
  });

  it('keys recovery strategies by namespace and target', async () => {
    const script = (namespace: string) => ({ namespace, workflowId: null, target: 'script' });
    await upsertStrategy(handle.db, script(A), { type: 'retry', maxAttempts: 2 });
    await upsertStrategy(handle.db, script(B), { type: 'skip' });
    await upsertStrategy(handle.db, script(B), { type: 'skip' });
    expect((await listStrategies(handle.db, A)).map((s) => [s.namespace, s.target, s.strategy])).toEqual([[A, 'script', { type: 'retry', maxAttempts: 2 }]]);
    expect((await listStrategies(handle.db)).map((s) => [s.namespace, s.target])).toEqual([
      [A, 'script'],
      [B, 'script'],
    ]);
    expect(await deleteStrategy(handle.db, script(B))).toBe(true);
    expect(await deleteStrategy(handle.db, script(B))).toBe(false);
    expect((await listStrategies(handle.db)).map((s) => [s.namespace, s.target])).toEqual([[A, 'script']]);
  });
});
