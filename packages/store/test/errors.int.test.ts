import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  InvalidCursorError,
  countErrors,
  encodeCursor,
  deleteStrategy,
  findError,
  listAlerts,
  listErrors,
  listStepRuns,
  listStrategies,
  runOptimisticTransition,
  runTransition,
  runWrites,
  upsertStrategy,
  type NewError,
  type NewExecution,
  type TransitionWrites,
} from '@agentic-flow/store';
import { migratedDatabase } from './migrated-database.js';

const store = migratedDatabase();

async function newExecution(): Promise<{ id: string; runId: string }> {
  const e: NewExecution = {
    id: randomUUID(),
    namespace: 'default',
    workflowId: 'wf',
    workflowVersion: '1',
    status: 'running',
    state: {},
    variables: {},
    error: null,
    createdAt: new Date(),
    startedAt: new Date(),
    finishedAt: null,
  };
  const runId = randomUUID();
  await runWrites(store.handle.pool, {
    newExecutions: [e],
    stepRuns: [{ id: runId, executionId: e.id, stepId: 'a', instanceKey: 'a', stepType: 'http', attempt: 1, status: 'queued', queuedAt: new Date() }],
    executions: [],
    logs: [],
  });
  return { id: e.id, runId };
}

const failure = (executionId: string, extra: Partial<NewError> = {}): NewError => ({
  executionId,
  namespace: 'default',
  key: 'a',
  stepId: 'a',
  stepType: 'http',
  attempt: 1,
  code: 'HTTP_STATUS',
  message: 'status 503',
  details: { status: 503 },
  strategy: 'escalate',
  escalationHandler: 'admin-notification',
  at: new Date(),
  ...extra,
});
const stateUpdate = (id: string, version: number) => ({
  id,
  version,
  status: 'running' as const,
  state: { moved: version + 1 },
  error: null,
  startedAt: null,
  finishedAt: null,
  updatedAt: new Date(),
});

describe('errors written with a transition', () => {
  it('one-statement path: the error links its failed run; an escalation is open and raises an alert for its handler', async () => {
    const e = await newExecution();
    const outcome = await runOptimisticTransition(store.handle.pool, {
      completions: [
        {
          id: e.runId,
          executionId: e.id,
          instanceKey: 'a',
          attempt: 1,
          status: 'failed',
          error: { code: 'HTTP_STATUS', message: 'status 503' },
          startedAt: 1,
          finishedAt: 2,
          workerId: 'w',
        },
      ],
      executions: [stateUpdate(e.id, 0)],
      stepRuns: [],
      logs: [],
      errors: [failure(e.id)],
    });
    expect(outcome).not.toBeNull();
    const [error] = await listErrors(store.handle.db, { namespace: 'default', executionId: e.id, limit: 10 });
    expect(error).toMatchObject({
      stepRunId: e.runId,
      instanceKey: 'a',
      code: 'HTTP_STATUS',
      details: { status: 503 },
      strategy: 'escalate',
      escalationHandler: 'admin-notification',
      status: 'open',
      resolution: null,
    });
    const alert = (await listAlerts(store.handle.db, 'default', 50)).find((a) => a.errorId === error!.id);
    expect(alert).toMatchObject({
      type: 'escalation',
      severity: 'warning',
      executionId: e.id,
      data: { escalationHandler: 'admin-notification', stepId: 'a', code: 'HTTP_STATUS' },
    });
  });

  it('writes no error when the transition is stale', async () => {
    const e = await newExecution();
    const outcome = await runOptimisticTransition(store.handle.pool, {
      completions: [],
      executions: [stateUpdate(e.id, 5)],
      stepRuns: [],
      logs: [],
      errors: [failure(e.id, { strategy: 'skip' })],
    });
    expect(outcome).toBeNull();
    expect(await listErrors(store.handle.db, { namespace: 'default', executionId: e.id, limit: 10 })).toEqual([]);
  });

  it('locking path: records errors (closed unless escalated), resolves an open one once, closes a cancelled execution’s', async () => {
    const e = await newExecution();
    const write = (writes: Partial<TransitionWrites>) =>
      runTransition(store.handle.pool, { lock: [e.id], complete: [] }, async ({ executions }) => ({
        writes: { stepRuns: [], executions: [stateUpdate(e.id, executions[0]!.version)], logs: [], ...writes },
        value: undefined,
      }));
    await write({
      errors: [failure(e.id, { strategy: 'skip', code: 'SCRIPT_ERROR' }), failure(e.id, { key: 'b', stepId: 'b' }), failure(e.id, { key: 'c', stepId: 'c' })],
    });
    const rows = await listErrors(store.handle.db, { namespace: 'default', executionId: e.id, limit: 10 });
    expect(rows.map((r) => [r.stepId, r.strategy, r.status]).sort()).toEqual([
      ['a', 'skip', 'closed'],
      ['b', 'escalate', 'open'],
      ['c', 'escalate', 'open'],
    ]);
    const b = rows.find((r) => r.stepId === 'b')!;
    await write({ resolvedErrors: [{ id: b.id, resolution: { action: 'output', output: null } }] });
    const resolved = await findError(store.handle.db, b.id, 'default');
    expect(resolved).toMatchObject({ status: 'closed', resolution: { action: 'output', output: null } });
    // A second resolution finds it closed and changes nothing.
    await write({ resolvedErrors: [{ id: b.id, resolution: { action: 'skip' } }] });
    expect(await findError(store.handle.db, b.id, 'default')).toEqual(resolved);
    await write({ closeOpenErrorsOf: [e.id] });
    expect(await listErrors(store.handle.db, { namespace: 'default', executionId: e.id, status: 'open', limit: 10 })).toEqual([]);
    expect((await listErrors(store.handle.db, { namespace: 'default', executionId: e.id, limit: 10 })).find((r) => r.stepId === 'c')).toMatchObject({
      status: 'closed',
      resolution: { action: 'cancel' },
    });
    expect((await findError(store.handle.db, b.id, 'default'))!.resolution).toEqual({ action: 'output', output: null });
    expect((await listStepRuns(store.handle.db, e.id)).map((r) => r.status)).toEqual(['queued']);
  });

  it('counts the errors of a window by step type, code and strategy', async () => {
    const e = await newExecution();
    const at = new Date('2030-01-01T00:00:00Z');
    await runWrites(store.handle.pool, {
      stepRuns: [],
      executions: [],
      logs: [],
      errors: [
        failure(e.id, { at, strategy: 'retry' }),
        failure(e.id, { at, strategy: 'retry', key: 'b' }),
        failure(e.id, { at, strategy: 'none', stepType: 'script', code: 'SCRIPT_ERROR' }),
        failure(e.id, { at: new Date('2030-01-02T00:00:00Z'), strategy: 'skip' }),
      ],
    });
    expect(await countErrors(store.handle.db, 'default', at, new Date('2030-01-01T00:00:01Z'))).toEqual([
      { stepType: 'http', code: 'HTTP_STATUS', strategy: 'retry', count: 2 },
      { stepType: 'script', code: 'SCRIPT_ERROR', strategy: 'none', count: 1 },
    ]);
  });
});

