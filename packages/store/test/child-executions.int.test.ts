import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase, type TestDatabase } from '@agentic-flow/testing';
import {
  childOfRun,
  createDatabase,
  executionFamily,
  insertDefinition,
  latestChild,
  migrateDatabase,
  orphanedChildren,
  runOptimisticTransition,
  runWrites,
  setParentAttempt,
  waitingWorkflowRuns,
  type DatabaseHandle,
  type NewExecution,
} from '@agentic-flow/store';

let database: TestDatabase;
let handle: DatabaseHandle;

beforeAll(async () => {
  database = await testDatabase();
  await migrateDatabase(database.url);
  handle = createDatabase(database.url, { max: 4 });
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

function row(extra: Partial<NewExecution> = {}): NewExecution {
  const now = new Date();
  return {
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
    ...extra,
  };
}

const signalsOf = async (id: string) =>
  (
    await handle.pool.query<{ instance_key: string; attempt: number; signal: unknown }>(
      'select instance_key, attempt, signal from step_signals where execution_id = $1',
      [id],
    )
  ).rows;

/** A parent whose step `sub` (attempt 1, recorded running) waits for a child, and that child. */
async function family(parentStatus: NewExecution['status'] = 'running'): Promise<{ parent: string; child: string }> {
  const parent = row({ status: parentStatus });
  const child = row({ parentExecutionId: parent.id, parentInstanceKey: 'sub', parentAttempt: 1, depth: 1 });
  await runWrites(handle.pool, {
    newExecutions: [parent, child],
    stepRuns: [
      {
        id: randomUUID(),
        executionId: parent.id,
        stepId: 'sub',
        instanceKey: 'sub',
        stepType: 'workflow',
        attempt: 1,
        status: 'running',
        input: { workflowId: 'wf', variables: {}, depth: 1 },
        queuedAt: new Date(Date.now() - 60_000),
        startedAt: new Date(Date.now() - 60_000),
      },
    ],
    executions: [],
    logs: [],
  });
  return { parent: parent.id, child: child.id };
}

describe('child executions', () => {
  it('link both ways: the parent lists its children, the child names its parent', async () => {
    const { parent, child } = await family();
    expect(await executionFamily(handle.db, parent)).toEqual({
      parentExecutionId: null,
      children: [{ id: child, instanceKey: 'sub', status: 'running', workflowId: 'wf' }],
    });
    expect(await executionFamily(handle.db, child)).toEqual({ parentExecutionId: parent, children: [] });
    expect(await latestChild(handle.db, parent, 'sub')).toMatchObject({ id: child, parentExecutionId: parent, parentInstanceKey: 'sub', parentAttempt: 1 });
    expect(await latestChild(handle.db, parent, 'other')).toBeUndefined();
    expect((await childOfRun(handle.db, parent, 'sub', 1))?.id).toBe(child);
    // Another attempt's run has no child of its own until one is started (or resumed) for it.
    expect(await childOfRun(handle.db, parent, 'sub', 2)).toBeUndefined();
  });

  it("a child's to-parent signal is addressed to the parent's waiting step run, with the attempt the child row holds then", async () => {
    const { parent, child } = await family();
    await setParentAttempt(handle.db, child, 3);
    await setParentAttempt(handle.db, child, 2); // never backwards
    const { rows } = await handle.pool.query<{ version: number }>('select version from workflow_executions where id = $1', [child]);
    const signal = { type: 'child-settled', childExecutionId: child, status: 'completed', output: { a: 1 } };
    const outcome = await runOptimisticTransition(handle.pool, {
      completions: [],
      executions: [
        {
          id: child,
          version: rows[0]!.version,
          status: 'completed',
          state: {},
          error: null,
          startedAt: new Date(),
          finishedAt: new Date(),
          updatedAt: new Date(),
        },
      ],
      stepRuns: [],
      logs: [],
      errors: [],
      signals: [{ executionId: child, instanceKey: '', attempt: 0, toParent: true, signal, dueAt: new Date() }],
    });
    expect(outcome).not.toBeNull();
    expect(await signalsOf(parent)).toEqual([{ instance_key: 'sub', attempt: 3, signal }]);
    expect(await signalsOf(child)).toEqual([]);
  });

  it('a to-parent signal of an execution without a parent writes nothing', async () => {
    const lone = row();
    await runWrites(handle.pool, {
      newExecutions: [lone],
      stepRuns: [],
      executions: [],
      logs: [],
      signals: [{ executionId: lone.id, instanceKey: '', attempt: 0, toParent: true, signal: { type: 'timer' }, dueAt: new Date() }],
    });
    expect(await signalsOf(lone.id)).toEqual([]);
  });

  it('deleting a parent keeps its child, unlinked', async () => {
    const { parent, child } = await family();
    await handle.pool.query('delete from workflow_executions where id = $1', [parent]);
    expect(await executionFamily(handle.db, child)).toEqual({ parentExecutionId: null, children: [] });
  });

  it('finds waiting workflow step runs and the active children of cancelled parents', async () => {
    const { parent } = await family();
    expect((await waitingWorkflowRuns(handle.db, 1_000, 1_000)).map((r) => [r.executionId, r.instanceKey, r.attempt])).toContainEqual([parent, 'sub', 1]);
    expect((await waitingWorkflowRuns(handle.db, 3_600_000, 1_000)).map((r) => r.executionId)).not.toContain(parent);
    const cancelled = await family('cancelled');
    expect((await orphanedChildren(handle.db, 1_000)).map((c) => c.id)).toContain(cancelled.child);
    expect((await orphanedChildren(handle.db, 1_000)).map((c) => c.id)).not.toContain((await latestChild(handle.db, parent, 'sub'))!.id);
  });
});
