import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IDEMPOTENCY_KEY_TAKEN, findIdempotentStart, pruneIdempotencyKeys, runWrites, type NewExecution } from '@agentic-flow/store';
import { migratedDatabase } from './migrated-database.js';

const store = migratedDatabase();

const DAY = 86_400_000;

/** Starts an execution with `key`, as the coordinator does: the execution, its first run and the key in one transaction. */
async function start(key: string, at: Date, hash = 'h'): Promise<string> {
  const e: NewExecution = {
    id: randomUUID(),
    namespace: 'default',
    workflowId: 'wf',
    workflowVersion: '1',
    status: 'running',
    state: {},
    variables: {},
    error: null,
    createdAt: at,
    startedAt: at,
    finishedAt: null,
  };
  await runWrites(store.handle.pool, {
    newExecutions: [e],
    idempotencyKeys: [{ namespace: 'default', key, requestHash: hash, executionId: e.id, createdAt: at, expiresAt: new Date(at.getTime() + DAY) }],
    stepRuns: [{ id: randomUUID(), executionId: e.id, stepId: 'a', instanceKey: 'a', stepType: 'http', attempt: 1, status: 'queued', queuedAt: at }],
    executions: [],
    logs: [],
  });
  return e.id;
}

const count = async (table: string) => Number((await store.handle.pool.query<{ n: string }>(`select count(*) as n from ${table}`)).rows[0]!.n);

describe('idempotency keys of execution starts', () => {
  it('a taken key aborts the whole start: no execution, no step run', async () => {
    const now = new Date();
    const first = await start('k-taken', now);
    const [executions, runs] = [await count('workflow_executions'), await count('step_runs')];
    await expect(start('k-taken', new Date(now.getTime() + 1000))).rejects.toThrow(IDEMPOTENCY_KEY_TAKEN);
    expect([await count('workflow_executions'), await count('step_runs')]).toEqual([executions, runs]);
    expect(await findIdempotentStart(store.handle.pool, 'default', 'k-taken', new Date())).toEqual({ requestHash: 'h', executionId: first, status: 'running' });
  });

  it('two starts with one key at once: exactly one commits', async () => {
    const now = new Date();
    const outcomes = await Promise.allSettled([start('k-race', now), start('k-race', now), start('k-race', now)]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const o of outcomes) if (o.status === 'rejected') expect((o.reason as Error).message).toBe(IDEMPOTENCY_KEY_TAKEN);
  });

  it('an expired key is free: found no more, and taken over by the next start', async () => {
    const old = new Date(Date.now() - DAY - 60_000);
    await start('k-old', old, 'old');
    expect(await findIdempotentStart(store.handle.pool, 'default', 'k-old', new Date())).toBeUndefined();
    const second = await start('k-old', new Date(), 'new');
    expect(await findIdempotentStart(store.handle.pool, 'default', 'k-old', new Date())).toMatchObject({ executionId: second, requestHash: 'new' });
  });

  it('pruning deletes expired keys only', async () => {
    await start('k-expired-1', new Date(Date.now() - 2 * DAY));
    await start('k-expired-2', new Date(Date.now() - 2 * DAY));
    await start('k-fresh', new Date());
    expect(await pruneIdempotencyKeys(store.handle.pool, new Date(), 1)).toBe(2);
    const keys = (await store.handle.pool.query<{ key: string }>('select key from idempotency_keys order by key')).rows.map((r) => r.key);
    expect(keys).toContain('k-fresh');
    expect(keys).not.toContain('k-expired-1');
    expect(keys).not.toContain('k-expired-2');
  });

  it('keys are per namespace', async () => {
    expect(await findIdempotentStart(store.handle.pool, 'other', 'k-fresh', new Date())).toBeUndefined();
  });
});