describe('recovery strategies', () => {
  it('are upserted by key, listed type-level first, and deleted once', async () => {
    const http = { namespace: 'default', workflowId: null, target: 'http' };
    const step = { namespace: 'default', workflowId: 'wf', target: 'a-step' };
    await upsertStrategy(store.handle.db, http, { type: 'retry', maxAttempts: 3 });
    await upsertStrategy(store.handle.db, step, { type: 'skip' });
    await upsertStrategy(store.handle.db, http, { type: 'skip' });
    expect((await listStrategies(store.handle.db)).map((s) => [s.workflowId, s.target, s.strategy])).toEqual([
      [null, 'http', { type: 'skip' }],
      ['wf', 'a-step', { type: 'skip' }],
    ]);
    expect(await deleteStrategy(store.handle.db, http)).toBe(true);
    expect(await deleteStrategy(store.handle.db, http)).toBe(false);
    expect((await listStrategies(store.handle.db)).map((s) => s.target)).toEqual(['a-step']);
  });
});

describe('errors and alerts page with keyset cursors', () => {
  /** Reads a whole list page by page, as the API does: one row more than the page says whether another follows. */
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

  it('every error and alert once, newest first, across rows of one millisecond and defaults written by PostgreSQL', async () => {
    const e = await newExecution();
    const at = new Date();
    // Many in one millisecond (ties broken by id); escalations raise alerts; resolving some writes alerts with the column default.
    const keys = Array.from({ length: 13 }, (_, i) => `k${i}`);
    await runWrites(store.handle.pool, { stepRuns: [], executions: [], logs: [], errors: keys.map((key) => failure(e.id, { key, stepId: key, at })) });
    const open = await listErrors(store.handle.db, { namespace: 'default', executionId: e.id, limit: 100 });
    await runWrites(store.handle.pool, {
      stepRuns: [],
      executions: [],
      logs: [],
      resolvedErrors: open.slice(0, 5).map((row) => ({ id: row.id, resolution: { action: 'skip' } })),
    });
    const all = await listErrors(store.handle.db, { namespace: 'default', executionId: e.id, limit: 100 });
    const paged = await readAll(
      (limit, cursor) => listErrors(store.handle.db, { namespace: 'default', executionId: e.id, limit, ...(cursor ? { cursor } : {}) }),
      4,
    );
    expect(paged.map((r) => r.id)).toEqual(all.map((r) => r.id));
    expect(new Set(paged.map((r) => r.id)).size).toBe(13);
    const alerts = await listAlerts(store.handle.db, 'default', 500);
    const pagedAlerts = await readAll((limit, cursor) => listAlerts(store.handle.db, 'default', limit, cursor), 3);
    expect(pagedAlerts.map((a) => a.id)).toEqual(alerts.map((a) => a.id));
    expect(alerts.every((a) => a.createdAt.getTime() === new Date(a.createdAt.toISOString()).getTime())).toBe(true);
    const micros = await store.handle.pool.query<{ n: string }>(`select count(*) as n from alerts where created_at <> date_trunc('milliseconds', created_at)`);
    expect(micros.rows[0]!.n).toBe('0');
  });

  it('refuses a cursor it did not make', async () => {
    await expect(listErrors(store.handle.db, { namespace: 'default', limit: 5, cursor: 'forged' })).rejects.toThrow(InvalidCursorError);
    await expect(listAlerts(store.handle.db, 'default', 5, 'forged')).rejects.toThrow(InvalidCursorError);
  });
});
