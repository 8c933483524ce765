import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  dueSignalExecutions,
  lockExecutionWithSignalsSql,
  pendingSignalCount,
  postponeStepSignals,
  runOptimisticTransition,
  runTransition,
  runWrites,
  type ClaimedStepSignal,
  type NewExecution,
} from '@agentic-flow/store';
import { migratedDatabase } from './migrated-database.js';

const store = migratedDatabase({ poolSize: 6 });

const timer = { type: 'timer' };

async function execution(signals: { key: string; dueInMs: number }[] = []): Promise<string> {
  const now = new Date();
  const e: NewExecution = {
    id: randomUUID(),
    namespace: 'default',
    workflowId: 'wf',
    workflowVersion: '1',
    status: 'running',
    state: {},
    variables: {},
    error: null,
    createdAt: now,
    startedAt: now,
    finishedAt: null,
  };
  await runWrites(store.handle.pool, {
    newExecutions: [e],
    stepRuns: [],
    executions: [],
    logs: [],
    signals: signals.map((s) => ({ executionId: e.id, instanceKey: s.key, attempt: 1, signal: timer, dueAt: new Date(now.getTime() + s.dueInMs) })),
  });
  return e.id;
}

const signalsOf = async (id: string) =>
  (await store.handle.pool.query<{ instance_key: string }>('select instance_key from step_signals where execution_id = $1 order by due_at', [id])).rows.map(
    (r) => r.instance_key,
  );

/** One signal transaction, as the coordinator's poller runs it: claim and lock, then delete what it applied. */
async function apply(id: string, hold?: Promise<void>, only?: string[]): Promise<ClaimedStepSignal[]> {
  const lockSql = lockExecutionWithSignalsSql(id, 100, only);
  const { value } = await runTransition(store.handle.pool, { lock: [], complete: [], lockSql }, async ({ executions }) => {
    const row = executions[0] as (typeof executions)[number] & { signals?: ClaimedStepSignal[] };
    const claimed = row?.signals ?? [];
    await hold;
    return { writes: { stepRuns: [], executions: [], logs: [], appliedSignals: claimed.map((s) => s.id) }, value: claimed };
  });
  return value;
}

describe('step signals', () => {
  it('are written with a transition, found when due, claimed with their execution locked, and deleted by the transaction that applies them', async () => {
    const id = await execution([
      { key: 'due', dueInMs: -1000 },
      { key: 'later', dueInMs: 3_600_000 },
    ]);
    expect(await signalsOf(id)).toEqual(['due', 'later']);
    expect((await dueSignalExecutions(store.handle.pool, 100)).map((d) => d.executionId)).toContain(id);
    const claimed = await apply(id);
    expect(claimed).toEqual([{ id: expect.any(String), executionId: id, instanceKey: 'due', attempt: 1, signal: timer, dueAt: expect.any(String) }]);
    expect(await signalsOf(id)).toEqual(['later']);
    // Nothing due: no row, and the execution is not locked.
    expect(await apply(id)).toEqual([]);
  });

  it('two coordinators claiming at once apply each signal once; the second does not wait on the first', async () => {
    const id = await execution([{ key: 'w', dueInMs: -10 }]);
    let release!: () => void;
    const hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    const first = apply(id, hold);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second = await apply(id);
    expect(second).toEqual([]);
    release();
    expect((await first).map((s) => s.instanceKey)).toEqual(['w']);
    expect(await signalsOf(id)).toEqual([]);
  });

  it('claims only the rows asked for, when asked (the poller isolating a failing one)', async () => {
    const id = await execution([
      { key: 'x', dueInMs: -20 },
      { key: 'y', dueInMs: -10 },
    ]);
    const { rows } = await store.handle.pool.query<{ id: string }>("select id::text from step_signals where execution_id = $1 and instance_key = 'y'", [id]);
    expect((await apply(id, undefined, [rows[0]!.id])).map((s) => s.instanceKey)).toEqual(['y']);
    expect(await signalsOf(id)).toEqual(['x']);
  });

  it('a rolled-back application leaves the signal for the next pass', async () => {
    const id = await execution([{ key: 'w', dueInMs: -10 }]);
    await expect(
      runTransition(store.handle.pool, { lock: [], complete: [], lockSql: lockExecutionWithSignalsSql(id, 100) }, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await signalsOf(id)).toEqual(['w']);
    expect((await apply(id)).length).toBe(1);
  });

  it('the one-statement transition writes signals with the state', async () => {
    const id = await execution();
    const { rows } = await store.handle.pool.query<{ version: number }>('select version from workflow_executions where id = $1', [id]);
    const outcome = await runOptimisticTransition(store.handle.pool, {
      completions: [],
      executions: [
        { id, version: rows[0]!.version, status: 'running', state: { n: 1 }, error: null, startedAt: new Date(), finishedAt: null, updatedAt: new Date() },
      ],
      stepRuns: [],
      logs: [],
      errors: [],
      signals: [{ executionId: id, instanceKey: 'w', attempt: 2, signal: timer, dueAt: new Date(Date.now() + 60_000) }],
    });
    expect(outcome).not.toBeNull();
    expect(await signalsOf(id)).toEqual(['w']);
    // Stale (the version moved on): nothing is written, the signal neither.
    const stale = await runOptimisticTransition(store.handle.pool, {
      completions: [],
      executions: [
        { id, version: rows[0]!.version, status: 'running', state: { n: 2 }, error: null, startedAt: new Date(), finishedAt: null, updatedAt: new Date() },
      ],
      stepRuns: [],
      logs: [],
      errors: [],
      signals: [{ executionId: id, instanceKey: 'x', attempt: 1, signal: timer, dueAt: new Date() }],
    });
    expect(stale).toBeNull();
    expect(await signalsOf(id)).toEqual(['w']);
  });

  it('counts, postpones by id (never drops), and goes with its execution', async () => {
    const id = await execution([{ key: 'w', dueInMs: 0 }]);
    expect(await pendingSignalCount(store.handle.pool)).toBeGreaterThanOrEqual(1);
    const { rows } = await store.handle.pool.query<{ id: string }>('select id::text from step_signals where execution_id = $1', [id]);
    await postponeStepSignals(
      store.handle.pool,
      rows.map((r) => r.id),
      60_000,
    );
    const later = await store.handle.pool.query<{ secs: number }>(
      'select extract(epoch from due_at - clock_timestamp())::float8 as secs from step_signals where execution_id = $1',
      [id],
    );
    expect(later.rows).toHaveLength(1);
    expect(later.rows[0]!.secs).toBeGreaterThan(55);
    expect(later.rows[0]!.secs).toBeLessThanOrEqual(60);
    expect((await dueSignalExecutions(store.handle.pool, 1000)).map((d) => d.executionId)).not.toContain(id);
    const other = await execution([{ key: 'w', dueInMs: 1000 }]);
    await store.handle.pool.query('delete from workflow_executions where id = $1', [other]);
    expect(await signalsOf(other)).toEqual([]);
  });
});
