import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase, type TestDatabase } from '@agentic-flow/testing';
import {
  InvalidCursorError,
  completeStepRuns,
  createDatabase,
  findDefinition,
  findExecution,
  insertDefinition,
  insertExecution,
  insertLogs,
  listDefinitions,
  listExecutions,
  listLogs,
  listStepRuns,
  lockExecutions,
  migrateDatabase,
  updateExecutions,
  upsertStepRuns,
  type DatabaseHandle,
  type NewExecution,
} from '@agentic-flow/store';

let database: TestDatabase;
let handle: DatabaseHandle;

beforeAll(async () => {
  database = await testDatabase();
  await migrateDatabase(database.url);
  handle = createDatabase(database.url, { max: 4 });
  await insertDefinition(handle.db, { id: 'wf', version: '1', name: 'WF', description: null, definition: { id: 'wf' }, contentHash: 'h1', createdAt: new Date(1_000) });
});
afterAll(async () => {
  await handle?.close();
  await database?.drop();
});

const execution = (overrides: Partial<NewExecution> = {}): NewExecution => ({
  id: randomUUID(),
  workflowId: 'wf',
  workflowVersion: '1',
  status: 'running',
  state: { v: 1 },
  variables: { a: 1 },
  error: null,
  createdAt: new Date(),
  startedAt: new Date(),
  finishedAt: null,
  ...overrides,
});

describe('definitions', () => {
  it('are immutable: identical content is a no-op, other content a conflict', async () => {
    const row = { id: 'imm', version: '1.0.0', name: 'I', description: 'd', definition: { x: 1 }, contentHash: 'abc', createdAt: new Date(2_000) };
    expect(await insertDefinition(handle.db, row)).toBe('created');
    expect(await insertDefinition(handle.db, row)).toBe('identical');
    expect(await insertDefinition(handle.db, { ...row, contentHash: 'other', definition: { x: 2 } })).toBe('conflict');
    expect((await findDefinition(handle.db, 'imm', '1.0.0'))?.definition).toEqual({ x: 1 });
  });

  it('finds the latest registered version and pages through every version', async () => {
    for (const [i, version] of ['1', '2', '10'].entries()) {
      await insertDefinition(handle.db, { id: 'multi', version, name: 'M', description: null, definition: { version }, contentHash: version, createdAt: new Date(10_000 + i) });
    }
    expect((await findDefinition(handle.db, 'multi'))?.version).toBe('10');
    expect(await findDefinition(handle.db, 'nope')).toBeUndefined();
    const first = await listDefinitions(handle.db, { id: 'multi', limit: 2 });
    expect(first.rows.map((r) => r.version)).toEqual(['10', '2']);
    const second = await listDefinitions(handle.db, { id: 'multi', limit: 2, cursor: first.nextCursor! });
    expect(second).toEqual({ rows: [expect.objectContaining({ version: '1' })], nextCursor: null });
    await expect(listDefinitions(handle.db, { limit: 2, cursor: 'junk' })).rejects.toThrow(InvalidCursorError);
  });
});

describe('executions', () => {
  it('lists newest first by workflow and status, with cursors that neither skip nor repeat', async () => {
    await insertDefinition(handle.db, { id: 'listed', version: '1', name: 'L', description: null, definition: {}, contentHash: 'l', createdAt: new Date(3_000) });
    const base = Date.now();
    const rows = Array.from({ length: 25 }, (_, i) =>
      // Pairs share a timestamp: the id must break the tie.
      execution({ workflowId: 'listed', status: i % 3 === 0 ? 'failed' : 'completed', createdAt: new Date(base + Math.floor(i / 2)) }),
    );
    for (const row of rows) await insertExecution(handle.db, row);
    const expected = rows
      .filter((r) => r.status === 'completed')
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1))
      .map((r) => r.id);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listExecutions(handle.db, { workflowId: 'listed', statuses: ['completed'], limit: 4, ...(cursor ? { cursor } : {}) });
      seen.push(...page.rows.map((r) => r.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(expected);
    const both = await listExecutions(handle.db, { workflowId: 'listed', statuses: ['completed', 'failed'], limit: 100 });
    expect(both.rows).toHaveLength(25);
    await expect(listExecutions(handle.db, { limit: 1, cursor: 'bm90IGEgY3Vyc29y' })).rejects.toThrow(InvalidCursorError);
  });

  it('locks and updates many in one transaction', async () => {
    const [a, b] = [execution(), execution()];
    await insertExecution(handle.db, a);
    await insertExecution(handle.db, b);
    await handle.db.transaction(async (tx) => {
      const locked = await lockExecutions(tx, [b.id, a.id, randomUUID()]);
      expect(locked.map((e) => e.id)).toEqual([a.id, b.id].sort());
      await updateExecutions(tx, [
        { id: a.id, status: 'completed', state: { v: 1, done: true }, error: null, startedAt: a.startedAt, finishedAt: new Date(5_000), updatedAt: new Date(5_000) },
        { id: b.id, status: 'failed', state: { v: 1 }, error: { code: 'X', message: 'm', stepId: 's' }, startedAt: null, finishedAt: new Date(6_000), updatedAt: new Date(6_000) },
      ]);
    });
    expect(await findExecution(handle.db, a.id)).toMatchObject({ status: 'completed', state: { v: 1, done: true }, finishedAt: new Date(5_000) });
    expect(await findExecution(handle.db, b.id)).toMatchObject({ status: 'failed', error: { code: 'X', message: 'm', stepId: 's' }, startedAt: null });
  });
});

describe('step runs', () => {
  it('upserts by (execution, instance key, attempt) and keeps the first id', async () => {
    const e = execution();
    await insertExecution(handle.db, e);
    const id = randomUUID();
    const [first] = await upsertStepRuns(handle.db, [{ id, executionId: e.id, stepId: 's', instanceKey: 's', stepType: 'script', attempt: 1, status: 'queued', input: { script: 'x' }, queuedAt: new Date(1) }]);
    expect(first).toEqual({ id, executionId: e.id, instanceKey: 's', attempt: 1 });
    const [again] = await upsertStepRuns(handle.db, [{ id: randomUUID(), executionId: e.id, stepId: 's', instanceKey: 's', stepType: 'script', attempt: 1, status: 'cancelled', finishedAt: new Date(2) }]);
    expect(again!.id).toBe(id);
    const [row] = await listStepRuns(handle.db, e.id);
    expect(row).toMatchObject({ id, status: 'cancelled', input: { script: 'x' }, queuedAt: new Date(1), finishedAt: new Date(2) });
  });

  it('applies a result once, to the right attempt only, and keeps null outputs apart from none', async () => {
    const e = execution();
    await insertExecution(handle.db, e);
    const ids = [randomUUID(), randomUUID()];
    await upsertStepRuns(handle.db, ids.map((id, i) => ({ id, executionId: e.id, stepId: `s${i}`, instanceKey: `s${i}`, stepType: 'http', attempt: 1, status: 'queued' as const, queuedAt: new Date(i) })));
    const done = { status: 'succeeded' as const, startedAt: 10.25, finishedAt: 20.5, workerId: 'w1' };
    expect(await completeStepRuns(handle.db, [{ id: ids[0]!, attempt: 2, ...done, output: 1 }])).toEqual([]);
    const applied = await completeStepRuns(handle.db, [
      { id: ids[0]!, attempt: 1, ...done, output: null },
      { id: ids[1]!, attempt: 1, ...done, status: 'failed', error: { code: 'TIMEOUT', message: 't' } },
    ]);
    expect(applied.map((k) => k.id).sort()).toEqual([...ids].sort());
    expect(await completeStepRuns(handle.db, [{ id: ids[0]!, attempt: 1, ...done, output: 'again' }])).toEqual([]);
    const rows = await listStepRuns(handle.db, e.id);
    const { rows: precise } = await handle.pool.query('select extract(epoch from started_at) * 1000 as s from step_runs where id = $1', [ids[0]]);
    expect(Number(precise[0].s)).toBeCloseTo(10.25, 3);
    expect(rows.map((r) => [r.status, r.output, r.error, r.workerId])).toEqual([
      ['succeeded', null, null, 'w1'],
      ['failed', null, { code: 'TIMEOUT', message: 't' }, 'w1'],
    ]);
  });

  it('stores logs in order', async () => {
    const e = execution();
    await insertExecution(handle.db, e);
    await insertLogs(handle.db, [
      { executionId: e.id, stepRunId: null, stepId: 'a', level: 'info', message: 'one', at: new Date(1) },
      { executionId: e.id, stepRunId: randomUUID(), stepId: 'b', level: 'error', message: 'two "quoted" \\ text', at: new Date(2) },
    ]);
    expect((await listLogs(handle.db, e.id)).map((l) => [l.stepId, l.level, l.message])).toEqual([
      ['a', 'info', 'one'],
      ['b', 'error', 'two "quoted" \\ text'],
    ]);
  });
});
